"""Migrations: from empty, twice, and over the seed's legacy `cases` table with rows."""

from __future__ import annotations

import psycopg

from bridge.migrate import discover, migrate


def _columns(url: str, table: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    return {r[0] for r in rows}


def test_from_empty_then_rerun_is_a_no_op(empty_db_url):
    first = migrate(empty_db_url)
    assert first == [m.version for m in discover()]
    assert migrate(empty_db_url) == []
    cols = _columns(empty_db_url, "cases")
    assert {"id", "contact_id", "vin", "plate", "odo_km", "falla_tipo", "warranty_status", "updated_at"} <= cols
    assert {"sha256", "first_seen_at", "last_seen_at"} <= _columns(empty_db_url, "case_attachments")


def test_legacy_seed_rows_survive(empty_db_url):
    # The seed's shape: a bare table with text columns and rows already in it.
    with psycopg.connect(empty_db_url) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(
            """CREATE TABLE cases (id serial PRIMARY KEY, contact_id text, vin text, plate text,
                                   odo_km integer, falla_tipo text, warranty_status text)"""
        )
        conn.execute(
            """INSERT INTO cases (contact_id, vin, plate, odo_km, falla_tipo, warranty_status) VALUES
               ('whatsapp:+5215512345678', 'JTDKB20U993456789', 'ABC-123', 45000, 'FRENO_RUIDO', 'eligible'),
               ('+5215598765432', NULL, 'XYZ-987', NULL, NULL, NULL),
               ('+5215500000000', NULL, NULL, 10, 'X', 'pendiente')"""
        )
    migrate(empty_db_url)
    migrate(empty_db_url)
    with psycopg.connect(empty_db_url) as conn:
        rows = conn.execute(
            "SELECT contact_id, vin, odo_km, warranty_status, warranty_status_legacy, status FROM cases ORDER BY id"
        ).fetchall()
        assert rows == [
            ("whatsapp:+5215512345678", "JTDKB20U993456789", 45000, "eligible", None, "open"),
            ("+5215598765432", None, None, "pending", None, "open"),
            # an unknown legacy value is kept beside the contract's value, not lost
            ("+5215500000000", None, 10, "pending", "pendiente", "open"),
        ]
        before = conn.execute("SELECT updated_at FROM cases WHERE plate = 'XYZ-987'").fetchone()[0]
    with psycopg.connect(empty_db_url) as conn:  # a later transaction: now() moves on
        conn.execute("UPDATE cases SET odo_km = 1000 WHERE plate = 'XYZ-987'")
        after = conn.execute("SELECT updated_at FROM cases WHERE plate = 'XYZ-987'").fetchone()[0]
    assert after > before
