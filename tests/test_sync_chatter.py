"""`sync --no-chatter` against the real Odoo 19: the bridge's writes leave no tracking messages in the
case's chatter, while a normal pass records what changed (the audit trail staff read)."""

from __future__ import annotations

import psycopg
import pytest

from .odoo_server import drop_db, fresh_neon_db, real_backend
from .test_sync import add_cases, sync_once


@pytest.fixture
def neon():
    url = fresh_neon_db()
    yield url
    drop_db(url)


def tracking_messages(admin, case_ids: list[int], after_id: int) -> dict[int, int]:
    """Chatter messages per case (tracking values themselves are readable by Odoo administrators only;
    a bridge upsert that changes a tracked field posts exactly such a message)."""
    rows = admin.call("mail.message", "search_read",
                      domain=[["model", "=", "postventa.case"], ["res_id", "in", case_ids], ["id", ">", after_id]],
                      fields=["res_id"])
    counts = dict.fromkeys(case_ids, 0)
    for row in rows:
        counts[row["res_id"]] += 1
    return counts


def test_no_chatter_pass_writes_no_tracking_and_a_normal_pass_does(neon):
    real = real_backend()
    quiet, tracked = add_cases(neon, 2, prefix="chatter")
    assert sync_once(real.settings(neon)) == 0
    odoo_ids = {n: c["id"] for n, c in real.cases([quiet, tracked]).items()}
    with real.client() as admin:  # a person at the dealer: the bridge's key reads no messages
        before = tracking_messages(admin, list(odoo_ids.values()), 0)
        for neon_id, flag in ((quiet, ["--no-chatter"]), (tracked, [])):
            with psycopg.connect(neon) as conn:
                conn.execute("UPDATE cases SET odo_km = odo_km + 777 WHERE id = %s", (neon_id,))
            assert sync_once(real.settings(neon), *flag) == 0
        after_passes = tracking_messages(admin, list(odoo_ids.values()), 0)
        counts = {case_id: after_passes[case_id] - before[case_id] for case_id in after_passes}
    after = real.cases([quiet, tracked])
    with psycopg.connect(neon) as conn:  # both updates reached Odoo
        expected = dict(conn.execute("SELECT id, odo_km FROM cases WHERE id = ANY(%s)", ([quiet, tracked],)).fetchall())
    assert {n: after[n]["odo_km"] for n in (quiet, tracked)} == expected
    assert counts[odoo_ids[quiet]] == 0, counts
    assert counts[odoo_ids[tracked]] >= 1, counts
