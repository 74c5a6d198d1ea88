"""VIN (ISO 3779) normalization and validation. No Odoo, no I/O."""

from __future__ import annotations

import re

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7, "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize(vin: str | None) -> str:
    return re.sub(r"[\s\-]", "", vin or "").upper()


def check_digit(vin: str) -> str:
    total = sum(_TRANSLIT[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def requires_check_digit(vin: str) -> bool:
    """North American VINs (first character 1-5, Mexico is 3) must carry a valid check digit.

    Vehicles built elsewhere (Japan ``J``, Thailand ``M``, Brazil ``9``...) may use position 9 freely.
    """
    return vin[:1] in "12345"


def validation_error(vin: str) -> str | None:
    """None when valid, else the problem's code: ``length``, ``characters`` or ``check_digit``."""
    if len(vin) != 17:
        return "length"
    if not VIN_RE.match(vin):
        return "characters"
    if requires_check_digit(vin) and vin[8] != check_digit(vin):
        return "check_digit"
    return None
