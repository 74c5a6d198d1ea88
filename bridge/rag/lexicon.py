"""Spanish word lists for the analyzer: stopwords, Mexican/Latin-American synonyms, common misspellings.

All entries are written accent-folded and lowercase (the analyzer folds before it looks them up).
Synonym groups are matched on *stems*, so plurals and verb forms come along for free; the first
word of each group is the canonical form both documents and queries are rewritten to.
"""

from __future__ import annotations

# Snowball's Spanish stopword list (folded), plus chat filler seen in WhatsApp messages.
STOPWORDS = frozenset(
    """
    a al algo algunas algunos ante antes como con contra cual cuales cuando de del desde donde durante e el
    ella ellas ellos en entre era erais eramos eran eras eres es esa esas ese eso esos esta estaba estabais
    estabamos estaban estabas estad estada estadas estado estados estais estamos estan estando estar estara
    estaran estaras estare estareis estaremos estaria estariais estariamos estarian estarias estas este esteis
    estemos esten estes esto estos estoy estuve estuvimos estuvo fue fuera fueron fui fuimos ha habeis habia
    habian habias han has hasta hay haya he hemos la las le les lo los me mi mia mias mio mios mis mucho
    muchos muy nada ni no nos nosotras nosotros nuestra nuestras nuestro nuestros o os otra otras otro otros
    para pero poco por porque que quien quienes se sea sean ser sera seran si sido siendo sin sobre sois somos
    son soy su sus suya suyas suyo suyos tambien tanto te tenia tenemos tener tengo ti tiene tienen toda todas
    todo todos tu tus un una uno unos usted ustedes vosotros y ya yo oye oiga hola buenas buenos dias tardes
    noches porfa porfavor favor gracias pues osea wey guey bro q k xq pq pa pos ps ahi alla aqui oigan
    disculpe saludos tipo neta sea
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Multi-word expressions rewritten before tokenizing (folded text, whole-word matches).
PHRASES: dict[str, str] = {
    "check engine": "testigo motor",
    "luz de motor": "testigo motor",
    "foco del motor": "testigo motor",
    "se prendio un foco": "testigo encendido",
    "se prendio una luz": "testigo encendido",
    "me salio un foco": "testigo encendido",
    "me salio una luz": "testigo encendido",
    "se encendio una luz": "testigo encendido",
    "caja de cambios": "transmision",
    "caja automatica": "transmision automatica",
    "cada cuanto": "intervalo",
    "cada cuando": "intervalo",
    "pasar corriente": "arranque cables puente",
    "pasarle corriente": "arranque cables puente",
    "dar corriente": "arranque cables puente",
    "se ponchó": "ponchadura",
    "se poncho": "ponchadura",
    "se calienta": "sobrecalentamiento",
    "se calento": "sobrecalentamiento",
    "se sobrecalienta": "sobrecalentamiento",
    "no prende": "no arranca",
    "no enciende": "no arranca",
    "aire acondicionado": "clima",
    "a/c": "clima",
    "doble traccion": "4x4",
    "cuatro por cuatro": "4x4",
    "freno de mano": "freno estacionamiento",
}

# Synonym groups (first word = canonical). Matched on Snowball stems.
SYNONYM_GROUPS: list[list[str]] = [
    ["llanta", "neumatico", "yanta", "rueda", "cubierta"],
    ["vehiculo", "carro", "coche", "auto", "automovil", "camioneta", "troca", "nave", "unidad"],
    ["pastilla", "balata", "zapata"],
    ["testigo", "foquito", "lucecita", "indicador"],
    ["bateria", "acumulador", "pila"],
    ["aceite", "lubricante"],
    ["refrigerante", "anticongelante", "coolant"],
    ["mantenimiento", "servicio", "afinacion"],
    ["ponchadura", "ponchada", "pinchazo", "pinchadura", "reventada"],
    ["rechinido", "rechina", "chillido", "chilla", "rechinar", "chirrido"],
    ["clima", "acondicionado"],
    ["cajuela", "maletero", "baul", "cajuelita"],
    ["cofre", "capo", "capot"],
    ["parabrisas", "medallon"],
    ["limpiaparabrisas", "pluma", "escobilla", "limpiador"],
    ["gasolina", "nafta", "combustible"],
    ["kilometro", "km", "kilometraje"],
    ["remolque", "arrastre", "jalar"],
    ["grua", "remolcar", "remolcado"],
    ["marcha", "velocidad", "velocidades"],
    ["transmision", "transmisiones"],
    ["tablero", "cuadro", "tacometro"],
    ["llave", "llavero"],
    ["golpeteo", "cascabeleo", "tronido", "truena"],
]

# Frequent misspellings and chat spellings (folded word -> folded word), applied before stemming.
MISSPELLINGS: dict[str, str] = {
    "aseite": "aceite",
    "aceyte": "aceite",
    "aseyte": "aceite",
    "ibrido": "hibrido",
    "ibrida": "hibrida",
    "hibirdo": "hibrido",
    "vateria": "bateria",
    "yantas": "llantas",
    "llata": "llanta",
    "llatas": "llantas",
    "presio": "presion",
    "precion": "presion",
    "frenoz": "frenos",
    "anticongelnte": "anticongelante",
    "refrijerante": "refrigerante",
    "gasolna": "gasolina",
    "kms": "km",
    "kilomentros": "kilometros",
    "mantenimieto": "mantenimiento",
    "mantenimento": "mantenimiento",
    "serbicio": "servicio",
    "cervicio": "servicio",
    "trasmision": "transmision",
    "tranmision": "transmision",
    "direcion": "direccion",
    "susencion": "suspension",
    "suspencion": "suspension",
    "amortiguadore": "amortiguadores",
    "prende": "enciende",
    "prendio": "encendio",
    "vujias": "bujias",
    "bugias": "bujias",
    "balanseo": "balanceo",
    "alineasion": "alineacion",
    "calentamiento": "sobrecalentamiento",
    "licuido": "liquido",
}
