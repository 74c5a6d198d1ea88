# ruff: noqa: E501 - prose and question data read better unwrapped
"""Writes data/manuals/*.md from the facts in models.py and the section texts below.

The texts were written for this repository (CC BY 4.0). Shared sections take model facts so each
manual reads as its own; model-only sections (hybrid system, 4x4, diesel, CVT) appear only where
they apply. Run: .venv/bin/python data/manuals/tools/build_manuals.py
"""

from __future__ import annotations

from pathlib import Path

from models import MODELS

OUT = Path(__file__).resolve().parent.parent


def km(n: int) -> str:
    return f"{n:,} km"


def shared_sections(m: dict) -> list[tuple[str, str, list[str]]]:
    n, hy, pickup = m["name"], m["hybrid"], m["body"] == "pickup"
    el, El, del_ = ("la", "La", "de la") if m["fem"] else ("el", "El", "del")
    s: list[tuple[str, str, list[str]]] = []
    M, L, F, W, D = "Mantenimiento", "Llantas y ruedas", "Frenos", "Testigos y advertencias", "Conducción y uso"

    s.append((M, "Programa de mantenimiento periódico", [
        f"Su {n} necesita servicio de mantenimiento cada {km(m['oil_km'])} o cada {m['oil_months']} meses, lo que "
        f"ocurra primero. El programa completo se repite en ciclos de {km(m['oil_km'] * 10)}.",
        "Lleve el vehículo a un distribuidor autorizado Toyota y conserve las facturas o el registro electrónico "
        "de cada servicio: el historial de mantenimiento es requisito para hacer válida la garantía.",
        f"Si el vehículo trabaja en condiciones de uso severo, acorte el intervalo de cambio de aceite a "
        f"{km(m['severe_km'])}. Vea la sección Condiciones de uso severo.",
    ]))
    s.append((M, "Servicios de 10,000 y 20,000 km", [
        f"Servicio de 10,000 km: cambio de aceite de motor y filtro de aceite, rotación de llantas, revisión de "
        f"niveles (refrigerante, líquido de frenos, lavaparabrisas), inspección de balatas y discos, revisión de "
        f"fugas y de la batería de 12 V{', y diagnóstico del sistema híbrido con el equipo del distribuidor' if hy else ''}.",
        "Servicio de 20,000 km: todo lo del servicio de 10,000 km, más cambio del filtro de aire de cabina "
        "(filtro del clima), inspección del filtro de aire del motor, revisión de la suspensión, de las "
        "articulaciones de la dirección y de las tuberías de escape.",
    ]))
    s.append((M, "Servicios de 40,000, 60,000 y 100,000 km", [
        f"A los 40,000 km: cambio de líquido de frenos, {'inspección' if m['air_km'] > 40000 else 'cambio'} del "
        f"filtro de aire del motor, revisión de flechas y guardapolvos"
        f"{', cambio de aceite de transferencia y diferenciales' if m['awd'] == '4x4' else ''}.",
        f"A los 60,000 km: además de lo anterior, revisión de bandas, mangueras y líquido de la transmisión "
        f"({m['trans_name']}){'; cambio del filtro de aire del motor' if m['air_km'] == 60000 else ''}.",
        f"A los 100,000 km: {m['plugs']}; inspección completa de frenos y suspensión.",
    ]))
    s.append((M, "Aceite de motor: especificación y capacidad", [
        f"Aceite recomendado para {el} {n}: {m['oil_spec']}.",
        f"Capacidad de aceite en el cambio: {m['oil_cap']}. No llene por arriba de la marca superior de la "
        "bayoneta: el exceso de aceite provoca espuma, consumo y daños a los sellos.",
        "Usar un aceite de viscosidad distinta a la indicada puede aumentar el consumo de combustible y "
        "afectar el arranque en frío.",
    ]))
    s.append((M, "Revisión del nivel de aceite", [
        "Revise el nivel con el vehículo en un lugar plano, con el motor apagado y después de esperar al menos "
        "5 minutos para que el aceite baje al cárter.",
        "Saque la bayoneta, límpiela, introdúzcala por completo y vuelva a sacarla: el nivel debe quedar entre "
        "las marcas de mínimo y máximo. La diferencia entre ambas marcas es de aproximadamente 1 litro.",
        f"Es normal que el motor consuma algo de aceite entre servicios. Si {el} {n} consume más de 1 litro cada "
        "1,000 km, o si ve humo azul en el escape, acuda a revisión.",
    ]))
    s.append((M, "Condiciones de uso severo", [
        "Se considera uso severo: manejar en caminos con polvo, lodo o sal; recorridos cortos repetidos de menos "
        "de 8 km; tráfico intenso con largos periodos en ralentí; arrastre de remolque o carga pesada; uso como "
        "taxi, patrulla o reparto; y temperaturas extremas.",
        f"En uso severo cambie el aceite y el filtro cada {km(m['severe_km'])}, revise el filtro de aire con más "
        "frecuencia y revise balatas, suspensión y flechas en cada servicio.",
    ]))
    s.append((M, "Filtro de aire del motor", [
        f"Inspeccione el filtro de aire del motor cada 20,000 km y cámbielo cada {km(m['air_km'])}. "
        f"{m['air_dusty'].capitalize()}.",
        "Un filtro tapado reduce la potencia y aumenta el consumo de combustible. No lo limpie con agua ni "
        "con aire a presión desde el lado limpio: puede romper el papel filtrante.",
    ]))
    s.append((M, "Filtro de aire de cabina", [
        f"El filtro de aire de cabina (filtro del clima o de polen) se cambia cada {km(m['cabin_km'])}, o antes "
        "si nota mal olor, poco flujo de aire o que los cristales se empañan con facilidad.",
        "Está detrás de la guantera: vacíela, suelte los topes laterales para bajarla y retire la tapa del "
        "filtro. Instale el nuevo con la flecha UP hacia arriba.",
    ]))
    s.append((M, "Bujías", [
        f"{m['plugs'].capitalize()}.",
        "Síntomas de bujías desgastadas: jaloneos al acelerar, marcha mínima inestable, arranque difícil y "
        "el testigo de revisión del motor encendido o parpadeando por fallas de encendido.",
    ]))
    s.append((M, "Refrigerante del motor", [
        f"Use únicamente {m['coolant']}. Viene premezclado 50/50 con agua desmineralizada; no le agregue agua "
        "de la llave.",
        "Revise el nivel con el motor frío en el depósito de reserva: debe estar entre las marcas FULL y LOW. "
        "Nunca abra el tapón del radiador con el motor caliente: el refrigerante puede salir a presión y "
        "causar quemaduras graves.",
        "Si el nivel baja con frecuencia, hay una fuga: busque manchas rosas bajo el vehículo y acuda a revisión.",
    ]))
    s.append((M, "Líquido de frenos", [
        f"Tipo de líquido: {m['brake_fluid']}. Cámbielo cada 40,000 km o 2 años, porque absorbe humedad "
        "y pierde eficacia con el tiempo.",
        "El depósito está en el compartimiento del motor, del lado del conductor. Es normal que el nivel baje "
        "un poco conforme se desgastan las balatas; si baja rápido o queda bajo la marca MIN, puede haber "
        "una fuga en el sistema: no maneje y solicite asistencia.",
    ]))
    s.append((M, "Líquido de la transmisión", [
        f"Su {n} tiene {m['trans_name']}. Lubricantes: {m['trans_fluid']}.",
        "Use solo el fluido indicado: mezclar fluidos de otro tipo puede dañar la transmisión y no lo cubre "
        "la garantía. Si nota jaloneos, patinamiento o ruidos al cambiar, acuda al distribuidor.",
    ]))
    s.append((M, "Plumas limpiaparabrisas y lavaparabrisas", [
        "Cambie las plumas (escobillas) cuando dejen rayas, rechinen o salten sobre el cristal; en climas "
        "calurosos el hule se endurece en unos 6 a 12 meses.",
        "Llene el depósito de lavaparabrisas con agua y limpiador para parabrisas. No use anticongelante de "
        "motor ni detergente de trastes: dañan la pintura y las bombas.",
    ]))
    s.append((M, "Batería de 12 V", [
        f"La batería de 12 V {del_} {n} está {m['battery_loc']}.",
        "Revise que las terminales estén limpias y apretadas. Si el vehículo estará parado más de dos semanas, "
        "enciéndalo y manéjelo al menos 30 minutos una vez por semana o desconecte el borne negativo.",
        "Síntomas de batería baja: el motor de arranque gira lento, las luces se ven débiles, el tablero "
        "parpadea o aparecen varios testigos a la vez al dar marcha.",
    ]))
    s.append((M, "Arranque con cables (pasar corriente)", [
        ("En un vehículo híbrido la batería de 12 V solo enciende las computadoras del sistema. Para arrancar "
         "con cables conecte el cable positivo a la terminal de arranque bajo el cofre y el negativo a un punto "
         "metálico sin pintura; presione POWER con el pedal del freno pisado hasta ver el indicador READY.")
        if hy else
        ("Conecte el cable rojo al positivo (+) de la batería descargada y al positivo de la batería auxiliar; "
         "conecte el cable negro al negativo (-) de la batería auxiliar y a un punto metálico sin pintura del "
         "motor, lejos de la batería. Arranque primero el vehículo auxiliar y después el suyo."),
        "Retire los cables en orden inverso. No use un vehículo híbrido para pasar corriente a otro vehículo "
        "ni use arrancadores de más de 12 V.",
    ]))
    s.append((M, "Fusibles", [
        f"Las cajas de fusibles {del_} {n} están en: {m['fuse']}. La tapa de cada caja muestra qué circuito "
        "protege cada fusible.",
        "Cambie un fusible fundido solo por otro del mismo amperaje. Si el fusible nuevo se funde de inmediato "
        "hay un corto circuito: no instale uno de mayor capacidad y acuda al distribuidor.",
    ]))
    s.append((M, "Cambio de focos", [
        "Los faros LED, las luces de día y las calaveras LED no tienen focos reemplazables: si fallan se "
        "cambia el conjunto en el distribuidor.",
        "Los focos de placa, de cortesía y algunos direccionales sí se pueden cambiar. Si un direccional "
        "parpadea más rápido de lo normal, hay un foco fundido en ese lado.",
    ]))

    s.append((L, "Presión de inflado de llantas", [
        f"Presión en frío recomendada para {el} {n} con llantas {m['tires']}: {m['pressure']}.",
        "Revise la presión al menos una vez al mes y antes de un viaje largo, con las llantas frías (antes de "
        "manejar o después de 3 horas sin uso). La etiqueta con la presión correcta está en el poste de la "
        "puerta del conductor.",
        "No desinfle las llantas si están calientes: es normal que la presión suba entre 4 y 6 psi al rodar.",
    ]))
    s.append((L, "Sistema de monitoreo de presión de llantas (TPMS)", [
        "El testigo de presión baja (un signo de admiración dentro de una herradura) se enciende cuando una o "
        "más llantas tienen presión baja. Revise y ajuste la presión en cuanto pueda.",
        "Si el testigo parpadea 1 minuto y luego queda encendido, el sistema TPMS tiene una falla (por ejemplo, "
        "un sensor sin batería o una rueda sin sensor). Después de rotar llantas o cambiar rines, el sistema "
        f"debe inicializarse; en {el} {n} se hace desde el menú de ajustes del tablero con la presión correcta.",
    ]))
    s.append((L, "Rotación de llantas", [
        f"Rote las llantas cada 10,000 km para que se desgasten parejo. En {el} {n} use rotación en cruz hacia "
        "adelante: las traseras pasan cruzadas al frente y las delanteras pasan derechas atrás.",
        f"Apriete las tuercas de rueda a {m['lug_torque']} en forma de estrella y vuelva a revisar el apriete "
        "después de los primeros 100 km.",
    ]))
    s.append((L, "Cambio de llanta ponchada", [
        "Estacione en un lugar plano y seguro, encienda las intermitentes, ponga el freno de estacionamiento "
        "y coloque el triángulo de seguridad. Calce la llanta diagonal a la ponchada.",
        f"Afloje las tuercas media vuelta antes de levantar el vehículo con el gato en el punto de apoyo "
        f"indicado. Cambie la llanta, apriete en estrella y termine el apriete a {m['lug_torque']} ya en el piso.",
        (f"{El} {n} no trae llanta de refacción: use el kit de reparación de ponchaduras."
         if m["spare_pressure"] == "no aplica" else
         f"El gato y la llave de tuercas están {'detrás del asiento trasero' if pickup else 'en la cajuela, bajo el piso'}."),
    ]))
    s.append((L, "Llanta de refacción", [
        f"Su {n} tiene {m['spare']}.",
        (f"Revise la presión de la refacción cada mes: {m['spare_pressure']}." if m["spare_pressure"] != "no aplica"
         else "El sellador del kit caduca: revise la fecha en la botella y reemplácela antes de que venza."),
        ("Una refacción temporal es solo para llegar al taller: no exceda 80 km/h ni la use más de 80 km."
         if "temporal" in m["spare"] else
         "Con el kit, inyecte el sellador, infle con el compresor a la presión de la etiqueta y maneje "
         "despacio hasta una vulcanizadora; no supere 80 km/h."
         if m["spare_pressure"] == "no aplica" else
         "La refacción de tamaño completo puede integrarse a la rotación de llantas para que las cinco se "
         "desgasten parejo."),
    ]))
    s.append((L, "Alineación y balanceo", [
        "Revise la alineación cada 20,000 km, después de un golpe fuerte contra una banqueta o un bache, o si el "
        f"{n} se va de lado, el volante queda chueco o las llantas se gastan de un solo lado.",
        "Balancee las ruedas al montar llantas nuevas o si siente vibración en el volante entre 80 y 110 km/h.",
    ]))
    s.append((L, "Vida útil y desgaste de llantas", [
        "Cambie las llantas cuando la profundidad del dibujo llegue a 1.6 mm: los indicadores de desgaste "
        "(barras transversales en las ranuras) quedan al ras del dibujo.",
        "Cambie también llantas con más de 6 años de fabricación aunque tengan dibujo, o con grietas, "
        "chipotes (abultamientos) o cortes en el costado. La fecha está en el código DOT: los 4 últimos "
        "dígitos son semana y año.",
    ]))

    s.append((F, "Balatas (pastillas) de freno: desgaste", [
        f"Las balatas delanteras {del_} {n} tienen un indicador de desgaste: una lámina metálica que produce un "
        "chillido agudo al frenar cuando queda poco material. Si lo escucha, cambie las balatas cuanto antes.",
        "El espesor mínimo de la balata es de 1 mm; se recomienda cambiarlas a los 3 mm. "
        + ("En un híbrido las balatas duran más porque el frenado regenerativo hace parte del trabajo."
           if hy else "La duración típica es de 30,000 a 50,000 km según el tipo de manejo."),
    ]))
    s.append((F, "Ruidos al frenar", [
        "Un rechinido leve en las primeras frenadas de la mañana o después de lavar el vehículo es normal: "
        "es óxido superficial de los discos y desaparece en unas cuantas frenadas.",
        "Un chillido metálico constante indica balatas gastadas (indicador de desgaste). Un ruido de metal "
        "contra metal o tallones indica que la balata se terminó y el disco se está dañando: deje de usar el "
        "vehículo y acuda a revisión.",
    ]))
    s.append((F, "Vibración al frenar", [
        "Si el volante o el pedal vibran al frenar, sobre todo a alta velocidad o al bajar una pendiente, los "
        "discos pueden estar alabeados o con desgaste disparejo.",
        "Los discos se rectifican si conservan el espesor mínimo grabado en su orilla; si no, se reemplazan. "
        "Evite mojar los frenos muy calientes y aprietar las ruedas con pistola de impacto sin torquímetro.",
    ]))
    s.append((F, "Freno de estacionamiento", [
        ("El freno de estacionamiento es eléctrico: jale el interruptor P para aplicarlo y presiónelo con el pie en "
         "el freno para liberarlo. Con el modo automático activo se aplica solo al poner la palanca en P.")
        if m["parking"] == "eléctrico" else
        ("El freno de estacionamiento es de palanca: jálela hasta el tope para aplicarlo; para liberarlo jale "
         "un poco, presione el botón de la punta y bájela por completo."),
        "Si el testigo BRAKE o el del freno de estacionamiento se queda encendido con el freno liberado, "
        "revise el nivel de líquido de frenos y acuda al distribuidor.",
    ]))
    s.append((F, "ABS y asistencia de frenado", [
        "El sistema antibloqueo (ABS) evita que las ruedas se bloqueen en un frenado fuerte: es normal sentir "
        "pulsaciones en el pedal y oír un zumbido del motor del ABS. Mantenga el pedal pisado con firmeza.",
        "Si el testigo ABS se queda encendido, los frenos funcionan de forma convencional pero sin antibloqueo: "
        "maneje con precaución y acuda a revisión.",
    ]))
    s.append((F, "Pedal de freno bajo o esponjoso", [
        "Si el pedal se siente esponjoso, baja más de lo normal o tiene que bombearlo, puede haber aire en el "
        "sistema, una fuga o líquido muy viejo. Es una condición de riesgo: no maneje el vehículo.",
        "Revise el nivel de líquido y busque manchas cerca de las ruedas. Solicite asistencia vial o grúa "
        "para llevarlo al taller.",
    ]))

    s.append((W, "Testigo de revisión del motor (check engine)", [
        f"El testigo amarillo con forma de motor indica una falla detectada por la computadora del motor"
        f"{' o del sistema híbrido' if hy else ''}. Si queda encendido fijo, puede manejar con precaución y "
        "debe acudir a revisión pronto.",
        "Si el testigo parpadea, hay fallas de encendido que pueden dañar el convertidor catalítico: baje la "
        "velocidad, evite acelerar fuerte y acuda de inmediato al distribuidor.",
        "Un tapón de gasolina flojo también puede encender el testigo: apriételo hasta oír el clic; el testigo "
        "se apaga solo después de varios recorridos.",
    ]))
    s.append((W, "Testigo de presión de aceite", [
        "El testigo rojo con forma de aceitera indica presión de aceite baja. Detenga el vehículo en un lugar "
        "seguro y apague el motor de inmediato: manejar así puede desbielar el motor.",
        "Revise el nivel de aceite con la bayoneta. Si el nivel está bien y el testigo sigue encendido, no "
        "arranque el motor y solicite grúa.",
    ]))
    s.append((W, "Testigo del sistema de carga", [
        "El testigo rojo con forma de batería indica una falla en el sistema de carga"
        + (" (convertidor DC-DC del sistema híbrido)." if hy else " (alternador o banda)."),
        "Apague el clima, el audio y los accesorios, y maneje directo al distribuidor más cercano: la batería "
        "se descargará y el vehículo puede apagarse.",
    ]))
    s.append((W, "Sobrecalentamiento del motor", [
        "Si el indicador de temperatura llega a la zona roja, aparece el testigo de alta temperatura o sale "
        "vapor del cofre, estacione en un lugar seguro, apague el clima y deje el motor en marcha mínima si no "
        "sale vapor; si sale vapor, apáguelo.",
        "Abra el cofre solo cuando ya no salga vapor. No abra el tapón del radiador caliente. Revise el nivel "
        "de refrigerante, que el ventilador gire y que no haya fugas. Si el nivel está bajo, complete con "
        "refrigerante cuando el motor esté frío y acuda a revisión.",
    ]))
    s.append((W, "Testigo del sistema de frenos", [
        "El testigo rojo BRAKE (o un círculo con signo de admiración) encendido con el freno de estacionamiento "
        "liberado indica nivel bajo de líquido de frenos o una falla del sistema.",
        "Detenga el vehículo en un lugar seguro y revise el nivel. Si el testigo BRAKE y el ABS se encienden "
        "juntos, el vehículo puede frenar de forma inestable: no maneje y solicite asistencia.",
    ]))
    s.append((W, "Testigo de bolsas de aire (SRS)", [
        "El testigo SRS (una persona con cinturón y un círculo al frente) se enciende unos segundos al dar "
        "marcha y luego se apaga. Si se queda encendido o parpadea, las bolsas de aire o los pretensores "
        "pueden no activarse en un choque.",
        "No coloque fundas, tapetes gruesos ni accesorios en los asientos delanteros ni en el volante: "
        "interfieren con los sensores. Acuda de inmediato al distribuidor.",
    ]))
    s.append((W, "Testigo de la dirección asistida (EPS)", [
        "Si se enciende el testigo de la dirección (un volante con signo de admiración), la asistencia "
        "eléctrica puede reducirse y el volante se sentirá duro.",
        "Girar el volante de tope a tope muchas veces con el vehículo parado puede limitar la asistencia de "
        "forma temporal para proteger el motor eléctrico; se recupera en unos minutos. Si el testigo sigue "
        "encendido, acuda a revisión.",
    ]))

    s.append((D, "Combustible recomendado", [
        f"Use {m['fuel']}. Capacidad del tanque: {m['tank']} litros.",
        "No use gasolina con más de 10 % de etanol ni aditivos de venta libre. Si por error cargó un "
        "combustible equivocado, no arranque el motor y llame a asistencia vial.",
    ]))
    s.append((D, "Periodo de asentamiento (rodaje)", [
        "Durante los primeros 1,600 km evite acelerones a fondo, frenadas bruscas innecesarias, mantener una "
        f"misma velocidad por mucho tiempo y arrastrar remolques. {'' if pickup else 'No es necesario un servicio especial al terminar el rodaje.'}",
        f"Durante los primeros 300 km las balatas y discos nuevos {del_} {n} aún se están asentando: deje más "
        "distancia para frenar.",
    ]))
    s.append((D, "Manejo en agua e inundaciones", [
        f"No cruce calles inundadas con agua por arriba del borde inferior de las puertas"
        f"{' (la Hilux y la Tacoma toleran hasta 700 mm a vuelta de rueda en versiones 4x4)' if pickup else ''}. "
        "El agua que entra por la toma de aire puede causar daño grave al motor (hidrobloqueo).",
        ("En un híbrido el agua puede dañar además la batería híbrida y el inversor." if hy else
         "Si el motor se apaga dentro del agua, no intente arrancarlo de nuevo."),
        "Después de cruzar agua, frene suavemente varias veces para secar los frenos y acuda a revisar "
        "aceites y filtro de aire.",
    ]))
    s.append((D, "Remolque de emergencia (grúa)", [
        ("Un vehículo híbrido debe transportarse en grúa de plataforma con las cuatro ruedas sobre ella. "
         "Remolcarlo con las ruedas delanteras en el piso puede dañar el sistema híbrido."
         if hy else
         f"Se recomienda transportar {el} {n} en grúa de plataforma. "
         + ("En versiones 4x4 nunca lo remolque con ruedas en el piso."
            if m["awd"] == "4x4" else
            "Si se remolca con las ruedas delanteras levantadas, ponga el freno de estacionamiento liberado y no "
            "exceda 30 km/h ni 80 km de distancia.")),
        "Use los ganchos de remolque solo para sacar el vehículo de una zanja o lodo a baja velocidad, no "
        "para remolcarlo por carretera.",
    ]))
    s.append((D, "Arrastre de remolques y capacidad de carga", [
        f"Capacidad de arrastre: {m['tow']}. Capacidad de carga: {m['payload']}.",
        "No exceda el peso bruto vehicular ni la carga máxima del enganche. Con remolque, aumente la distancia "
        "de frenado, use cambios más bajos en pendientes y revise la presión de las llantas traseras.",
    ]))
    s.append((D, "Toyota Safety Sense", [
        f"Equipamiento {del_} {n}: {m['tss']}.",
        "Los sensores (cámara detrás del parabrisas y radar en la parrilla o el emblema) deben estar limpios. "
        "Si aparece el mensaje de sistema no disponible, limpie el parabrisas y el emblema; con lluvia "
        "intensa, niebla o lodo es normal que el sistema se desactive temporalmente.",
        "El frenado precolisión (PCS) puede frenar solo si detecta riesgo de choque; no sustituye la atención "
        "del conductor.",
    ]))
    s.append((D, "Llave inteligente y pila baja", [
        f"Su {n} tiene {m['smart_key']}. La pila de la llave (CR2032) dura uno o dos años; si el alcance disminuye "
        "o aparece el mensaje de pila baja, cámbiela.",
        "Con la pila descargada todavía puede entrar con la llave mecánica oculta en el control y arrancar "
        "acercando el logotipo de la llave al botón de encendido mientras pisa el freno.",
    ]))
    s.append((D, "Aire acondicionado (clima) que no enfría", [
        "Si el clima enfría poco, revise primero el filtro de cabina y que el modo de recirculación esté activo "
        "en días calurosos. Un filtro tapado reduce mucho el flujo de aire.",
        "Si sale aire caliente con el compresor activado, puede faltar gas refrigerante (R-1234yf) por una "
        "fuga: acuda a revisión; no recargue gas sin reparar la fuga.",
    ]))
    s.append((D, "Ruidos de suspensión", [
        "Golpeteos al pasar topes o baches suelen venir de bujes, tornillos estabilizadores o amortiguadores. "
        "Un amortiguador con fuga de aceite o que deja rebotar el vehículo más de una vez debe cambiarse.",
        f"Revise la suspensión {del_} {n} cada 20,000 km, y en cada servicio si maneja en terracería o con carga.",
    ]))
    return s


