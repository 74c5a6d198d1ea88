# ruff: noqa: E501 - prose and question data read better unwrapped
"""Writes data/eval/holdout.jsonl: a second question set, held out from every tuning step.

Written on 2026-12-02 for issue 18 BEFORE the identifier boost and the query-adaptive weight were
designed or tuned, and never looked at while tuning them (tuning used only the ``dev`` split of
questions.jsonl). It leans on what the first set has little of: exact identifiers (engine codes,
tire sizes, oil grades, fluid names, battery and lamp codes), model-specific facts and paraphrases
that share no content word with the manual. Same line format as build_questions.py:
"<models>|<section ids>|<question>". Run: .venv/bin/python data/eval/build_holdout.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "data" / "eval"))

from build_questions import DOCS  # noqa: E402

from bridge.rag.chunking import split_passages  # noqa: E402
from bridge.rag.readers import discover, read_document  # noqa: E402

QUESTIONS = """
h|toyota-hilux-2021-2025|la hilux trae motor 1GD-FTV o 2TR-FE?
h|toyota-hilux-2021-2025|cuantos caballos tiene el 1GD-FTV
p|toyota-prius-2023-2026|M20A-FXS de que auto es
c|toyota-corolla-2020-2025|motor M20A-FKS cuantos hp
r|toyota-rav4-hibrida-2019-2025|A25A-FXS potencia combinada
t|toyota-tacoma-2024-2026|T24A-FTS es turbo?
y|presion-de-inflado-de-llantas|presion para llantas 185/60R15
t|presion-de-inflado-de-llantas|265/70R17 cuantas libras
p|presion-de-inflado-de-llantas|195/50R19 presion delantera y trasera
r|presion-de-inflado-de-llantas|llantas 225/60R18 psi
h|presion-de-inflado-de-llantas|265/60R18 cuanto aire
c|presion-de-inflado-de-llantas|225/45R17 presion en frio
h|aceite-de-motor-especificacion-y-capacidad|aceite CK-4 para la hilux diesel
t|aceite-de-motor-especificacion-y-capacidad|la tacoma lleva 0W-20 GF-6A?
p|aceite-de-motor-especificacion-y-capacidad|0W-16 en el prius
h|liquido-de-la-transmision|75W-90 GL-4 para que es en la hilux
c|liquido-de-la-transmision|CVT Fluid FE cada cuanto se cambia en el corolla
t|liquido-de-la-transmision|ATF WS tacoma 8 velocidades
y|liquido-de-la-transmision|aceite del clutch manual 6 vel yaris 75W
*|liquido-de-frenos|DOT 3 o DOT 4 para los frenos
*|liquido-de-frenos|J1703 que es
t|llave-inteligente-y-pila-baja|pila CR2032 de la llave de la tacoma
p|testigo-del-sistema-de-carga|falla convertidor DC-DC prius
r|traccion-integral-awd-i|que es el AWD-i de la rav4
h|filtro-de-particulas-diesel-dpf|DPF tapado hilux que hago
c|toyota-safety-sense|el corolla tiene LTA
h|bateria-de-12-v|la bateria de la hilux se descarga si la dejo parada dos semanas
t|crawl-control-y-seleccion-de-terreno|como uso el crawl control de la tacoma en rocas
p|sonido-de-advertencia-para-peatones|el prius hace un zumbido raro cuando voy despacio, se puede quitar?
p|ventilacion-de-la-bateria-hibrida|puse una bolsa junto al asiento de atras del prius y me salio un aviso
r|modo-ev-y-modos-de-manejo|como manejo la rav4 solo con electricidad
y|uso-del-clutch-en-la-transmision-manual|el yaris estandar me huele a quemado en subidas
h|uso-de-4x4-y-reductora|cuando meto la baja en la hilux
t|bloqueo-del-diferencial-trasero|se quedo atascada la tacoma con una llanta al aire
r|refrigerante-del-inversor|el deposito chiquito de anticongelante de la rav4 para que es
p|indicador-ready-y-arranque-del-sistema-hibrido|prendo el prius y no suena el motor, esta descompuesto?
c|cuidados-de-la-transmision-cvt|el corolla se siente como si patinara al acelerar
h|capacidad-de-carga-en-la-caja|cuantos kilos aguanta atras la hilux
t|arrastre-de-remolques-y-capacidad-de-carga|cuanto peso puede jalar la tacoma con un trailer
y|fusibles|donde estan los fusibles del yaris
c|cambio-de-focos|se fundio una luz de atras del corolla
p|frenado-regenerativo|por que los frenos del prius se sienten distintos al soltar el acelerador
h|agua-en-el-filtro-de-combustible|me prendio un foco de una gota de agua en la hilux diesel
*|manejo-en-agua-e-inundaciones|cruce una calle inundada y ahora el motor hace ruido raro
*|sobrecalentamiento-del-motor|la aguja de temperatura se fue hasta arriba y sale vapor del cofre
*|pedal-de-freno-bajo-o-esponjoso|el pedal se va hasta el fondo cuando freno
*|testigo-de-presion-de-aceite|me salio una lamparita roja como de regadera
*|aire-acondicionado-clima-que-no-enfria|el clima solo echa aire caliente
*|arranque-con-cables-pasar-corriente|como conecto las pinzas para que me pasen corriente
*|remolque-de-emergencia-grua|me lo pueden llevar con grua de arrastre o tiene que ser plataforma
*|periodo-de-asentamiento-rodaje|acabo de sacar el carro de agencia, lo puedo manejar rapido en carretera
*|plumas-limpiaparabrisas-y-lavaparabrisas|los limpiadores dejan rayas en el vidrio
*|ruidos-de-suspension|truena algo abajo cuando paso los topes
*|vibracion-al-frenar|tiembla el volante cuando freno bajando la sierra
g|evidencias-foto-del-odometro-y-del-tablero|que foto mando del kilometraje para la garantia
g|evidencias-video-de-ruidos-y-fallas|como grabo el ruido para mandarlo por whats
g|que-no-cubre-la-garantia|me cubren las balatas en la garantia?
g|garantia-de-componentes-hibridos|cuantos años de garantia tiene la bateria hibrida
g|revision-por-campanas-de-servicio-llamados-a-revision|como se si mi camioneta tiene un llamado a revision, les paso el VIN?
g|refacciones-originales-y-equivalentes|me dijeron que hay un numero de parte equivalente, es original?
g|cotizacion-de-refacciones-y-mano-de-obra|cuantos dias dura la cotizacion que me mandaron
g|como-solicitar-una-reparacion-en-garantia|que datos ocupo para pedir una reparacion por garantia
g|asistencia-vial|se me quedo tirado el coche a media carretera a quien le hablo
g|almacenamiento-prolongado|voy a dejar el carro guardado tres meses que le hago
g|olor-a-gasolina-o-a-quemado|huele a gasolina dentro de la cabina
y|combustible-recomendado|el yaris acepta gasolina verde o ocupa premium
t|combustible-recomendado|la tacoma turbo necesita premium?
r|servicios-de-40-000-60-000-y-100-000-km|que le cambian a la rav4 a los 60 mil
c|bujias|cada cuanto cambio las bujias del corolla
p|bateria-hibrida-cuidados-y-garantia|cuanto dura la bateria grande del prius
"""


def main() -> None:
    valid: set[str] = set()
    for file, root in discover([str(ROOT / "data" / "manuals")]):
        valid.update(p.passage_id for p in split_passages(read_document(file, root)))
    out = []
    for number, line in enumerate(x for x in QUESTIONS.strip().splitlines() if x.strip()):
        models, section, question = line.split("|", 2)
        docs = sorted(DOCS.values()) if models == "*" else [DOCS[k] for k in models]
        relevant = sorted(f"{d}#{section}" for d in docs if f"{d}#{section}" in valid)
        missing = [f"{d}#{section}" for d in docs if f"{d}#{section}" not in valid]
        if not relevant or (models != "*" and missing):
            raise SystemExit(f"unknown passage ids {missing} for: {line}")
        out.append({"id": f"h{number + 1:03d}", "question": question.strip(), "relevant": relevant,
                    "split": "holdout"})
    path = ROOT / "data" / "eval" / "holdout.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in out), encoding="utf-8")
    print(f"{len(out)} questions -> {path}")


if __name__ == "__main__":
    main()
