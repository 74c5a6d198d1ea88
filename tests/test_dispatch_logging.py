"""The event dispatcher logs what changed, not one line per idle 5-second cycle."""

from __future__ import annotations

import logging

from bridge.events import dispatch


def test_idle_cycle_prints_nothing_busy_cycle_one_line():
    idle = dict.fromkeys(dispatch.COUNTERS, 0) | {"odoo_error": None}
    assert dispatch.summary_line(idle) is None
    assert dispatch.summary_line(idle, always=True).startswith("dispatch-events: pulled 0")
    busy = dict(idle, pulled=3, delivered=3)
    assert dispatch.summary_line(busy) == (
        "dispatch-events: pulled 3, attempted 0, delivered 3, failed 0, dead 0, reported 0"
    )


def test_a_recurring_problem_is_logged_when_it_starts_changes_and_clears(caplog):
    problem = dispatch.RecurringProblem("dispatch: cannot pull Odoo's outbox")
    with caplog.at_level(logging.INFO, logger="bridge.events"):
        for _ in range(5):
            problem.seen("connection refused")
        problem.seen("HTTP 503")
        problem.clear()
        problem.clear()
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "dispatch: cannot pull Odoo's outbox: connection refused",
        "dispatch: cannot pull Odoo's outbox: HTTP 503",
        "dispatch: cannot pull Odoo's outbox: resolved",
    ]
