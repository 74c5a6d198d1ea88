"""Who owns a new case: plain data in, one advisor (or None) per case out.

Rule (for dealers: readme/CONFIGURE.md, "Who owns a case"): the vehicle's usual advisor while that
person is still an advisor of the case's company; otherwise the advisor with the fewest open cases,
ties to the longest-standing user (lowest id). Loads are updated as a batch is assigned, so a batch
of cases spreads exactly like the same cases arriving one by one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence


def pick_owners(
    requests: Iterable[tuple[Hashable, Hashable | None]],
    pools: Mapping[Hashable, Sequence[int]],
    load: Mapping[int, int],
    usual: Mapping[Hashable, int],
) -> list[int | None]:
    """``requests``: (company, vehicle or None) per new case; ``pools``: advisors per company;
    ``load``: open cases per advisor; ``usual``: the usual advisor per vehicle."""
    load = dict(load)
    owners: list[int | None] = []
    for company, vehicle in requests:
        pool = pools.get(company) or ()
        owner = usual.get(vehicle) if vehicle is not None else None
        if owner not in pool:
            owner = min(pool, key=lambda user: (load.get(user, 0), user), default=None)
        if owner is not None:
            load[owner] = load.get(owner, 0) + 1
        owners.append(owner)
    return owners
