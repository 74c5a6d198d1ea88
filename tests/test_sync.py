"""Sync end to end: real Postgres, and real Odoo 19 when installed (ids ``real-odoo``), else/also the
in-memory JSON-2 server over real HTTP (ids ``fake-odoo``)."""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

import bridge.sync as sync
from bridge.sync.pool import worker_pool
from bridge.sync.state import get_state

from .odoo_server import REPO, FakeBackend, drop_db, free_port, fresh_neon_db


@pytest.fixture
def neon():
    url = fresh_neon_db()
    yield url
    drop_db(url)


def add_cases(url: str, n: int, *, prefix: str = "case") -> list[int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """INSERT INTO cases (contact_id, customer_name, vin, plate, odo_km, falla_tipo, description)
               SELECT 'whatsapp:+5215500' || lpad(g::text, 6, '0'), 'Cliente ' || g, NULL, 'ABC-' || g,
                      1000 + g, 'FRN-001', %s || ' ' || g
                 FROM generate_series(1, %s) g RETURNING id""",
            (prefix, n),
        ).fetchall()
    return sorted(r[0] for r in rows)


def add_attachment(url: str, media_dir: Path, case_id: int, content: bytes, kind: str = "odometer_photo") -> str:
    sha = hashlib.sha256(content).hexdigest()
    rel = f"{case_id}/{sha[:12]}.jpg"
    (media_dir / str(case_id)).mkdir(parents=True, exist_ok=True)
    (media_dir / rel).write_bytes(content)
    with psycopg.connect(url) as conn:
        conn.execute(
            """INSERT INTO case_attachments (case_id, sha256, content_type, size_bytes, storage_path, evidence_kind)
               VALUES (%s, %s, 'image/jpeg', %s, %s, %s)
               ON CONFLICT (case_id, sha256) DO UPDATE SET last_seen_at = now()""",
            (case_id, sha, len(content), rel, kind),
        )
    return sha


def sync_once(settings, *extra: str) -> int:
    parser = argparse.ArgumentParser()
    sync.add_arguments(parser)
    return sync.run(parser.parse_args(["--once", "--quiet", "--max-wait", "0", *extra]), settings)


def neon_rows(url: str, ids: list[int]) -> dict[int, dict]:
    with psycopg.connect(url, row_factory=psycopg.rows.dict_row) as conn:
        rows = conn.execute("SELECT * FROM cases WHERE id = ANY(%s)", (ids,)).fetchall()
    return {r["id"]: r for r in rows}