def specific_sections(m: dict) -> list[tuple[str, str, list[str]]]:
    key, n = m["key"], m["name"]
    _el, El, del_ = ("la", "La", "de la") if m["fem"] else ("el", "El", "del")
    s: list[tuple[str, str, list[str]]] = []
    H, T = "Sistema híbrido", "Tracción y todo terreno"
    if m["hybrid"]:
        s += [
            (H, "Indicador READY y arranque del sistema híbrido", [
                "Para encender, pise el pedal del freno y presione POWER. Cuando el indicador READY se ilumina "
                "en verde, el vehículo puede moverse aunque el motor a gasolina esté apagado y no se escuche nada.",
                "Si READY no se enciende, verifique que tiene el pedal del freno pisado, que la palanca está en P y "
                "que la llave inteligente está dentro del vehículo. Si el tablero enciende pero no aparece READY, "
                "revise la batería de 12 V.",
            ]),
            (H, "Testigo de revisión del sistema híbrido", [
                "El mensaje 'Revise el sistema híbrido' o el testigo principal de advertencia con un triángulo "
                "indica una falla del sistema híbrido. Detenga el vehículo en un lugar seguro y apague con POWER.",
                "Si el vehículo sigue avanzando, maneje a baja velocidad al distribuidor más cercano. No abra "
                "cubiertas de componentes de alto voltaje (cables naranja): riesgo de descarga eléctrica.",
            ]),
            (H, "Batería híbrida: cuidados y garantía", [
                f"La batería híbrida de alto voltaje {del_} {n} no requiere mantenimiento del usuario y está cubierta "
                "por la garantía de componentes híbridos de 8 años o 160,000 km.",
                "Si el vehículo estará parado más de un mes, enciéndalo hasta READY al menos 30 minutos cada mes "
                "para que la batería híbrida se recargue. Evite dejar el vehículo mucho tiempo con poca gasolina.",
            ]),
            (H, "Ventilación de la batería híbrida", [
                "La batería híbrida se enfría con aire de la cabina que entra por una rejilla junto al asiento "
                "trasero. No la tape con objetos, tapetes o fundas.",
                "Limpie el filtro de la toma de aire cada 20,000 km, o antes si lleva mascotas o maneja en "
                "polvo. Si la toma se tapa, aparece un mensaje de mantenimiento y la potencia puede reducirse.",
            ]),
            (H, "Modo EV y modos de manejo", [
                "El modo EV permite avanzar solo con el motor eléctrico a baja velocidad y por distancias cortas, "
                "si la batería híbrida tiene carga suficiente. Se cancela solo si acelera fuerte o la carga baja.",
                "ECO reduce la respuesta del acelerador y el uso del clima para ahorrar combustible; NORMAL es "
                "el modo general; SPORT da una respuesta más rápida del acelerador.",
            ]),
            (H, "Frenado regenerativo", [
                "Al soltar el acelerador o frenar suavemente, el motor eléctrico actúa como generador y recarga "
                "la batería híbrida. Por eso el pedal puede sentirse distinto al de un vehículo convencional.",
                "En pendientes largas use la posición B de la palanca para aumentar el freno de motor y evitar "
                "sobrecalentar los frenos.",
            ]),
            (H, "Sonido de advertencia para peatones", [
                "A baja velocidad en modo eléctrico, el vehículo emite un sonido para avisar a los peatones que "
                "se aproxima. El sonido es normal y no se puede desactivar.",
                "Si deja de escucharse o aparece un mensaje de falla del sistema de aviso, acuda al distribuidor.",
            ]),
            (H, "Refrigerante del inversor", [
                "El inversor y los motores eléctricos tienen su propio circuito de refrigerante, con depósito "
                "aparte del refrigerante del motor. Use solo Toyota Super Long Life Coolant.",
                "Si el nivel del depósito del inversor baja, no maneje largas distancias: el sistema reducirá la "
                "potencia para protegerse. Acuda a revisión.",
            ]),
        ]
        if key == "rav4-hibrida":
            s.append((T, "Tracción integral AWD-i", [
                "La RAV4 híbrida usa un motor eléctrico independiente en el eje trasero (AWD-i). No hay flecha "
                "cardán: la tracción trasera se activa sola al arrancar, en superficies resbalosas o al acelerar.",
                "El modo TRAIL ayuda a salir de terrenos sueltos frenando la rueda que patina. No es un "
                "vehículo para todo terreno extremo: evite rocas altas y agua profunda.",
            ]))
        if key == "prius":
            s.append((H, "El vehículo no enciende (batería de 12 V descargada)", [
                "Si al presionar POWER no enciende el tablero o las puertas no abren con la llave, la batería "
                "de 12 V está descargada. Abra con la llave mecánica y pase corriente en la terminal bajo el cofre.",
                "Una batería de 12 V se descarga si deja luces interiores encendidas o el vehículo parado "
                "varias semanas. Al recuperar READY, déjelo encendido al menos 30 minutos.",
            ]))
    if m["awd"] == "4x4":
        s += [
            (T, "Uso de 4x4 y reductora", [
                f"{El} {n} tiene tracción 4x4 con caja de transferencia: 2H para uso normal en pavimento, 4H para "
                "caminos resbalosos, lodo o arena a velocidad normal, y 4L (reductora) para pendientes fuertes, "
                "lodo profundo o arrastre lento.",
                "Puede pasar de 2H a 4H en movimiento por debajo de 100 km/h. Para entrar o salir de 4L detenga el "
                "vehículo por completo y ponga la palanca en N (o el clutch pisado). No use 4H ni 4L en pavimento "
                "seco: daña la transmisión y las llantas.",
            ]),
            (T, "Bloqueo del diferencial trasero", [
                "El bloqueo del diferencial trasero hace que ambas ruedas traseras giren igual para salir de lodo "
                "profundo o de una rueda en el aire. Solo funciona en 4L y a baja velocidad.",
                "Desactívelo en cuanto salga del obstáculo: con el bloqueo activo el vehículo gira mal y el ABS "
                "y el control de estabilidad quedan limitados.",
            ]),
            (T, "Capacidad de carga en la caja", [
                f"Reparta la carga en la caja {del_} {n} cerca de la cabina y sujétela con los ganchos. "
                f"Carga máxima: {m['payload']}.",
                "Con carga pesada ajuste la presión de las llantas traseras según la etiqueta y revise la altura "
                "de los faros.",
            ]),
        ]
        if key == "tacoma":
            s.append((T, "Crawl Control y selección de terreno", [
                "Crawl Control mantiene una velocidad muy baja y constante en 4L para que solo tenga que dirigir "
                "el volante en rocas, lodo o pendientes; el sistema controla acelerador y frenos.",
                "El selector Multi-Terrain ajusta el control de tracción para lodo, arena o roca. Es normal oír "
                "ruidos del ABS y sentir vibraciones mientras funciona.",
            ]))
    if key == "hilux":
        s += [
            ("Motor diésel", "Filtro de partículas diésel (DPF)", [
                "El motor 2.8 L diésel tiene un filtro de partículas (DPF) que atrapa el hollín del escape y lo "
                "quema solo en una regeneración automática al circular a velocidad constante.",
                "Si hace solo recorridos cortos, el filtro se satura y se enciende el testigo del DPF: maneje "
                "20 minutos a más de 60 km/h o use el interruptor de regeneración manual con el vehículo "
                "estacionado. Si el testigo parpadea, acuda al distribuidor.",
            ]),
            ("Motor diésel", "Agua en el filtro de combustible", [
                "El testigo de agua en el combustible indica que el filtro acumuló agua. Drene el separador con el "
                "tornillo de purga bajo el filtro o acuda al distribuidor cuanto antes: el agua daña la bomba y "
                "los inyectores.",
                "Cambie el filtro de combustible diésel cada 40,000 km, o cada 20,000 km si carga en estaciones "
                "con diésel de calidad dudosa.",
            ]),
        ]
    if key in ("corolla", "yaris"):
        s.append(("Transmisión", "Cuidados de la transmisión CVT", [
            "La transmisión CVT cambia de relación en forma continua: es normal que las revoluciones suban sin que "
            "se sientan cambios de velocidad, y que se escuche un ligero zumbido al acelerar.",
            "No la ponga en N en pendientes ni cambie a R con el vehículo en movimiento. Si siente jaloneos, "
            "patinamiento o aparece un mensaje de transmisión caliente, deténgase y deje que se enfríe.",
        ]))
    if key == "yaris":
        s.append(("Transmisión", "Uso del clutch en la transmisión manual", [
            "No descanse el pie sobre el pedal del clutch ni lo use para detenerse en pendientes: desgasta el "
            "disco. Use el freno de mano en subidas.",
            "Si el pedal se siente alto, patina al acelerar o huele a quemado, el clutch está desgastado y debe "
            "revisarse.",
        ]))
    return s


