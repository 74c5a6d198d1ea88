"""The timeline of the end-to-end loop against a real Odoo 19 (tests/test_e2e_loop.py's WhatsApp intake ->
sync -> Odoo's decision and ticket -> sync back -> events -> customer told): every step, in order, under one
trace id, from WhatsApp, Neon, Odoo and the events feed."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import tracing
from bridge.app import create_app
from bridge.config import Settings
from tests.test_e2e_loop import PUBLIC, SENDER, e2e_settings, fake, real  # noqa: F401 - fixtures
from tests.test_e2e_loop import test_whatsapp_intake_to_odoo_decision_and_back_to_the_customer as run_loop

KEY = "admin-key-for-tests-0123456789"


@pytest.fixture(scope="module")
def settings(real, db_url, tmp_path_factory, fake) -> Settings:  # noqa: F811
    # as test_e2e_loop's settings, on another block of Neon ids
    return e2e_settings(real, db_url, str(tmp_path_factory.mktemp("media")), 95_000, admin_api_key=KEY)


def test_the_loop_is_one_ordered_timeline_with_one_trace_id(settings, fake):  # noqa: F811
    run_loop(settings, fake)
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        [case] = conn.execute("SELECT id FROM cases WHERE contact_id = %s", (SENDER,)).fetchall()
        events = conn.execute("SELECT type, traceparent FROM events WHERE subject = %s", (f"case/{case['id']}",))
        events = events.fetchall()
    neon_id = case["id"]
    trace_id = tracing.case_trace_id(neon_id)
    # every event of the case, Odoo's and the bridge's, carries the one trace
    assert {e["type"] for e in events} >= {"warranty.decided", "warranty.opened", "media_processed"}
    assert {tracing.parse_traceparent(e["traceparent"])[0] for e in events} == {trace_id}

    with TestClient(create_app(settings)) as client:
        response = client.get(f"/admin/cases/{neon_id}/timeline", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200, response.text
    assert "X-Timeline-Partial" not in response.headers
    body = response.json()
    assert body["trace_id"] == trace_id
    steps = body["steps"]
    assert [s["at"] for s in steps] == sorted(s["at"] for s in steps)
    kinds = [(s["system"], s["kind"]) for s in steps]
    first = {k: kinds.index(k) for k in reversed(kinds)}
    expected = [
        ("whatsapp", "message.inbound"),  # "Hola, buenas noches"
        ("neon", "case.created"),
        ("neon", "attachment.stored"),
        ("neon", "media.processed"),
        ("events", "media_processed"),
        ("neon", "sync.push"),
        ("odoo", "case.created"),
        ("odoo", "warranty.decision"),
        ("odoo", "ticket.opened"),
        ("events", "warranty.decided"),
        ("events", "warranty.opened"),
        ("neon", "sync.pull"),
        ("whatsapp", "message.outbound"),
    ]
    missing = [k for k in expected if k not in first]
    assert not missing, (missing, kinds)
    # causal order: intake before Odoo; Odoo's decision before the pull that brought it and the message
    assert steps[0]["kind"] in ("message.inbound", "case.created"), steps[:4]  # the greeting may open the case
    assert first[("neon", "case.created")] < first[("odoo", "case.created")]
    assert first[("odoo", "case.created")] < first[("odoo", "warranty.decision")] <= first[("odoo", "ticket.opened")]
    assert first[("odoo", "warranty.decision")] < first[("neon", "sync.pull")]
    assert first[("events", "warranty.decided")] < kinds.index(("whatsapp", "message.outbound"), first[
        ("events", "warranty.decided")])
    decision = steps[first[("odoo", "warranty.decision")]]
    assert decision["detail"].startswith("eligible") and "Cubierto" in decision["detail"], decision
    assert all(s["duration_ms"] >= 0 for s in steps) and steps[0]["duration_ms"] == 0
    assert sum(s["duration_ms"] for s in steps) == pytest.approx(
        (_t(steps[-1]["at"]) - _t(steps[0]["at"])) * 1000, abs=len(steps))


def _t(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
