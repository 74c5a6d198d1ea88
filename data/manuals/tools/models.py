# ruff: noqa: E501 - prose and question data read better unwrapped
"""Facts per model used by build_manuals.py. Illustrative values written for this repository
(CC BY 4.0); they are not copied from, and do not replace, Toyota's official manuals."""

MODELS = [
    {
        "key": "hilux", "fem": True, "name": "Hilux", "years": "2021-2025", "body": "pickup", "hybrid": False,
        "diesel": True, "awd": "4x4",
        "engines": "motor a gasolina 2.7 L 2TR-FE (166 hp) y motor diésel turbo 2.8 L 1GD-FTV (201 hp)",
        "oil_spec": "gasolina: SAE 5W-30 API SP; diésel: SAE 0W-30 o 5W-30 con norma ACEA C2 o API CK-4 "
                    "(aceite para motor diésel con filtro de partículas, bajo en cenizas)",
        "oil_cap": "gasolina 2.7 L: 5.5 litros con filtro; diésel 2.8 L: 7.5 litros con filtro",
        "oil_km": 10000, "oil_months": 6, "severe_km": 5000,
        "tank": 80, "fuel": "gasolina regular de 87 octanos (Magna) en el motor 2.7 L; diésel automotriz de "
                             "ultra bajo azufre (UBA, máximo 15 ppm) en el motor 2.8 L",
        "tires": "265/65R17 (versiones SR y SR Plus) y 265/60R18 (versiones SRV y Diamond)",
        "pressure": "29 psi (200 kPa) delanteras y traseras con carga ligera; con la caja cargada al máximo, "
                    "suba las traseras a 35 psi (240 kPa)",
        "pressure_short": "29 psi", "spare": "llanta de refacción de tamaño completo, colgada bajo la caja, "
                                            "se baja con la manivela por el orificio arriba de la defensa trasera",
        "spare_pressure": "29 psi", "lug_torque": "105 N·m", "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "automática: Toyota ATF WS; manual: aceite para engranes SAE 75W-90 GL-4; transferencia: "
                       "SAE 75W GL-4; diferenciales: SAE 85W-90 GL-5",
        "trans_name": "transmisión automática de 6 velocidades o manual de 6 velocidades",
        "battery_loc": "en el compartimiento del motor, del lado del conductor",
        "parking": "palanca", "tow": "3,200 kg con remolque con frenos (diésel) y 2,500 kg (gasolina); 750 kg sin frenos",
        "payload": "hasta 1,000 kg según versión (vea la etiqueta en el poste de la puerta)",
        "tss": "Toyota Safety Sense (PCS, LDA y control crucero) en versiones Diamond",
        "smart_key": "llave con control remoto o llave inteligente en versiones altas",
        "fuse": "compartimiento del motor junto a la batería y bajo el tablero del lado del conductor",
        "plugs": "gasolina: bujías de iridio cada 100,000 km; diésel: no usa bujías, tiene bujías de "
                 "precalentamiento que solo se revisan si hay falla de arranque en frío",
        "cabin_km": 20000, "air_km": 40000, "air_dusty": "revíselo cada 5,000 km si maneja en terracería",
        "coolant": "Toyota Super Long Life Coolant (rosa), primera sustitución a los 160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 100,000 km, lo que ocurra primero",
    },
    {
        "key": "tacoma", "fem": True, "name": "Tacoma", "years": "2024-2026", "body": "pickup", "hybrid": False,
        "diesel": False, "awd": "4x4",
        "engines": "motor turbo a gasolina 2.4 L i-FORCE T24A-FTS (278 hp)",
        "oil_spec": "SAE 0W-20 API SP / ILSAC GF-6A", "oil_cap": "5.7 litros con filtro",
        "oil_km": 10000, "oil_months": 6, "severe_km": 5000,
        "tank": 68, "fuel": "gasolina de 91 octanos o más (Premium) recomendada; admite 87 octanos con menor desempeño",
        "tires": "265/70R17 todo terreno y 265/60R18", "pressure": "32 psi (220 kPa) delanteras y traseras; "
        "con carga máxima o remolque, traseras a 38 psi (260 kPa)", "pressure_short": "32 psi",
        "spare": "llanta de refacción de tamaño completo bajo la caja", "spare_pressure": "32 psi",
        "lug_torque": "112 N·m", "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "automática de 8 velocidades: Toyota ATF WS (no requiere cambio en uso normal; revise a los "
                       "100,000 km en uso severo); diferenciales: SAE 75W-85 GL-5",
        "trans_name": "transmisión automática de 8 velocidades",
        "battery_loc": "en el compartimiento del motor, del lado del pasajero",
        "parking": "eléctrico", "tow": "2,950 kg con remolque con frenos; 750 kg sin frenos",
        "payload": "hasta 760 kg según versión", "tss": "Toyota Safety Sense 3.0 (PCS, LTA, LDA, control crucero "
        "adaptativo y reconocimiento de señales)", "smart_key": "llave inteligente con arranque por botón",
        "fuse": "compartimiento del motor y panel inferior izquierdo del tablero",
        "plugs": "bujías de iridio cada 100,000 km", "cabin_km": 20000, "air_km": 40000,
        "air_dusty": "revíselo cada 5,000 km en terracería o arena",
        "coolant": "Toyota Super Long Life Coolant (rosa), primera sustitución a los 160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 60,000 km",
    },
    {
        "key": "corolla", "fem": False, "name": "Corolla", "years": "2020-2025", "body": "sedán", "hybrid": False,
        "diesel": False, "awd": None,
        "engines": "motor a gasolina 2.0 L Dynamic Force M20A-FKS (169 hp)",
        "oil_spec": "SAE 0W-16 API SP (se admite 0W-20 hasta el siguiente cambio)", "oil_cap": "4.4 litros con filtro",
        "oil_km": 10000, "oil_months": 6, "severe_km": 5000,
        "tank": 50, "fuel": "gasolina regular de 87 octanos (Magna) o superior",
        "tires": "205/55R16 y 225/45R17", "pressure": "35 psi (240 kPa) delanteras y traseras",
        "pressure_short": "35 psi", "spare": "llanta de refacción temporal T125/70D16 en el piso de la cajuela",
        "spare_pressure": "60 psi (420 kPa)", "lug_torque": "103 N·m",
        "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "CVT Direct Shift: Toyota Genuine CVT Fluid FE; no requiere cambio en uso normal, "
                       "revise a los 60,000 km en uso severo", "trans_name": "transmisión CVT Direct Shift de 10 "
                       "velocidades simuladas", "battery_loc": "en el compartimiento del motor, lado izquierdo",
        "parking": "eléctrico", "tow": "no se recomienda arrastrar remolques con este vehículo",
        "payload": "5 ocupantes y su equipaje (máximo 400 kg)", "tss": "Toyota Safety Sense 2.0 (PCS, LTA, LDA, "
        "control crucero adaptativo y luces altas automáticas)", "smart_key": "llave inteligente con botón de encendido",
        "fuse": "compartimiento del motor y bajo el tablero del lado del conductor",
        "plugs": "bujías de iridio cada 100,000 km", "cabin_km": 20000, "air_km": 40000,
        "air_dusty": "revíselo en cada servicio si circula en calles de terracería",
        "coolant": "Toyota Super Long Life Coolant (rosa), primera sustitución a los 160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 60,000 km",
    },
    {
        "key": "rav4-hibrida", "fem": True, "name": "RAV4", "years": "2019-2025", "body": "SUV híbrida", "hybrid": True,
        "diesel": False, "awd": "AWD-i",
        "engines": "sistema híbrido Toyota Hybrid System II: motor a gasolina 2.5 L A25A-FXS y motores eléctricos, "
                   "219 hp combinados, tracción integral eléctrica AWD-i",
        "oil_spec": "SAE 0W-16 API SP (0W-20 aceptable)", "oil_cap": "4.5 litros con filtro",
        "oil_km": 10000, "oil_months": 12, "severe_km": 5000,
        "tank": 55, "fuel": "gasolina regular de 87 octanos (Magna) o superior",
        "tires": "225/65R17 y 225/60R18", "pressure": "35 psi (240 kPa) delanteras y traseras",
        "pressure_short": "35 psi", "spare": "llanta de refacción temporal T155/90D18 bajo el piso de la cajuela",
        "spare_pressure": "60 psi (420 kPa)", "lug_torque": "103 N·m",
        "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "transeje híbrido (e-CVT): Toyota Genuine ATF WS, revisión a los 100,000 km; diferencial "
                       "trasero del AWD-i: Toyota Genuine Differential Gear Oil LT 75W-85",
        "trans_name": "transeje híbrido e-CVT", "battery_loc": "en el compartimiento del motor, lado izquierdo "
        "(la batería híbrida de alto voltaje va debajo del asiento trasero)",
        "parking": "eléctrico", "tow": "hasta 794 kg con remolque con frenos",
        "payload": "5 ocupantes y su equipaje (máximo 470 kg)", "tss": "Toyota Safety Sense 2.0 (PCS, LTA, LDA, "
        "control crucero adaptativo de rango completo)", "smart_key": "llave inteligente con botón POWER",
        "fuse": "compartimiento del motor y panel inferior del lado del conductor",
        "plugs": "bujías de iridio cada 100,000 km", "cabin_km": 20000, "air_km": 60000,
        "air_dusty": "revíselo cada 10,000 km en caminos polvosos",
        "coolant": "Toyota Super Long Life Coolant (rosa) en motor e inversor, primera sustitución a los "
                   "160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 60,000 km; componentes híbridos 8 años o 160,000 km",
    },
    {
        "key": "yaris", "fem": False, "name": "Yaris", "years": "2019-2024", "body": "sedán y hatchback", "hybrid": False,
        "diesel": False, "awd": None,
        "engines": "motor a gasolina 1.5 L de cuatro cilindros Dual VVT-i (106 hp)",
        "oil_spec": "SAE 0W-20 API SP / ILSAC GF-6A", "oil_cap": "3.7 litros con filtro",
        "oil_km": 10000, "oil_months": 6, "severe_km": 5000,
        "tank": 42, "fuel": "gasolina regular de 87 octanos (Magna) o superior",
        "tires": "185/60R15", "pressure": "33 psi (230 kPa) delanteras y traseras; 36 psi traseras con carga completa",
        "pressure_short": "33 psi", "spare": "llanta de refacción temporal T125/70D15 bajo el piso de la cajuela",
        "spare_pressure": "60 psi (420 kPa)", "lug_torque": "103 N·m",
        "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "CVT: Toyota Genuine CVT Fluid FE; manual de 6 velocidades: aceite para engranes "
                       "SAE 75W GL-4, cambio cada 80,000 km en uso severo",
        "trans_name": "transmisión CVT de 7 velocidades simuladas o manual de 6 velocidades",
        "battery_loc": "en el compartimiento del motor, lado izquierdo", "parking": "palanca",
        "tow": "no se recomienda arrastrar remolques con este vehículo",
        "payload": "5 ocupantes y su equipaje (máximo 375 kg)",
        "tss": "frenado precolisión (PCS) en versiones S", "smart_key": "llave con control remoto; llave inteligente en versión S",
        "fuse": "compartimiento del motor y bajo el tablero del lado del conductor",
        "plugs": "bujías de iridio cada 100,000 km", "cabin_km": 20000, "air_km": 40000,
        "air_dusty": "revíselo en cada servicio si circula en terracería",
        "coolant": "Toyota Super Long Life Coolant (rosa), primera sustitución a los 160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 60,000 km",
    },
    {
        "key": "prius", "fem": False, "name": "Prius", "years": "2023-2026", "body": "hatchback híbrido", "hybrid": True,
        "diesel": False, "awd": None,
        "engines": "sistema híbrido de quinta generación: motor a gasolina 2.0 L M20A-FXS y motor eléctrico, "
                   "194 hp combinados, batería híbrida de iones de litio",
        "oil_spec": "SAE 0W-16 API SP", "oil_cap": "4.2 litros con filtro",
        "oil_km": 10000, "oil_months": 12, "severe_km": 5000,
        "tank": 43, "fuel": "gasolina regular de 87 octanos (Magna) o superior",
        "tires": "195/60R17 y 195/50R19", "pressure": "36 psi (250 kPa) delanteras y 35 psi (240 kPa) traseras",
        "pressure_short": "36 psi", "spare": "kit de reparación de ponchaduras (sellador y compresor) en lugar de "
        "llanta de refacción", "spare_pressure": "no aplica", "lug_torque": "103 N·m",
        "brake_fluid": "SAE J1703 o FMVSS No. 116 DOT 3",
        "trans_fluid": "transeje híbrido (e-CVT): Toyota Genuine ATF WS, revisión a los 100,000 km",
        "trans_name": "transeje híbrido e-CVT", "battery_loc": "en la cajuela, lado derecho bajo la cubierta; "
        "para pasar corriente use la terminal de arranque en el compartimiento del motor",
        "parking": "eléctrico", "tow": "no se recomienda arrastrar remolques con este vehículo",
        "payload": "5 ocupantes y su equipaje (máximo 385 kg)", "tss": "Toyota Safety Sense 3.0 (PCS, LTA, LDA, "
        "control crucero adaptativo y asistencia proactiva de manejo)", "smart_key": "llave inteligente con botón POWER",
        "fuse": "compartimiento del motor y panel inferior del lado del conductor",
        "plugs": "bujías de iridio cada 100,000 km", "cabin_km": 20000, "air_km": 60000,
        "air_dusty": "revíselo cada 10,000 km en caminos polvosos",
        "coolant": "Toyota Super Long Life Coolant (rosa) en motor e inversor, primera sustitución a los "
                   "160,000 km y luego cada 80,000 km",
        "warranty": "3 años o 60,000 km; componentes híbridos 8 años o 160,000 km",
    },
]
