"""Does a spare part fit a vehicle? Plain Python, no Odoo.

A part lists the models it fits (comma-separated; ``RAV4`` fits ``RAV4 Hybrid``), optionally a
model-year range and a position (front / rear axle). A vehicle is a model name and a model year;
the fault may name a position ("Balatas delanteras desgastadas"). Whatever is unknown on either
side does not exclude: an empty fitment fits every model, a part without years fits every year, a
fault that names no position takes parts of any position.
"""

from __future__ import annotations

import re
import unicodedata

FRONT, REAR = "front", "rear"
_POSITION_WORDS = {
    FRONT: ("delanter", "frontal", "front"),
    REAR: ("traser", "posterior", "rear"),
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def position_named(text: str | None) -> str | None:
    """``front`` / ``rear`` when the text names exactly one of them, else None."""
    words = re.findall(r"[a-z]+", _fold(text or ""))
    found = {pos for pos, stems in _POSITION_WORDS.items() if any(w.startswith(stems) for w in words)}
    return found.pop() if len(found) == 1 else None


def fits(models: str | None, year_from: int | None, year_to: int | None, position: str | None,
         model_name: str | None, model_year: int | None, wanted_position: str | None) -> bool:
    tokens = [_fold(t).strip() for t in (models or "").split(",") if t.strip()]
    model = _fold(model_name or "").strip()
    if tokens and model and not any(model.startswith(token) for token in tokens):
        return False
    if model_year:
        if year_from and model_year < year_from:
            return False
        if year_to and model_year > year_to:
            return False
    return not (wanted_position and position and position != wanted_position)
