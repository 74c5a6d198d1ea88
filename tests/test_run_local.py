"""`make run` (scripts/run_local.py): a half-installed Odoo database is detected; Ctrl-C stops fast."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("run_local", ROOT / "scripts" / "run_local.py")
run_local = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_local)

ADMIN = "dbname=postgres host=127.0.0.1"


@pytest.fixture
def scratch_db():
    name = f"pv_runlocal_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _exists(name):
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone())


def test_half_installed_database_is_detected_and_dropped(scratch_db):
    modules = ["postventa", "postventa_purchase"]
    assert run_local.unfinished_modules(scratch_db, modules) == modules, "no Odoo tables at all"
    with psycopg.connect(f"dbname={scratch_db} host=127.0.0.1", autocommit=True) as conn:
        conn.execute("CREATE TABLE ir_module_module (name varchar, state varchar)")
        conn.execute("INSERT INTO ir_module_module VALUES ('postventa', 'installed'), "
                     "('postventa_purchase', 'to install')")
    assert run_local.unfinished_modules(scratch_db, modules) == ["postventa_purchase"]
    with psycopg.connect(f"dbname={scratch_db} host=127.0.0.1", autocommit=True) as conn:
        conn.execute("UPDATE ir_module_module SET state = 'installed'")
    assert run_local.unfinished_modules(scratch_db, modules) == []
    run_local.drop_database(scratch_db)
    assert not _exists(scratch_db)


STUBBORN = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
POLITE = "import time; print('up', flush=True); time.sleep(60)"


def test_stop_children_is_bounded_even_when_a_child_ignores_sigterm():
    children = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
                for code in (STUBBORN, POLITE, STUBBORN)]
    for child in children:
        assert child.stdout.readline().strip() == "up"
    run_local.stop_children(children, grace=1.0)
    # No wall-clock assertion: the escalation itself shows the stop is bounded (SIGTERM, then SIGKILL).
    assert [child.returncode for child in children] == [-9, -15, -9]
