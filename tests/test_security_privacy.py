"""Personal data (issue 11 item 11): retention purge, one person's erasure keeping warranty records,
no phone numbers in access logs, ``.env`` never committed. Real Postgres, the real CLI, real uvicorn.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from bridge.app import create_app
from bridge.config import Settings
from bridge.privacy import contact_hash
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, signed_post, webhook_params
from tests.live_server import serving

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://bridge.example.com"
KEY = "admin-key-for-privacy-tests"
OLD = "whatsapp:+5215560000001"
RECENT = "whatsapp:+5215560000002"
ERASED = "whatsapp:+5215560000003"


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    public_base_url=PUBLIC, admin_api_key=KEY, media_dir=str(tmp_path_factory.mktemp("media")))


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def q(settings, sql, *args):
    with psycopg.connect(settings.database_url, row_factory=dict_row, autocommit=True) as conn:
        cur = conn.execute(sql, args)
        return cur.fetchall() if cur.description else cur.rowcount


def cli(settings, *argv) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "MEDIA_DIR": settings.media_dir}
    return subprocess.run([sys.executable, "-m", "bridge", "--log-level", "WARNING", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def chat(client, sender: str, *texts: str) -> None:
    for text in texts:
        assert signed_post(client, webhook_params(sender, text), public_url=PUBLIC).status_code == 200


def test_purge_deletes_what_is_older_than_the_retention_and_keeps_warranty_records(client, settings):
    chat(client, OLD, "Hola", "JTDBR32E230012345", "¿cómo reviso el aceite?")
    chat(client, RECENT, "Hola")
    q(settings, "INSERT INTO events (id, type, source, time, data) VALUES (gen_random_uuid(), 'media_processed', "
                "'test', now(), %s)", Jsonb({"contact_id": OLD, "sha256": "0" * 64}))
    for table, column in (("wa_inbound", "received_at"), ("wa_jobs", "created_at"), ("wa_contacts", "created_at"),
                          ("wa_contacts", "last_inbound_at"), ("events", "received_at")):
        where = "contact_id = %s" if table != "events" else "data->>'contact_id' = %s"
        q(settings, f"UPDATE {table} SET {column} = now() - interval '200 days' WHERE {where}", OLD)
    q(settings, "UPDATE wa_jobs SET state = 'done' WHERE contact_id = %s", OLD)
    [case] = q(settings, "SELECT id, vin FROM cases WHERE contact_id = %s", OLD)

    done = cli(settings, "purge")
    assert done.returncode == 0, done.stderr
    assert "wa_inbound=3" in done.stdout
    assert q(settings, "SELECT count(*) AS n FROM wa_inbound WHERE contact_id = %s", OLD)[0]["n"] == 0
    assert q(settings, "SELECT count(*) AS n FROM wa_jobs WHERE contact_id = %s", OLD)[0]["n"] == 0
    assert q(settings, "SELECT count(*) AS n FROM wa_contacts WHERE contact_id = %s", OLD)[0]["n"] == 0
    assert q(settings, "SELECT count(*) AS n FROM events WHERE data->>'contact_id' = %s", OLD)[0]["n"] == 0
    assert q(settings, "SELECT count(*) AS n FROM events WHERE data->>'sha256' = %s", "0" * 64)[0]["n"] == 1
    assert q(settings, "SELECT vin FROM cases WHERE id = %s", case["id"]) == [{"vin": "JTDBR32E230012345"}]
    assert q(settings, "SELECT count(*) AS n FROM wa_inbound WHERE contact_id = %s", RECENT)[0]["n"] == 1
    assert cli(settings, "purge", "--days", "7").returncode == 2  # never shorter than 30 days


def test_erase_contact_keeps_warranty_records_pseudonymised_and_forgets_the_rest(client, settings):
    chat(client, ERASED, "Hola", "JTDBR32E230012345")
    [warranty] = q(settings, "SELECT id FROM cases WHERE contact_id = %s", ERASED)
    q(settings, "UPDATE cases SET odoo_id = 4242, odoo_ref = 'PV/2026/04242', warranty_status = 'eligible', "
                "decision = %s, customer_name = 'Juan' WHERE id = %s", Jsonb({"outcome": "eligible"}), warranty["id"])
    chat(client, ERASED, "cancelar", "nuevo", "Hola", "MNA-123-A")  # a second intake, never sent to Odoo
    draft = q(settings, "SELECT id FROM cases WHERE contact_id = %s AND id <> %s", ERASED, warranty["id"])[0]
    media = Path(settings.media_dir) / "ab" / "cd" / ("abcd" + "e" * 60 + ".jpg")
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(b"\xff\xd8\xff photo")
    q(settings, "INSERT INTO case_attachments (case_id, sha256, content_type, size_bytes, storage_path, source_url) "
                "VALUES (%s, %s, 'image/jpeg', 10, %s, 'https://api.twilio.com/x')",
      draft["id"], "abcd" + "e" * 60, str(media.relative_to(settings.media_dir)))

    done = cli(settings, "erase-contact", ERASED)
    assert done.returncode == 0, done.stderr
    assert "PV/2026/04242" in done.stdout and ERASED not in done.stdout
    for table in ("wa_inbound", "wa_outbox", "wa_jobs", "wa_contacts", "cases"):
        assert q(settings, f"SELECT count(*) AS n FROM {table} WHERE contact_id = %s", ERASED)[0]["n"] == 0, table
    [kept] = q(settings, "SELECT * FROM cases WHERE id = %s", warranty["id"])
    assert kept["contact_id"] == f"erased:{contact_hash(ERASED)[:16]}" and kept["customer_name"] is None
    assert (kept["vin"], kept["warranty_status"], kept["odoo_id"]) == ("JTDBR32E230012345", "eligible", 4242)
    assert q(settings, "SELECT id FROM cases WHERE id = %s", draft["id"]) == []
    assert not media.exists()
    [log] = q(settings, "SELECT * FROM privacy_erasures")
    assert log["contact_hash"] == contact_hash(ERASED) and ERASED not in str(log)
    assert q(settings, "SELECT count(*) AS n FROM wa_inbound WHERE contact_id = %s", RECENT)[0]["n"] == 1
    again = cli(settings, "erase-contact", ERASED)
    assert again.returncode == 0 and "cases_deleted=0" in again.stdout
    assert cli(settings, "erase-contact", "Juan").returncode == 2


def test_phone_numbers_never_reach_the_access_log(settings, caplog):
    caplog.set_level(logging.INFO)
    with serving(create_app(settings)) as base:
        for path in ("/admin/cases/whatsapp:+5215512345678", "/admin/cases/whatsapp%3A%2B5215512345678",
                     "/admin/cases/+5215512345678"):
            response = httpx.get(base + path, headers={"Authorization": f"Bearer {KEY}"})
            assert response.status_code == 404
    access = [r.getMessage() for r in caplog.records if r.name == "uvicorn.access"]
    assert len(access) == 3 and all("/admin/cases/" in line for line in access), access
    assert not [line for line in access if "12345678" in line or "512345" in line], access
    server_side = [r.getMessage() for r in caplog.records if r.name != "httpx"]  # httpx: this test's own client
    assert not [line for line in server_side if "5215512345678" in line]


def test_dotenv_files_are_ignored_by_git():
    for name in (".env", "docker/.env", ".env.production"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT, check=False).returncode == 0, name
