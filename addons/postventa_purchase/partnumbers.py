"""Part numbers: normalization and equivalence closure (plain Python, no Odoo imports).

Toyota numbers are written ``04465-02220``, ``0446502220`` or ``04465 02220``; aftermarket numbers
carry dots, slashes and spaces too (``0 986 424 797``, ``D1210-8324``). All are compared in one
normalized form: upper case, letters and digits only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_TOYOTA = re.compile(r"^[0-9A-Z]{5}[0-9A-Z]{5}(?:[0-9A-Z]{2})?$")


def normalize(number: str | None) -> str:
    """``'04465-02220'`` → ``'0446502220'``; ``None``/blank → ``''``."""
    if not number:
        return ""
    return _NOT_ALNUM.sub("", str(number).upper())


def format_toyota(number: str | None) -> str:
    """Display form of a Toyota number: ``0446502220`` → ``04465-02220`` (others unchanged)."""
    norm = normalize(number)
    if len(norm) in (10, 12) and norm[:5].isdigit() and _TOYOTA.match(norm):
        return f"{norm[:5]}-{norm[5:]}"
    return (number or "").strip()


def closure(
    start: Iterable[str],
    neighbours: Callable[[set[str]], Iterable[tuple[str, str]]],
    max_depth: int = 6,
) -> set[str]:
    """All normalized numbers reachable from ``start`` through equivalence edges, both directions.

    ``neighbours(frontier)`` returns the ``(from, to)`` edges touching any number of the frontier
    (one batched lookup per level; the Odoo side answers it with one indexed SQL query).
    """
    seen = {normalize(n) for n in start if normalize(n)}
    frontier = set(seen)
    for _depth in range(max_depth):
        if not frontier:
            break
        found = set()
        for a, b in neighbours(frontier):
            found.update((a, b))
        frontier = found - seen
        seen |= frontier
    return seen
