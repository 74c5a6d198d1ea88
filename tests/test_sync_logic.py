"""Pure sync rules: cursor math, conflict rule mapping, payloads, chunk planning, backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bridge.odoo import OdooError
from bridge.sync import logic

T = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_cursor_overlap_and_advance():
    assert logic.effective_since(None, timedelta(minutes=10)) is None
    assert logic.effective_since(T, timedelta(minutes=10)) == T - timedelta(minutes=10)
    assert logic.advance_cursor(T, [T - timedelta(hours=1), None]) == T  # never backwards
    assert logic.advance_cursor(None, [T, T + timedelta(seconds=1)]) == T + timedelta(seconds=1)


def test_odoo_time_formats_round_trip():
    assert logic.parse_odoo_time("2026-11-26T10:00:00.123456Z") == T.replace(microsecond=123456)
    assert logic.parse_odoo_time("2026-11-26 10:00:00") == T
    assert logic.parse_odoo_time(None) is None
    assert logic.parse_odoo_time(logic.format_odoo_time(T)) == T


def test_conflict_rule_maps_only_odoo_owned_fields():
    record = {"id": 7, "neon_id": 3, "name": "PV/1", "state": "evaluated", "warranty_status": "no_eligible",
              "write_date": "2026-11-26T10:00:00Z", "decision": {"outcome": "no_eligible"}, "ticket": False,
              "quote": None, "vin": "SHOULD-NOT-TRAVEL"}
    fields = logic.case_fields_from_odoo(record)
    assert fields["warranty_status"] == "no_eligible" and fields["ticket"] is None and fields["odoo_write_date"] == T
    assert not set(fields) & set(logic.INTAKE_FIELDS)
    # No decision yet: Odoo's "pending" does not overwrite what Neon has.
    undecided = dict(record, warranty_status="pending", decision=None)
    assert logic.case_fields_from_odoo(undecided)["warranty_status"] is None
    assert logic.map_warranty_status(False) == "pending"
    assert logic.map_warranty_status("something_else") is None
    assert logic.odoo_wins(T, T) and logic.odoo_wins(None, T) and not logic.odoo_wins(T, T - timedelta(seconds=1))


def test_payload_carries_intake_fields_and_attachments():
    case = {"id": 5, "contact_id": "whatsapp:+52", "customer_name": "Ana", "vin": None, "plate": "X", "odo_km": 10,
            "falla_tipo": "ENG-001", "description": "d", "evidence_provided": None, "status": "open",
            "warranty_status": "eligible"}
    payload = logic.case_payload(case, [{"sha256": "a" * 64, "filename": "a.jpg", "content_type": "image/jpeg",
                                         "datas": "eA==", "evidence_kind": None, "storage_path": "secret/x"}])
    assert payload["neon_id"] == 5 and payload["evidence_provided"] == [] and "warranty_status" not in payload
    assert payload["attachments"] == [{"sha256": "a" * 64, "filename": "a.jpg", "content_type": "image/jpeg",
                                       "evidence_kind": None, "datas": "eA=="}]


def test_chunks_respect_record_and_byte_limits():
    assert logic.plan_chunks([1] * 7, max_records=3, max_bytes=100) == [range(0, 3), range(3, 6), range(6, 7)]
    assert logic.plan_chunks([60, 60, 10, 200, 5], max_records=10, max_bytes=100) == [
        range(0, 1), range(1, 3), range(3, 4), range(4, 5)]
    assert logic.plan_chunks([1] * 1200, max_records=9999, max_bytes=10**9)[0] == range(0, 500)
    assert logic.plan_chunks([], max_records=5, max_bytes=5) == []


def test_backoff_and_rejection_classification():
    assert [logic.backoff_delay(n) for n in (1, 2, 3, 10)] == [5, 10, 20, 300]
    assert logic.is_record_rejection(OdooError("bad", status=422))
    assert logic.is_record_rejection(OdooError("bad", status=400))
    for status in (None, 401, 403, 404, 429, 500):
        assert not logic.is_record_rejection(OdooError("x", status=status))