WARRANTY_GUIDE = [
    ("Garantía", "Garantía básica del vehículo nuevo", [
        "La garantía básica cubre defectos de fabricación en materiales y mano de obra durante 3 años o 60,000 km "
        "(Hilux: 3 años o 100,000 km), lo que ocurra primero, a partir de la fecha de entrega al primer dueño.",
        "La garantía se transfiere al nuevo dueño si el vehículo se vende, siempre que el plazo y el kilometraje "
        "sigan vigentes.",
    ]),
    ("Garantía", "Garantía de componentes híbridos", [
        "Los componentes del sistema híbrido (batería híbrida, inversor, convertidor DC-DC, computadora del "
        "sistema híbrido y motores eléctricos) tienen garantía de 8 años o 160,000 km, lo que ocurra primero.",
        "La batería híbrida se cubre si pierde capacidad por debajo del nivel que el sistema diagnostica como falla; "
        "la pérdida gradual normal de autonomía eléctrica no es un defecto.",
    ]),
    ("Garantía", "Qué no cubre la garantía", [
        "No están cubiertos los componentes de desgaste normal: balatas, discos, plumas limpiaparabrisas, focos, "
        "filtros, llantas (tienen garantía del fabricante de llantas), clutch y bandas, salvo defecto de fabricación.",
        "Tampoco se cubren daños por accidentes, inundaciones, combustible contaminado, falta de mantenimiento, "
        "modificaciones o accesorios no originales, ni el uso en competencias.",
    ]),
    ("Garantía", "Mantenimiento y validez de la garantía", [
        "Para conservar la garantía haga los servicios en el intervalo indicado con refacciones y fluidos que "
        "cumplan la especificación Toyota, y conserve comprobantes con fecha y kilometraje.",
        "Se acepta una tolerancia de 1,000 km o un mes en cada servicio. Un servicio omitido no anula toda la "
        "garantía, pero puede negarse la cobertura de una falla relacionada con ese servicio.",
    ]),
    ("Garantía", "Cómo solicitar una reparación en garantía", [
        "Escriba por WhatsApp o acuda al distribuidor con el número de serie (VIN) o las placas, el kilometraje "
        "actual y una descripción de la falla.",
        "Le pediremos evidencias según la falla: foto del odómetro, foto del testigo encendido en el tablero, "
        "video del ruido o de la falla, y fotos de la pieza dañada. Con eso se evalúa si la falla es elegible.",
    ]),
    ("Garantía", "Evidencias: foto del odómetro y del tablero", [
        "Tome la foto del odómetro con el vehículo encendido, de frente al tablero, sin reflejos y mostrando "
        "todos los dígitos del kilometraje.",
        "Si hay testigos encendidos, tome la foto con el motor en marcha para que se vea cuáles quedan "
        "encendidos después de arrancar.",
    ]),
    ("Garantía", "Evidencias: video de ruidos y fallas", [
        "Grabe un video de 15 a 30 segundos donde se escuche el ruido: frenando, girando, pasando un tope o al "
        "acelerar, según cuándo aparece. Indique en el mensaje a qué velocidad y en qué condiciones sucede.",
        "Para vibraciones, grabe el volante o el tablero con el vehículo en movimiento, siempre con otra persona "
        "al volante.",
    ]),
    ("Garantía", "Revisión por campañas de servicio (llamados a revisión)", [
        "Toyota puede anunciar campañas de servicio para corregir un posible defecto en ciertos números de serie. "
        "La reparación de una campaña es gratuita aunque la garantía haya vencido.",
        "Para saber si su vehículo tiene una campaña pendiente, envíe su VIN por WhatsApp o consulte con el "
        "distribuidor.",
    ]),
    ("Atención postventa", "Cotización de refacciones y mano de obra", [
        "Si la falla no está cubierta, le enviamos una cotización con las refacciones, la mano de obra en horas y "
        "el tiempo estimado de entrega de las piezas. La cotización tiene vigencia de 15 días.",
        "Puede aceptarla por WhatsApp o en el portal. Las refacciones originales tienen garantía de 12 meses "
        "o 20,000 km instaladas en el distribuidor.",
    ]),
    ("Atención postventa", "Refacciones originales y equivalentes", [
        "Las refacciones originales Toyota cumplen la especificación del vehículo. Algunas piezas tienen números "
        "de parte equivalentes o sustitutos; el distribuidor le indica cuál corresponde a su VIN.",
        "Piezas no originales pueden afectar el funcionamiento y no tienen la garantía de refacciones Toyota.",
    ]),
    ("Atención postventa", "Asistencia vial", [
        "La asistencia vial Toyota está disponible las 24 horas durante la garantía básica: paso de corriente, "
        "cambio de llanta, envío de gasolina, apertura de vehículo y servicio de grúa al distribuidor más cercano.",
        "Tenga a la mano el VIN, las placas y su ubicación. Los vehículos híbridos siempre se trasladan en grúa "
        "de plataforma.",
    ]),
    ("Cuidado general", "Almacenamiento prolongado", [
        "Si el vehículo estará parado más de un mes: llene el tanque, infle las llantas a la presión de la "
        "etiqueta, no deje puesto el freno de estacionamiento por semanas y desconecte el borne negativo de la "
        "batería de 12 V (en híbridos, mejor enciéndalo hasta READY cada mes).",
        "Al volver a usarlo revise presión de llantas, frenos y niveles, y maneje suavemente los primeros kilómetros.",
    ]),
    ("Cuidado general", "Lavado y cuidado de la pintura", [
        "Lave el vehículo a la sombra con champú automotriz. Retire de inmediato excremento de aves, savia y "
        "chapopote: dañan la pintura en pocos días.",
        "Evite las máquinas de lavado con cepillos duros y no dirija la hidrolavadora de cerca a sensores, "
        "cámaras, empaques ni conectores.",
    ]),
    ("Cuidado general", "Olor a gasolina o a quemado", [
        "Si percibe olor a gasolina dentro o alrededor del vehículo, no lo encienda, no fume y revise si hay "
        "goteo bajo el tanque o el motor. Solicite asistencia.",
        "Olor a quemado después de frenar mucho en bajada es normal por el calentamiento de balatas; si aparece "
        "sin motivo, con humo o junto con un testigo, detenga el vehículo y revise.",
    ]),
]


