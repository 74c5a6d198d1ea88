"""Exact identifiers in queries and passages: engine codes (1GD-FTV), part numbers (90915-YZZD1),
VINs, tire sizes (265/65R17), oil grades (0W-16), battery and lamp codes (CR2032). Pure.

An identifier is a token of letters and digits (joined by ``-``, ``/`` or ``.``) that mixes both, or a
digit group with a separator such as a part number. It is compared in a compact form (lowercase,
accents folded, separators dropped), so ``1gd ftv`` does not match but ``1GD-FTV``, ``1gd-ftv`` and
``1gdftv`` do. Measures (``100km``, ``12v``, ``29psi``) are not identifiers.
"""

from __future__ import annotations

import re

from .analyzer import fold

# Runs of token characters that contain a digit (an identifier always has one); digit-free words are
# skipped by the regex engine in linear time. Each run is then split into tokens.
_RUN_RE = re.compile(r"(?<![a-z0-9./-])[a-z0-9./-]*[0-9][a-z0-9./-]*")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:[-/.][a-z0-9]+)*")
_UNIT_RE = re.compile(
    r"^\d+(?:[.,]\d+)?(?:km|kms|mil|psi|kpa|hp|cv|l|lt|cc|v|mm|cm|m|kg|lb|lbs|h|hrs|min|s|x\d+|a|ah|w)$")
_SEPARATORS = re.compile(r"[-/.]")


def compact(token: str) -> str:
    return _SEPARATORS.sub("", token)


def _is_identifier(token: str) -> bool:
    flat = compact(token)
    has_digit = any(c.isdigit() for c in flat)
    has_alpha = any(c.isalpha() for c in flat)
    separated = flat != token
    if has_digit and has_alpha:
        return (len(flat) >= 4 or (separated and len(flat) >= 3)) and not _UNIT_RE.match(flat)
    # digits only: a part number such as 90915-10004 (groups of 5 or more digits joined by a separator)
    return has_digit and separated and "/" not in token and len(flat) >= 8


def _tokens(text: str) -> list[str]:
    return [token for run in _RUN_RE.findall(fold(text)) for token in _TOKEN_RE.findall(run)]


def identifiers(text: str) -> list[str]:
    """Distinct identifiers of ``text`` in compact form, in order of appearance."""
    found: dict[str, None] = {}
    for token in _tokens(text):
        if _is_identifier(token):
            found.setdefault(compact(token), None)
    return list(found)


def identifier_keys(text: str) -> set[str]:
    """What a passage is findable by: each identifier whole, and the identifier-like parts of a
    separated one (``m20a-fks`` is also found as ``m20a``)."""
    keys: set[str] = set()
    for token in _tokens(text):
        if _is_identifier(token):
            keys.add(compact(token))
            for part in _SEPARATORS.split(token):
                if part != token and _is_identifier(part):
                    keys.add(part)
    return keys