def sync_env(url: str, backend, media_dir: Path | str = "var/media", odoo_url: str | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODOO_", "EVENT_WEBHOOK"))}
    env.update(DATABASE_URL=url, ODOO_URL=odoo_url or backend.url, ODOO_DB=backend.db, ODOO_API_KEY=backend.key,
               MEDIA_DIR=str(media_dir), PYTHONPATH=str(REPO))
    return env


def test_create_in_neon_appears_in_odoo_with_attachments_once(backend, neon, tmp_path):
    ids = add_cases(neon, 30)
    sha_a = add_attachment(neon, tmp_path, ids[0], b"\xff\xd8odometer-photo-bytes")
    add_attachment(neon, tmp_path, ids[0], b"\xff\xd8noise-video-frame", kind="noise_video")
    add_attachment(neon, tmp_path, ids[1], b"\xff\xd8odometer-photo-bytes")  # same bytes, other case
    settings = backend.settings(neon, media_dir=str(tmp_path))

    assert sync_once(settings, "--chunk-size", "7") == 0
    in_odoo = backend.cases(ids)
    assert sorted(in_odoo) == ids
    assert in_odoo[ids[0]]["attachments"] == 2
    assert in_odoo[ids[1]]["attachments"] == 1
    rows = neon_rows(neon, ids)
    assert all(r["odoo_id"] == in_odoo[i]["id"] and r["odoo_pushed_rev"] == r["intake_rev"] for i, r in rows.items())

    # Seeing the same bytes again only moves last_seen_at: nothing new reaches Odoo.
    add_attachment(neon, tmp_path, ids[0], b"\xff\xd8odometer-photo-bytes")
    assert sync_once(settings) == 0
    again = backend.cases(ids)
    assert again[ids[0]]["attachments"] == 2 and again == in_odoo
    with psycopg.connect(neon) as conn:
        assert conn.execute("SELECT count(*) FROM case_attachments WHERE odoo_synced_at IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT odoo_synced_at IS NOT NULL FROM case_attachments WHERE sha256 = %s LIMIT 1",
                            (sha_a,)).fetchone()[0]


def test_decide_in_odoo_flows_back_to_neon_and_catalog_is_materialized(backend, neon):
    ids = add_cases(neon, 3)
    settings = backend.settings(neon)
    assert sync_once(settings) == 0
    outcome = backend.decide(ids[1])
    assert sync_once(settings) == 0
    rows = neon_rows(neon, ids)
    assert rows[ids[1]]["warranty_status"] == outcome
    assert rows[ids[1]]["decision"] and rows[ids[1]]["decision"]["outcome"] == outcome
    assert rows[ids[1]]["odoo_state"]
    assert rows[ids[0]]["warranty_status"] == "pending"
    # Odoo-owned fields written back do not make the case look changed on the Neon side.
    assert rows[ids[1]]["intake_rev"] == rows[ids[1]]["odoo_pushed_rev"]
    with psycopg.connect(neon) as conn:
        assert conn.execute("SELECT count(*) FROM fault_catalog").fetchone()[0] >= 1
        if rows[ids[1]]["ticket"]:
            assert conn.execute("SELECT count(*) FROM tickets WHERE case_id = %s", (ids[1],)).fetchone()[0] == 1


def test_duplicate_runs_change_nothing_and_edits_travel_by_owner(backend, neon):
    ids = add_cases(neon, 12)
    settings = backend.settings(neon)
    assert sync_once(settings) == 0
    assert sync_once(settings) == 0
    first = neon_rows(neon, ids)
    assert sync_once(settings) == 0
    second = neon_rows(neon, ids)
    assert second == first  # not even updated_at moved
    assert sorted(backend.cases(ids)) == ids

    # Neon owns intake fields: an edit travels to Odoo; Odoo's outcome is not overwritten by it.
    outcome = backend.decide(ids[0])
    assert sync_once(settings) == 0
    with psycopg.connect(neon) as conn:
        conn.execute("UPDATE cases SET odo_km = 77777, description = 'ahora también vibra' WHERE id = %s", (ids[0],))
    assert sync_once(settings) == 0
    in_odoo = backend.cases([ids[0]])[ids[0]]
    assert in_odoo["odo_km"] == 77777 and in_odoo["description"] == "ahora también vibra"
    assert neon_rows(neon, [ids[0]])[ids[0]]["warranty_status"] == outcome


def test_crash_between_chunks_then_rerun_converges(backend, neon):
    n = 600 if backend.label == "real-odoo" else 1000
    ids = add_cases(neon, n)
    if backend.label == "fake-odoo":
        backend.fake.latency = 0.05
    env = sync_env(neon, backend)
    cmd = [sys.executable, "-m", "bridge", "sync", "--once", "--chunk-size", "25", "--max-wait", "0"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = 0
    deadline = time.monotonic() + 120
    with psycopg.connect(neon, autocommit=True) as conn:
        while time.monotonic() < deadline and proc.poll() is None:
            done = conn.execute("SELECT count(*) FROM cases WHERE odoo_id IS NOT NULL").fetchone()[0]
            if done >= 50:
                break
            time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < n, f"kill did not land mid-pass ({done}/{n})"
    if backend.label == "fake-odoo":
        backend.fake.latency = 0
    rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    in_odoo = backend.cases(ids)
    assert sorted(in_odoo) == ids  # every case once (the Odoo side raises on a duplicate neon_id)
    rows = neon_rows(neon, ids)
    assert all(r["odoo_id"] == in_odoo[i]["id"] for i, r in rows.items())
    assert "sync push:" in rerun.stderr  # progress counts on the CLI


def test_odoo_unreachable_then_back_catches_up(backend, neon):
    ids = add_cases(neon, 20)
    down = sync_env(neon, backend, odoo_url=f"http://127.0.0.1:{free_port()}")
    cmd = [sys.executable, "-m", "bridge", "sync", "--once", "--max-wait", "0"]
    first = subprocess.run(cmd, env=down, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == sync.EXIT_ODOO_DOWN
    assert "Odoo unavailable" in first.stderr and backend.key not in first.stderr
    with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
        status = get_state(conn, sync.STATUS_KEY)
        assert status["odoo"] == "down" and status["state"] == "retrying"
        assert conn.execute("SELECT count(*) AS n FROM cases WHERE odoo_id IS NOT NULL").fetchone()["n"] == 0
    second = subprocess.run(cmd, env=sync_env(neon, backend), capture_output=True, text=True, timeout=300,
                            check=False)
    assert second.returncode == 0, second.stderr[-2000:]
    assert sorted(backend.cases(ids)) == ids
    with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
        assert get_state(conn, sync.STATUS_KEY)["odoo"] == "up"


def test_postgres_connection_dropped_mid_pass(backend, neon):
    n = 400
    ids = add_cases(neon, n)
    if backend.label == "fake-odoo":
        backend.fake.latency = 0.05
    env = sync_env(neon, backend)
    cmd = [sys.executable, "-m", "bridge", "sync", "--once", "--chunk-size", "20", "--max-wait", "60"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = 0
    with psycopg.connect(neon, autocommit=True) as conn:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and killed < 3:
            done = conn.execute("SELECT count(*) FROM cases WHERE odoo_id IS NOT NULL").fetchone()[0]
            if done >= 40 * (killed + 1):
                killed += conn.execute(
                    """SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND application_name = 'postventa-sync') t"""
                ).fetchone()[0] and 1
            time.sleep(0.01)
    _, stderr = proc.communicate(timeout=300)
    if backend.label == "fake-odoo":
        backend.fake.latency = 0
    assert killed >= 1
    assert proc.returncode == 0, stderr[-2000:]
    assert sorted(backend.cases(ids)) == ids
    assert all(r["odoo_pushed_rev"] == r["intake_rev"] for r in neon_rows(neon, ids).values())


# ----- fake-only: failure modes a real Odoo cannot be asked to play -----------------------------

@pytest.fixture
def fake_backend():
    fake = FakeBackend()
    yield fake
    fake.close()


def test_fake_odoo_503_then_401_are_retried_by_the_loop_and_reported(fake_backend, neon):
    ids = add_cases(neon, 5)
    settings = fake_backend.settings(neon)
    fake_backend.fake.fail_status = 503
    assert sync_once(settings) == sync.EXIT_ODOO_DOWN
    with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
        status = get_state(conn, sync.STATUS_KEY)
    assert "HTTP 503" in status["last_error"] and fake_backend.key not in status["last_error"]
    fake_backend.fake.fail_status = 401
    assert sync_once(settings) == sync.EXIT_ODOO_DOWN
    with psycopg.connect(neon, row_factory=psycopg.rows.dict_row) as conn:
        assert "HTTP 401" in get_state(conn, sync.STATUS_KEY)["last_error"]

    # The loop: Odoo answers 503 for a while, then comes back; the same process catches up.
    fake_backend.fake.fail_status = None
    fake_backend.fake.fail_script = [503] * 4
    env = sync_env(neon, fake_backend)
    proc = subprocess.run([sys.executable, "-m", "bridge", "sync", "--once", "--max-wait", "120"], env=env,
                          capture_output=True, text=True, timeout=200, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "retry" in proc.stderr
    assert sorted(fake_backend.cases(ids)) == ids


def test_fake_odoo_late_commit_inside_overlap_window_is_not_missed(fake_backend, neon):
    from datetime import timedelta

    ids = add_cases(neon, 2)
    settings = fake_backend.settings(neon)
    assert sync_once(settings) == 0
    t0 = max(c["write_date"] for c in fake_backend.fake.cases.values())
    # T2 (started at t0+10s) commits first; the sync reads it and its cursor moves to t0+10s.
    fake_backend.fake.decide(ids[0], "eligible", write_date=t0 + timedelta(seconds=10))
    assert sync_once(settings) == 0
    # T1 started at t0+5s but commits only now: its write_date is behind the cursor.
    fake_backend.fake.decide(ids[1], "review", write_date=t0 + timedelta(seconds=5))
    assert sync_once(settings, "--overlap-seconds", "0") == 0
    assert neon_rows(neon, [ids[1]])[ids[1]]["warranty_status"] == "pending"  # a strict watermark misses it
    assert sync_once(settings, "--overlap-seconds", "60") == 0
    assert neon_rows(neon, [ids[1]])[ids[1]]["warranty_status"] == "review"


def test_fake_odoo_overlap_window_is_reread_as_stamps_and_only_changes_are_fetched(fake_backend, neon):
    from datetime import timedelta

    ids = add_cases(neon, 30)
    settings = fake_backend.settings(neon)
    assert sync_once(settings) == 0  # every case pushed, then read back: all inside the 600 s window
    fake = fake_backend.fake
    read = fake.changes_read
    assert sync_once(settings) == 0  # nothing changed: the window costs stamps, not records
    assert fake.changes_read - read <= 1  # at most the record sitting exactly on the cursor
    # A late commit inside the window (stamped before the cursor) is fetched, and only it.
    t0 = max(c["write_date"] for c in fake.cases.values())
    fake.decide(ids[3], "eligible", write_date=t0 + timedelta(seconds=10))
    assert sync_once(settings) == 0  # the cursor moves to t0 + 10 s
    fake.decide(ids[7], "review", write_date=t0 + timedelta(seconds=5))  # started earlier, commits only now
    read = fake.changes_read
    assert sync_once(settings) == 0
    assert neon_rows(neon, [ids[7]])[ids[7]]["warranty_status"] == "review"
    assert fake.changes_read - read <= 2
    read = fake.changes_read
    assert sync_once(settings) == 0
    assert fake.changes_read - read <= 1


def test_fake_odoo_rejected_record_does_not_fail_the_batch(fake_backend, neon, tmp_path):
    ids = add_cases(neon, 3)
    add_attachment(neon, tmp_path, ids[1], b"bytes")
    (tmp_path / f"{ids[1]}").rename(tmp_path / "moved")  # the bytes are gone: flagged, not retried forever
    settings = fake_backend.settings(neon, media_dir=str(tmp_path))
    assert sync_once(settings) == 0
    assert sorted(fake_backend.cases(ids)) == ids
    with psycopg.connect(neon) as conn:
        err = conn.execute("SELECT odoo_sync_error FROM case_attachments WHERE case_id = %s", (ids[1],)).fetchone()[0]
    assert "unreadable" in err
    calls = fake_backend.fake.calls.get("bridge_upsert_cases", 0)
    assert sync_once(settings) == 0
    assert fake_backend.fake.calls.get("bridge_upsert_cases", 0) == calls  # nothing dirty any more


def test_sync_off_without_odoo_settings(neon):
    from bridge.config import Settings

    assert sync_once(Settings(database_url=neon)) == 0


def test_worker_pool_names_its_connections(neon):
    pool = worker_pool(neon, name="sync")
    try:
        with pool.connection() as conn:
            assert conn.execute("SHOW application_name").fetchone()["application_name"] == "postventa-sync"
    finally:
        pool.close()


def test_fake_odoo_legacy_seed_rows_survive_migrate_and_get_synced(fake_backend):
    from bridge.migrate import migrate

    from .odoo_server import PG_ADMIN

    name = f"pv_legacy_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    url = f"{PG_ADMIN.rpartition('/')[0]}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(url) as conn:
            conn.execute("""CREATE TABLE cases (id serial PRIMARY KEY, contact_id text, vin text, plate text,
                                                odo_km integer, falla_tipo text, warranty_status text)""")
            conn.execute("""INSERT INTO cases (contact_id, vin, plate, odo_km, falla_tipo, warranty_status) VALUES
                            ('whatsapp:+5215512345678', 'JTDKB20U993456789', 'ABC-123', 45000, 'FRN-001', 'eligible'),
                            ('+5215598765432', NULL, 'XYZ-987', NULL, NULL, NULL)""")
        migrate(url)
        migrate(url)
        assert sync_once(fake_backend.settings(url)) == 0
        rows = neon_rows(url, [1, 2])
        assert rows[1]["vin"] == "JTDKB20U993456789" and rows[1]["odoo_id"] and rows[2]["odoo_id"]
        assert rows[1]["warranty_status"] == "eligible"  # Odoo has not decided: the legacy status stays
        assert fake_backend.fake.case_for(1)["odo_km"] == 45000
    finally:
        drop_db(url)


def test_real_odoo_overlap_fetches_what_changed_by_case_ids(neon, caplog):
    """The overlap window's changed records are fetched by ``case_ids`` against the real JSON-2 API
    (``ids`` is JSON-2's own key for the records a method runs on: asking with it was a 422 and a silent
    fall-back to the full re-read)."""
    import logging

    from .odoo_server import real_backend

    backend = real_backend()
    ids = add_cases(neon, 4)
    settings = backend.settings(neon)
    assert sync_once(settings) == 0  # pushed, then read back: inside the 600 s overlap window
    with psycopg.connect(neon) as conn:  # Neon's copy of one case now differs from Odoo's stamp
        conn.execute("UPDATE cases SET odoo_write_date = NULL WHERE id = %s", (ids[2],))
    caplog.set_level(logging.WARNING, logger="bridge.sync.pull")
    assert sync_once(settings) == 0
    assert "full overlap re-read" not in caplog.text
    with psycopg.connect(neon) as conn:
        (stamp,) = conn.execute("SELECT odoo_write_date FROM cases WHERE id = %s", (ids[2],)).fetchone()
    assert stamp is not None  # fetched by its id and applied