def render(m: dict) -> str:
    sections = shared_sections(m) + specific_sections(m)
    chapters: dict[str, list[tuple[str, list[str]]]] = {}
    for chapter, title, paragraphs in sections:
        chapters.setdefault(chapter, []).append((title, paragraphs))
    hybrid = " híbrida" if m["key"] == "rav4-hibrida" else ""
    lines = [
        "---",
        f"title: Toyota {m['name']}{hybrid} {m['years']}: manual técnico y del propietario (texto de ejemplo)",
        f"model: {m['name']}",
        f"years: {m['years']}",
        "kind: propietario",
        "license: CC BY 4.0 (escrito para este repositorio; no es un manual oficial de Toyota)",
        "---",
        "",
        f"# Toyota {m['name']}{hybrid} {m['years']}",
        "",
        f"{m['name']} ({m['body']}), {m['engines']}. Garantía: {m['warranty']}.",
        "",
    ]
    page = 8
    for number, (chapter, items) in enumerate(chapters.items(), start=1):
        lines += [f"## {number}. {chapter}", ""]
        for title, paragraphs in items:
            lines += [f"<!-- page: {page} -->", f"### {title}", ""]
            for paragraph in paragraphs:
                lines += [paragraph, ""]
            page += 1 + sum(len(p) for p in paragraphs) // 900
    return "\n".join(lines)


def render_guide() -> str:
    lines = ["---", "title: Guía de garantía y atención postventa Toyota (texto de ejemplo)", "kind: guia",
             "license: CC BY 4.0 (escrito para este repositorio)", "---", "",
             "# Guía de garantía y atención postventa", ""]
    chapters: dict[str, list] = {}
    for chapter, title, paragraphs in WARRANTY_GUIDE:
        chapters.setdefault(chapter, []).append((title, paragraphs))
    page = 3
    for chapter, items in chapters.items():
        lines += [f"## {chapter}", ""]
        for title, paragraphs in items:
            lines += [f"<!-- page: {page} -->", f"### {title}", ""] + [x for p in paragraphs for x in (p, "")]
            page += 1
    return "\n".join(lines)


def main() -> None:
    for m in MODELS:
        first_year = m["years"].split("-")[0]
        (OUT / f"{m['key']}-{first_year}.md").write_text(render(m), encoding="utf-8")
    (OUT / "guia-garantia-postventa.md").write_text(render_guide(), encoding="utf-8")


if __name__ == "__main__":
    main()
