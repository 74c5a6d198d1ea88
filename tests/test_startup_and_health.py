"""What an operator reads: the start-up lines naming what is off, and the /healthz media-queue lag alert."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
from fastapi.testclient import TestClient

from bridge import db
from bridge.api.twilio import LAG_ALERT_S
from bridge.app import create_app
from bridge.config import Settings
from bridge.whatsapp import media_worker
from tests import fake_twilio
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, JPEG, signed_post, webhook_params

from .odoo_server import REPO, free_port

CLOUD = ("ODOO_", "TWILIO_", "PINECONE_", "EVENT_WEBHOOK", "ADMIN_API_KEY", "PUBLIC_BASE_URL", "MEDIA_",
         "CUSTOMER_TOKEN_SECRET")


def serve_log(db_url: str, **extra: str) -> str:
    """Start `python -m bridge serve`, read its log until uvicorn is up, stop it, return the log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(CLOUD)}
    env.update(DATABASE_URL=db_url, PYTHONPATH=str(REPO), RAG_EMBEDDER="none", **extra)
    proc = subprocess.Popen([sys.executable, "-m", "bridge", "serve", "--no-migrate", "--port", str(free_port())],
                            env=env, cwd=REPO, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "Application startup complete" in line:
                break
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return "".join(lines)


def test_start_up_says_what_is_off_and_nothing_more(db_url):
    bare = serve_log(db_url)
    off = [line.split(" off: ", 1)[1].strip() for line in bare.splitlines() if " off: " in line]
    assert [item.split(" (")[0] for item in off] == [
        "Odoo sync", "outbound WhatsApp", "Pinecone", "event webhooks to Make/n8n", "customer tokens", "admin API",
    ], bare
    assert "Application startup complete" in bare
    configured = serve_log(db_url, ADMIN_API_KEY="k" * 32, EVENT_WEBHOOK_URL="http://127.0.0.1:9/hook",
                           EVENT_WEBHOOK_SECRET="s" * 24, CUSTOMER_TOKEN_SECRET="c" * 40)
    off = [line.split(" off: ", 1)[1] for line in configured.splitlines() if " off: " in line]
    assert not any(item.startswith(("admin API", "event webhooks", "customer tokens")) for item in off), configured
    assert not any(secret in configured for secret in ("k" * 32, "s" * 24, "c" * 40))  # secrets never logged


def test_healthz_raises_the_media_lag_alert_and_clears_it(db_url, tmp_path):
    settings = Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                        public_base_url="https://bridge.example.com", media_dir=str(tmp_path))
    sender = "whatsapp:+5215511112222"
    with fake_twilio.running() as fake, TestClient(create_app(settings)) as client:
        url = fake.add_media(JPEG + b"lag", "image/jpeg")
        response = signed_post(client, webhook_params(sender, media=[(url, "image/jpeg")]),
                               public_url=settings.public_base_url)
        assert response.status_code == 200
        assert "jobs queued" not in client.get("/healthz").json()["backends"]["whatsapp"]
        with psycopg.connect(db_url) as conn:  # the job has waited past the alert threshold
            aged = conn.execute(
                "UPDATE wa_jobs SET created_at = now() - make_interval(secs => %s) WHERE state = 'queued' "
                "AND contact_id = %s RETURNING id", (LAG_ALERT_S + 60, sender),
            ).fetchall()
        assert aged
        whatsapp = client.get("/healthz").json()["backends"]["whatsapp"]
        assert "jobs queued, oldest" in whatsapp and "is media-worker running?" in whatsapp
        worker = media_worker.Worker(settings, lease_seconds=10, retry_base_seconds=0.01)
        with db.connect(settings.database_url, autocommit=True) as conn:
            while worker.run_one(conn):
                pass
        assert "jobs queued" not in client.get("/healthz").json()["backends"]["whatsapp"]
