# ruff: noqa: E501 - prose and question data read better unwrapped
"""Writes data/eval/questions.jsonl: Spanish questions the way Mexican customers and technicians
write them (colloquial, misspelled, slang), each with its relevant passage ids in data/manuals.

Each line below is "<models>|<section ids>|<question>". <models>: h t c r y p (Hilux, Tacoma, Corolla,
RAV4 híbrida, Yaris, Prius), g (garantía guide) or * (every manual that has the section: the question
names no model). Split: every third question (by position) is "dev" (for tuning fusion weights), the
rest "test". Run: .venv/bin/python data/eval/build_questions.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bridge.rag.chunking import split_passages  # noqa: E402
from bridge.rag.readers import discover, read_document  # noqa: E402

DOCS = {"h": "hilux-2021", "t": "tacoma-2024", "c": "corolla-2020", "r": "rav4-hibrida-2019", "y": "yaris-2019",
        "p": "prius-2023", "g": "guia-garantia-postventa"}

QUESTIONS = """
h|presion-de-inflado-de-llantas|a cuantas libras le pongo las yantas a mi hilux
t|presion-de-inflado-de-llantas|cuanto aire llevan las llantas de la tacoma 2024
c|presion-de-inflado-de-llantas|presion de los neumaticos del corolla?
r|presion-de-inflado-de-llantas|q presion lleban las llantas de la rav4 hibrida
y|presion-de-inflado-de-llantas|cuantas libras de aire para un yaris 2020
p|presion-de-inflado-de-llantas|cuánto le inflo a las ruedas del prius nuevo
h|presion-de-inflado-de-llantas|voy a cargar la caja de la hilux hasta arriba, le subo aire a las llantas de atras?
*|sistema-de-monitoreo-de-presion-de-llantas-tpms|me salio un foquito amarillo como herradura con signo de admiracion
c|sistema-de-monitoreo-de-presion-de-llantas-tpms|el testigo de la llanta parpadea y se queda prendido en mi corolla, ya les puse aire
r|sistema-de-monitoreo-de-presion-de-llantas-tpms|cambié rines a la rav4 y ahora marca falla del sensor de presión
h|rotacion-de-llantas|cada cuanto se rotan las llantas de la hilux
y|rotacion-de-llantas|como se hace la rotacion de llantas en el yaris
t|rotacion-de-llantas|a cuanto torque aprieto los birlos de la tacoma
c|rotacion-de-llantas|torque de las tuercas de rueda corolla
*|cambio-de-llanta-ponchada|se me poncho una llanta en carretera que hago
h|cambio-de-llanta-ponchada|donde esta el gato de la hilux para cambiar la llanta
p|llanta-de-refaccion|el prius no trae llanta de refaccion?? se me ponchó
p|cambio-de-llanta-ponchada|traigo una ponchadura en el prius y no encuentro la llanta de repuesto
c|llanta-de-refaccion|a que velocidad puedo ir con la llanta de refaccion chiquita del corolla
r|llanta-de-refaccion|cuanto aire lleva la refaccion temporal de la rav4
h|llanta-de-refaccion|como bajo la llanta de refaccion de abajo de la caja de la hilux
*|alineacion-y-balanceo|mi carro se va de lado y el volante esta chueco
y|alineacion-y-balanceo|vibra el volante del yaris a 100 km/h, es balanceo?
*|vida-util-y-desgaste-de-llantas|cada cuanto hay que cambiar las llantas, como se si ya estan lisas
*|vida-util-y-desgaste-de-llantas|como leo la fecha de fabricacion de la llanta dot
t|vida-util-y-desgaste-de-llantas|a las llantas de mi tacoma les salio un chipote en el costado
h|programa-de-mantenimiento-periodico|cada cuando le toca servicio a la hilux
r|programa-de-mantenimiento-periodico|cada cuanto es el mantenimiento de la rav4 hibrida, cada 10 mil?
p|programa-de-mantenimiento-periodico|cada cuantos meses hay que llevar el prius al servicio
y|programa-de-mantenimiento-periodico|intervalo de servicio yaris 2021
c|servicios-de-10-000-y-20-000-km|que le hacen al corolla en el servicio de los 10 mil
t|servicios-de-10-000-y-20-000-km|que incluye el servicio de 20,000 km de la tacoma
r|servicios-de-10-000-y-20-000-km|en el servicio de 10000 de la rav4 revisan el sistema hibrido?
h|servicios-de-40-000-60-000-y-100-000-km|que se cambia en el servicio de 40 mil km de la hilux 4x4
y|servicios-de-40-000-60-000-y-100-000-km|que le toca al yaris a los 60 mil kilometros
p|servicios-de-40-000-60-000-y-100-000-km|servicio de 100,000 km prius que incluye
h|aceite-de-motor-especificacion-y-capacidad|que aceite lleva la hilux diesel 2.8
h|aceite-de-motor-especificacion-y-capacidad|cuantos litros de aseite le caben a la hilux 2.7 gasolina
t|aceite-de-motor-especificacion-y-capacidad|tipo de aceite tacoma 2.4 turbo
c|aceite-de-motor-especificacion-y-capacidad|el corolla usa 0w16 o le puedo poner 0w20?
r|aceite-de-motor-especificacion-y-capacidad|capacidad de aceite de la rav4 hibrida con filtro
y|aceite-de-motor-especificacion-y-capacidad|que viscosidad de aceite usa el yaris 1.5
p|aceite-de-motor-especificacion-y-capacidad|cuanto aceite lleva el prius 2023
*|revision-del-nivel-de-aceite|como checo el nivel del aceite con la bayoneta
c|revision-del-nivel-de-aceite|mi corolla se esta comiendo el aceite, es normal?
*|revision-del-nivel-de-aceite|sale humo azul por el escape y le falta aceite
*|condiciones-de-uso-severo|que es uso severo? manejo puro trafico y recorridos cortos
h|condiciones-de-uso-severo|uso la hilux en el rancho en pura terraceria, cada cuando cambio aceite
t|condiciones-de-uso-severo|jalo remolque seguido con la tacoma, tengo que hacer el servicio antes?
h|filtro-de-aire-del-motor|cada cuanto se cambia el filtro de aire de la hilux
r|filtro-de-aire-del-motor|filtro de aire del motor rav4 hibrida cada cuantos km
y|filtro-de-aire-del-motor|se puede sopletear el filtro de aire del yaris
*|filtro-de-aire-de-cabina|huele feo cuando prendo el clima, sera el filtro?
c|filtro-de-aire-de-cabina|donde esta el filtro de polen del corolla
p|filtro-de-aire-de-cabina|cada cuanto cambio el filtro de cabina del prius
*|bujias|cada cuanto se cambian las bujias
h|bujias|la hilux diesel lleva bujias?
y|bujias|mi yaris jalonea y tiembla en marcha minima, son las vujias?
*|refrigerante-del-motor|que anticongelante le pongo, el rosa o el verde?
t|refrigerante-del-motor|le puedo echar agua al deposito del radiador de la tacoma
c|refrigerante-del-motor|cada cuanto se cambia el refrigerante del corolla
*|refrigerante-del-motor|veo manchas rosas debajo del carro
*|liquido-de-frenos|cada cuanto cambio el liquido de frenos
h|liquido-de-frenos|que tipo de liquido de frenos usa la hilux dot 3 o dot 4
r|liquido-de-frenos|el nivel del liquido de frenos de la rav4 esta abajo del minimo
y|liquido-de-la-transmision|que aceite lleva la caja manual del yaris
c|liquido-de-la-transmision|tipo de fluido de la transmision cvt del corolla
h|liquido-de-la-transmision|que aceite llevan los diferenciales y la transferencia de la hilux
r|liquido-de-la-transmision|la rav4 hibrida lleva aceite de transmision? cada cuando se cambia
*|plumas-limpiaparabrisas-y-lavaparabrisas|las plumas rechinan y dejan rayas en el parabrisas
*|plumas-limpiaparabrisas-y-lavaparabrisas|le puedo poner jabon de trastes al agua del limpiaparabrisas
h|bateria-de-12-v|donde esta la bateria de la hilux
p|bateria-de-12-v|donde esta el acumulador del prius
r|bateria-de-12-v|la rav4 va a estar parada 3 semanas, se descarga la bateria?
*|bateria-de-12-v|la marcha gira lento y parpadea el tablero al arrancar
c|arranque-con-cables-pasar-corriente|como le paso corriente al corolla con cables
p|arranque-con-cables-pasar-corriente|como se le pasa corriente a un prius
r|arranque-con-cables-pasar-corriente|puedo pasarle corriente a otro carro con mi rav4 hibrida?
t|fusibles|donde esta la caja de fusibles de la tacoma
*|fusibles|puse un fusible nuevo y se volvio a fundir
*|cambio-de-focos|se fundio un faro led, lo puedo cambiar yo?
y|cambio-de-focos|la direccional del yaris parpadea bien rapido
h|balatas-pastillas-de-freno-desgaste|cada cuanto se cambian las balatas de la hilux
p|balatas-pastillas-de-freno-desgaste|cuanto duran las pastillas de freno en el prius hibrido
*|balatas-pastillas-de-freno-desgaste;ruidos-al-frenar|me rechinan los frenos bien feo cuando freno
c|ruidos-al-frenar;balatas-pastillas-de-freno-desgaste|chilla el corolla al frenar, un chillido agudo
*|ruidos-al-frenar|en la mañana rechinan los frenos y luego se quita
t|ruidos-al-frenar|se oye metal con metal al frenar la tacoma
*|vibracion-al-frenar|tiembla el volante cuando freno en bajada
h|vibracion-al-frenar|vibra el pedal del freno de la hilux, hay que rectificar discos?
r|freno-de-estacionamiento|como quito el freno de mano electrico de la rav4
y|freno-de-estacionamiento|como se suelta el freno de mano del yaris
c|freno-de-estacionamiento|el freno de estacionamiento del corolla se pone solo al meter P
*|abs-y-asistencia-de-frenado|se prendio el testigo abs que hago
*|abs-y-asistencia-de-frenado|al frenar fuerte el pedal vibra y hace ruido, es normal?
*|pedal-de-freno-bajo-o-esponjoso|el pedal del freno se va hasta abajo y se siente aguado
t|pedal-de-freno-bajo-o-esponjoso|tengo que bombear el freno de la tacoma para que frene
*|testigo-de-revision-del-motor-check-engine|se me prendio el check engine, puedo seguir manejando?
c|testigo-de-revision-del-motor-check-engine|el foco del motor del corolla parpadea y el carro tiembla
y|testigo-de-revision-del-motor-check-engine|se prendio la luz de motor del yaris despues de cargar gasolina
r|testigo-de-revision-del-motor-check-engine|testigo amarillo de motor encendido rav4 hibrida
*|testigo-de-presion-de-aceite|se prendio un foco rojo como una aceitera
h|testigo-de-presion-de-aceite|luz roja de aceite en la hilux mientras manejaba, que hago
*|testigo-del-sistema-de-carga|se prendio el foco de la bateria mientras manejaba
h|testigo-del-sistema-de-carga|testigo de carga prendido en la hilux, sera el alternador?
p|testigo-del-sistema-de-carga|luz roja de bateria en el tablero del prius
*|sobrecalentamiento-del-motor|se calento el motor y sale vapor del cofre
t|sobrecalentamiento-del-motor|la aguja de temperatura de la tacoma se fue a lo rojo
c|sobrecalentamiento-del-motor|mi corolla se sobrecalienta en el trafico
*|testigo-del-sistema-de-frenos|se prendio el foco rojo de brake y ya quite el freno de mano
y|testigo-del-sistema-de-frenos|luz brake encendida en el yaris
*|testigo-de-bolsas-de-aire-srs|el foco de la bolsa de aire se quedo prendido
r|testigo-de-bolsas-de-aire-srs|se prende el testigo srs de la rav4 despues de ponerle fundas a los asientos
*|testigo-de-la-direccion-asistida-eps|el volante se puso duro y salio un foquito del volante
c|testigo-de-la-direccion-asistida-eps|la direccion del corolla se endurecio, testigo eps
h|combustible-recomendado|que diesel le pongo a la hilux, cualquier diesel sirve?
t|combustible-recomendado|la tacoma lleva premium o magna?
y|combustible-recomendado|de cuantos litros es el tanque del yaris
r|combustible-recomendado|capacidad del tanque de gasolina de la rav4 hibrida
*|combustible-recomendado|le eche diesel a mi carro de gasolina por error
*|periodo-de-asentamiento-rodaje|el carro es nuevo, hay que asentar el motor? cuantos km
t|periodo-de-asentamiento-rodaje|puedo jalar un remolque con la tacoma recien comprada
*|manejo-en-agua-e-inundaciones|se me metio agua al motor cruzando una calle inundada
r|manejo-en-agua-e-inundaciones|la rav4 hibrida se puede meter a un charco grande? se daña la bateria
h|manejo-en-agua-e-inundaciones|cuanta agua aguanta la hilux 4x4 para cruzar un rio
p|remolque-de-emergencia-grua|puedo remolcar el prius con una cuerda o tiene que ser grua de plataforma
h|remolque-de-emergencia-grua|como debe llevarse la hilux 4x4 en grua
c|remolque-de-emergencia-grua|se puede jalar el corolla con las llantas de atras en el piso
h|arrastre-de-remolques-y-capacidad-de-carga|cuanto peso puede jalar la hilux diesel
t|arrastre-de-remolques-y-capacidad-de-carga|capacidad de arrastre tacoma 2024
c|arrastre-de-remolques-y-capacidad-de-carga|le puedo poner enganche al corolla para jalar un remolque?
r|arrastre-de-remolques-y-capacidad-de-carga|cuantos kilos de remolque jala la rav4 hibrida
*|toyota-safety-sense|me sale que el sistema de seguridad no esta disponible cuando llueve
t|toyota-safety-sense|la tacoma trae control crucero adaptativo?
p|toyota-safety-sense|el prius freno solo, que es el pcs?
*|llave-inteligente-y-pila-baja|que pila lleva la llave inteligente
*|llave-inteligente-y-pila-baja|se le acabo la pila al control de la llave y no prende el carro
c|llave-inteligente-y-pila-baja|como abro el corolla si la llave no tiene bateria
*|aire-acondicionado-clima-que-no-enfria|el aire acondicionado no enfria, echa aire caliente
y|aire-acondicionado-clima-que-no-enfria|el clima del yaris enfria bien poquito
*|ruidos-de-suspension|truena algo abajo cuando paso los topes
h|ruidos-de-suspension|la hilux rebota mucho, seran los amortiguadores
r|indicador-ready-y-arranque-del-sistema-hibrido|la rav4 no hace ruido al prenderla, ya esta encendida?
p|indicador-ready-y-arranque-del-sistema-hibrido|no me aparece ready en el prius y no avanza
*|indicador-ready-y-arranque-del-sistema-hibrido|como se prende un carro hibrido
r|testigo-de-revision-del-sistema-hibrido|me salio revise el sistema hibrido en la rav4
p|testigo-de-revision-del-sistema-hibrido|mensaje de falla del sistema hibrido prius que hago
*|bateria-hibrida-cuidados-y-garantia|cuanto dura la bateria del hibrido y cuanto cuesta cambiarla
p|bateria-hibrida-cuidados-y-garantia;garantia-de-componentes-hibridos|cuantos años de garantia tiene la bateria hibrida del prius
r|bateria-hibrida-cuidados-y-garantia|voy a dejar la rav4 hibrida guardada dos meses que hago con la bateria
*|ventilacion-de-la-bateria-hibrida|me salio mensaje de mantenimiento de la ventila de la bateria hibrida
p|ventilacion-de-la-bateria-hibrida|donde esta la toma de aire de la bateria del prius, hay que limpiarla?
r|modo-ev-y-modos-de-manejo|como funciona el modo ev en la rav4
p|modo-ev-y-modos-de-manejo|que diferencia hay entre modo eco y sport en el prius
*|frenado-regenerativo|el freno se siente raro en el hibrido, es normal?
r|frenado-regenerativo|para que es la posicion b de la palanca en la rav4 hibrida
*|sonido-de-advertencia-para-peatones|mi hibrido hace un zumbido raro cuando voy despacio
p|sonido-de-advertencia-para-peatones|se puede quitar el sonido que hace el prius en reversa y a baja velocidad
r|refrigerante-del-inversor|el deposito del refrigerante del inversor de la rav4 esta bajo
p|el-vehiculo-no-enciende-bateria-de-12-v-descargada|el prius no prende nada, ni abren las puertas con la llave
r|traccion-integral-awd-i|la rav4 hibrida es 4x4 de verdad? como funciona el awd
r|traccion-integral-awd-i|para que es el modo trail de la rav4
h|uso-de-4x4-y-reductora|como meto la doble traccion en la hilux
t|uso-de-4x4-y-reductora|cuando uso 4l y cuando 4h en la tacoma
h|uso-de-4x4-y-reductora|puedo meter el 4x4 en movimiento en la hilux
*|bloqueo-del-diferencial-trasero|para que sirve el bloqueo de diferencial trasero
t|bloqueo-del-diferencial-trasero|no se activa el bloqueo de diferencial de la tacoma
h|capacidad-de-carga-en-la-caja;arrastre-de-remolques-y-capacidad-de-carga|cuantos kilos le puedo cargar en la caja a la hilux
t|crawl-control-y-seleccion-de-terreno|que es el crawl control de la tacoma
t|crawl-control-y-seleccion-de-terreno|como uso el multi terrain select en lodo
h|filtro-de-particulas-diesel-dpf|se prendio el testigo del dpf en mi hilux diesel
h|filtro-de-particulas-diesel-dpf|como hago la regeneracion del filtro de particulas de la hilux
h|agua-en-el-filtro-de-combustible|me salio el foco de agua en el combustible en la hilux
h|agua-en-el-filtro-de-combustible|cada cuanto se cambia el filtro de diesel de la hilux
c|cuidados-de-la-transmision-cvt|la transmision cvt del corolla zumba al acelerar, es normal
y|cuidados-de-la-transmision-cvt|el yaris cvt se jalonea y marca transmision caliente
y|uso-del-clutch-en-la-transmision-manual|el clutch del yaris patina y huele a quemado
y|uso-del-clutch-en-la-transmision-manual|esta mal detenerse en subida con el clutch?
g|garantia-basica-del-vehiculo-nuevo|cuanto dura la garantia de un carro nuevo toyota
g|garantia-basica-del-vehiculo-nuevo|compre el carro de segunda mano, todavia tiene garantia?
g|garantia-de-componentes-hibridos|la garantia del sistema hibrido es de cuantos años o km
g|que-no-cubre-la-garantia|las balatas entran en la garantia?
g|que-no-cubre-la-garantia|se me inundo el carro lo cubre la garantia
g|mantenimiento-y-validez-de-la-garantia|si hago el servicio en un taller particular pierdo la garantia?
g|mantenimiento-y-validez-de-la-garantia|me pase 2 mil km del servicio, se pierde la garantia?
g|como-solicitar-una-reparacion-en-garantia|como pido que me cubran una falla por garantia
g|evidencias-foto-del-odometro-y-del-tablero|como tomo la foto del kilometraje para la garantia
g|evidencias-video-de-ruidos-y-fallas|como grabo el video del ruido para mandarlo por whatsapp
g|revision-por-campanas-de-servicio-llamados-a-revision|mi carro tiene algun llamado a revision?
g|cotizacion-de-refacciones-y-mano-de-obra|cuanto tiempo es valida la cotizacion de refacciones
g|refacciones-originales-y-equivalentes|puedo usar refacciones genericas en vez de originales
g|asistencia-vial|a que numero hablo para la grua, tengo asistencia vial?
g|almacenamiento-prolongado|voy a dejar el carro guardado 3 meses que le hago
g|lavado-y-cuidado-de-la-pintura|como quito la caca de pajaro de la pintura
g|olor-a-gasolina-o-a-quemado|huele a gasolina adentro de la troca
g|olor-a-gasolina-o-a-quemado|huele a quemado despues de bajar la sierra frenando
c|presion-de-inflado-de-llantas|cuantas psi en llantas 205/55r16
t|aceite-de-motor-especificacion-y-capacidad|cuantos litros de aceite con filtro lleva la tacoma
p|combustible-recomendado|capacidad de tanque prius y que gasolina
y|bateria-de-12-v|donde va la bateria en el yaris
c|toyota-safety-sense|el corolla trae mantenimiento de carril lta?
h|freno-de-estacionamiento|el freno de mano de la hilux no suelta
t|llanta-de-refaccion|la refaccion de la tacoma es de tamaño completo?
r|cambio-de-llanta-ponchada|como cambio una llanta ponchada en la rav4
y|refrigerante-del-motor|que refrigerante usa el yaris
p|liquido-de-la-transmision|la transmision del prius lleva aceite?
t|bujias|cada cuanto cambio bujias en la tacoma turbo
r|filtro-de-aire-de-cabina|el clima de la rav4 tira poco aire
*|testigo-de-revision-del-motor-check-engine|deje mal cerrado el tapon de la gasolina y se prendio una luz
"""


def main() -> None:
    valid: set[str] = set()
    for file, root in discover([str(ROOT / "data" / "manuals")]):
        valid.update(p.passage_id for p in split_passages(read_document(file, root)))
    out = []
    for number, line in enumerate(x for x in QUESTIONS.strip().splitlines() if x.strip()):
        models, sections, question = line.split("|", 2)
        docs = sorted(DOCS.values()) if models == "*" else [DOCS[k] for k in models]
        relevant = sorted(f"{d}#{s}" for d in docs for s in sections.split(";") if f"{d}#{s}" in valid)
        if not relevant:
            raise SystemExit(f"no relevant passage exists for: {line}")
        if models != "*":
            missing = [f"{d}#{s}" for d in docs for s in sections.split(";") if f"{d}#{s}" not in valid]
            if missing and ";" not in sections:
                raise SystemExit(f"unknown passage ids {missing} for: {line}")
        out.append({"id": f"q{number + 1:03d}", "question": question.strip(), "relevant": relevant,
                    "split": "dev" if number % 3 == 0 else "test"})
    path = ROOT / "data" / "eval" / "questions.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in out), encoding="utf-8")
    print(f"{len(out)} questions -> {path}")


if __name__ == "__main__":
    main()
