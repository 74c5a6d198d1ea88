"""Pure parsing of what customers type: VINs, plates, odometer readings, commands, fault keywords."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# ISO 3779 / 49 CFR 565 check digit.
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")

# Where position 9 is a real check digit we enforce it: North American WMIs (first character 1-5).
# Toyota-family WMIs built for other markets often carry a plant/sequence character there instead;
# for those the check digit only warns. 3MY/3MZ (Mexico-built Yaris/Mazda2) are North American by
# WMI yet were sold here with non-conforming position 9, so they are listed explicitly.
CHECK_DIGIT_WARN_ONLY_PREFIXES = ("JT", "MR0", "MR1", "MR2", "MHF", "8AJ", "9BR", "AHT", "SB1", "NMT", "3MY", "3MZ")


@dataclass(frozen=True)
class VinCheck:
    vin: str
    ok: bool
    problem: str = ""  # "length" | "chars" | "check_digit"
    check_digit_warning: bool = False


def vin_check_digit(vin: str) -> str:
    total = sum(_TRANSLIT[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def check_vin(raw: str) -> VinCheck:
    vin = re.sub(r"[\s-]", "", raw).upper()
    if len(vin) != 17:
        return VinCheck(vin, False, "length")
    if not _VIN_CHARS.match(vin):
        return VinCheck(vin, False, "chars")
    if vin[8] == vin_check_digit(vin):
        return VinCheck(vin, True)
    if vin.startswith(CHECK_DIGIT_WARN_ONLY_PREFIXES) or vin[0] not in "12345":
        return VinCheck(vin, True, check_digit_warning=True)
    return VinCheck(vin, False, "check_digit")


def find_vin_candidate(text: str) -> str | None:
    """A 15-19 character alphanumeric run that is probably a VIN attempt."""
    for token in re.findall(r"[A-Za-z0-9-]{15,21}", text):
        cleaned = token.replace("-", "")
        if 15 <= len(cleaned) <= 19 and re.search(r"\d", cleaned) and re.search(r"[A-Za-z]", cleaned):
            return cleaned
    return None


_PLATE = re.compile(r"^(?=.*[A-Z])(?=.*\d)[A-Z0-9]{5,8}$")


def parse_plate(text: str) -> str | None:
    """Mexican plates: 5-8 letters and digits (at least one of each), dashes/spaces allowed."""
    candidate = text.strip().upper()
    if len(candidate) > 12:
        return None
    compact = re.sub(r"[\s-]", "", candidate)
    if not _PLATE.match(compact):
        return None
    return re.sub(r"\s+", "-", candidate)


def plate_key(plate: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", plate.upper())


MAX_ODOMETER_KM = 1_500_000


def parse_odometer(text: str) -> int | None:
    t = unicodedata.normalize("NFKD", text.lower())
    t = re.sub(r"\b(kil[oó]metros?|kms?)\b", " ", t)
    m = re.search(r"(\d{1,3}(?:[ .,]\d{3})+|\d+(?:[.,]\d+)?)\s*(mil|k)?\b", t)
    if not m:
        return None
    number, unit = m.group(1), m.group(2)
    if re.fullmatch(r"\d{1,3}(?:[ .,]\d{3})+", number):
        value = float(re.sub(r"[ .,]", "", number))
    else:
        value = float(number.replace(",", "."))
    if unit:
        value *= 1000
    km = round(value)
    return km if 0 <= km <= MAX_ODOMETER_KM else None


def normalize(text: str) -> str:
    """Lowercase, no accents, no emoji or punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = re.sub(r"[^a-z0-9ñ¿?\s]", " ", plain)
    return re.sub(r"\s+", " ", plain).strip()


_CANCEL = {"cancelar", "cancela", "cancelo", "cancelalo", "salir"}
_MENU = {"menu", "opciones", "ayuda", "inicio"}
_HANDOFF_WORDS = ("asesor", "humano", "una persona", "agente", "ejecutivo")
_ACCEPT = {"acepto", "si acepto", "aceptar", "acepto la cotizacion", "aceptada", "la acepto"}
_YES = {"si", "sí", "correcto", "asi es", "exacto", "ok", "si es", "simon", "claro", "afirmativo"}
_NO = {"no", "no es", "incorrecto", "nel", "negativo", "tampoco"}
_QUESTION_STARTS = ("cada cuando", "cuando", "como", "que ", "cual", "cuanto", "donde", "puedo", "debo", "por que")


def command(text: str) -> str | None:
    t = normalize(text).replace("?", "").replace("¿", "").strip()
    if t in _CANCEL:
        return "cancel"
    if t in _MENU:
        return "menu"
    if any(w in t for w in _HANDOFF_WORDS) and len(t) <= 60:
        return "handoff"
    return None


def is_accept(text: str) -> bool:
    return normalize(text).strip("¿? ") in _ACCEPT


def yes_no(text: str) -> bool | None:
    t = normalize(text).strip("¿? ")
    if t in _YES or t.startswith("si "):
        return True
    if t in _NO or t.startswith("no "):
        return False
    return None


def is_question(text: str) -> bool:
    t = normalize(text)
    return "?" in t or t.startswith(_QUESTION_STARTS)


_STOPWORDS = {
    "que", "cuando", "como", "para", "pero", "porque", "esta", "esto", "este", "tiene", "hace", "muy",
    "desde", "hasta", "cada", "todo", "todos", "algo", "mucho", "poco", "veces", "siempre", "carro",
    "auto", "coche", "vehiculo", "camioneta", "mi", "mis", "hay", "los", "las", "una", "unos", "unas",
    "donde", "ahora", "tengo", "pasa", "parte", "lado", "sobre", "entre",
}


_GREETINGS = {
    "hola", "buenas", "buenos", "buen", "dias", "tardes", "noches", "saludos", "holi", "hello", "favor",
    "ayuda", "ayudar", "ayudan", "puede", "pueden", "quiero", "quisiera", "necesito", "garantia",
}


def symptom_in_greeting(text: str) -> bool:
    """True when a first message says more than hello ("hola, se me prendió el foquito del motor")."""
    return bool(stems(text) - {w[:4] for w in _GREETINGS})


def stems(text: str) -> set[str]:
    """Crude Spanish stemming: 4-letter prefixes of content words (rechinan/rechinido -> rech)."""
    return {w[:4] for w in re.findall(r"[a-zñ]+", normalize(text)) if len(w) >= 4 and w not in _STOPWORDS}


@dataclass(frozen=True)
class Fault:
    code: str
    name: str
    system: str = ""
    symptoms: str = ""
    required_evidence: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # the words customers use, curated in Odoo's catalog


def match_faults(text: str, faults: list[Fault], limit: int = 3) -> list[str]:
    """Fault codes ranked by word overlap with name and keywords (double weight), system and symptoms;
    empty when nothing overlaps."""
    words = stems(text)
    if not words:
        return []
    scored = []
    for fault in faults:
        name_hits = len(words & stems(f"{fault.name} {' '.join(fault.keywords)}"))
        other_hits = len(words & stems(f"{fault.system} {fault.symptoms}"))
        score = 2 * name_hits + other_hits
        if score:
            scored.append((score, fault.code))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [code for _, code in scored[:limit]]


_OPT_OUT = {"baja", "stop", "no mas mensajes", "darme de baja", "no me escriban", "unsubscribe"}
_OPT_IN = {"alta", "start", "reanudar", "darme de alta", "si quiero mensajes"}


def consent_command(text: str) -> bool | None:
    """``baja`` / ``stop`` / ``no más mensajes`` -> False, ``alta`` / ``start`` -> True, else None."""
    t = normalize(text).strip("¿?!¡. ")
    if t in _OPT_OUT:
        return False
    if t in _OPT_IN:
        return True
    return None


def followup_reply(text: str) -> str | None:
    """``agendar …`` (with a preferred day/time) -> "schedule"; ``ya lo hice`` -> "already_done"."""
    t = normalize(text).strip("¿?!¡. ")
    if t.startswith(("agendar", "agenda", "quiero agendar", "si agendar")):
        return "schedule"
    if t in {"ya lo hice", "ya lo hicimos", "ya esta hecho", "ya lo realice"} or t.startswith("ya lo hice"):
        return "already_done"
    return None
