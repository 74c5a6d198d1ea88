"""The media queue and worker: Twilio media served locally (basic auth + redirect to a CDN host)."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.rows import dict_row

from bridge import db
from bridge.app import create_app
from bridge.config import Settings
from bridge.events.schemas import validate_event
from bridge.whatsapp import media_worker
from tests import fake_twilio
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, JPEG, MP4, signed_post, webhook_params

PUBLIC = "https://bridge.example.com"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fake():
    with fake_twilio.running() as server:
        yield server


@pytest.fixture(scope="module")
def settings(db_url, tmp_path_factory, fake) -> Settings:
    return Settings(database_url=db_url, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                    public_base_url=PUBLIC, media_dir=str(tmp_path_factory.mktemp("media")), media_allow_loopback=True)


@pytest.fixture(scope="module")
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


_counter = iter(range(10_000))


def send_media(client, items: list[tuple[str, str]], sender: str | None = None) -> str:
    sender = sender or f"whatsapp:+52155{next(_counter):08d}"
    response = signed_post(client, webhook_params(sender, media=items), public_url=PUBLIC)
    assert response.status_code == 200
    return sender


def q(settings, sql, *args):
    with psycopg.connect(settings.database_url, row_factory=dict_row) as conn:
        return conn.execute(sql, args).fetchall()


def jobs_of(settings, sender):
    return q(settings, "SELECT * FROM wa_jobs WHERE contact_id = %s ORDER BY id", sender)


def work_until_settled(settings, sender, timeout=15.0):
    """Run the worker in-process until this contact's jobs are done or failed (retries included)."""
    worker = media_worker.Worker(settings, lease_seconds=10, retry_base_seconds=0.01)
    deadline = time.monotonic() + timeout
    with db.connect(settings.database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            worker.run_one(conn)
            if all(j["state"] in ("done", "failed") for j in jobs_of(settings, sender)):
                return jobs_of(settings, sender)
            time.sleep(0.02)
    raise AssertionError(f"jobs did not settle: {jobs_of(settings, sender)}")


def worker_process(settings, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": settings.database_url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "MEDIA_DIR": settings.media_dir}
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", "--log-level", "WARNING", "media-worker", "--poll-interval", "0.1",
         "--retry-base-seconds", "0.05", "--no-notifier", *extra],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_download_with_credentials_then_redirect_without_them(client, settings, fake):
    url = fake.add_media(JPEG, "image/jpeg")
    sender = send_media(client, [(url, "image/jpeg")])
    [job] = work_until_settled(settings, sender)
    assert job["state"] == "done"
    digest = hashlib.sha256(JPEG).hexdigest()
    [att] = q(settings, "SELECT * FROM case_attachments WHERE sha256 = %s", digest)
    assert att["case_id"] == job["case_id"] and att["size_bytes"] == len(JPEG) and att["source_url"] == url
    stored = Path(settings.media_dir) / att["storage_path"]
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    assert att["storage_path"].startswith(f"{digest[:2]}/{digest[2:4]}/")
    assert fake.cdn_auth_headers[-1] is None  # credentials stayed with api host
    [event] = q(settings, "SELECT id::text, type, source, subject, time, data FROM events "
                          "WHERE type = 'media_processed' AND subject = %s", f"case/{job['case_id']}")
    assert event["data"]["sha256"] == digest
    envelope = {"specversion": "1.0", **event, "time": event["time"].isoformat()}
    assert validate_event(envelope) == []


def test_same_bytes_again_only_moves_last_seen(client, settings, fake):
    data = JPEG + b"again"
    sender = send_media(client, [(fake.add_media(data, "image/jpeg"), "image/jpeg")])
    send_media(client, [(fake.add_media(data, "image/jpeg"), "image/jpeg")], sender=sender)
    jobs = work_until_settled(settings, sender)
    assert [j["state"] for j in jobs] == ["done", "done"]
    [att] = q(settings, "SELECT * FROM case_attachments WHERE sha256 = %s", hashlib.sha256(data).hexdigest())
    assert att["last_seen_at"] > att["first_seen_at"]


@pytest.mark.parametrize("data, content_type, declared, reason", [
    (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "image/jpeg", "image/jpeg", "5 MB"),
    (b"<html>hola</html>", "text/html", "image/jpeg", "tipo de archivo"),
    (b"not really a jpeg", "image/jpeg", "image/jpeg", "dañado"),
])
def test_permanent_failures_ask_the_customer_to_resend(client, settings, fake, data, content_type, declared, reason):
    sender = send_media(client, [(fake.add_media(data, content_type), declared)])
    [job] = work_until_settled(settings, sender)
    assert job["state"] == "failed" and job["last_error"]
    [message] = q(settings, "SELECT body FROM wa_outbox WHERE contact_id = %s AND kind <> 'reply'", sender)
    assert "reenvías" in message["body"] and reason in message["body"]
    assert q(settings, "SELECT id FROM case_attachments WHERE case_id = %s", job["case_id"]) == []


def test_media_from_other_hosts_is_refused_without_a_request(client, settings):
    sender = send_media(client, [("https://evil.example.com/x.jpg", "image/jpeg")])
    [job] = work_until_settled(settings, sender)
    assert job["state"] == "failed" and "not allowed" in job["last_error"]


def test_transient_404_right_after_arrival_is_retried(client, settings, fake):
    url = fake.add_media(MP4, "video/mp4", not_found_times=2)
    sender = send_media(client, [(url, "video/mp4")])
    [job] = work_until_settled(settings, sender)
    assert job["state"] == "done" and job["attempts"] == 3


def test_worker_killed_mid_download_is_retried_once_in_effect(client, settings, fake):
    release = threading.Event()
    data = JPEG + os.urandom(64 * 1024)
    url = fake.add_media(data, "image/jpeg", stall=release)
    fake.stalled.clear()
    sender = send_media(client, [(url, "image/jpeg")])
    first = worker_process(settings, "--lease-seconds", "1")
    try:
        assert fake.stalled.wait(timeout=30), "the first worker never started the download"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        release.set()
    [job] = jobs_of(settings, sender)
    assert job["state"] == "running"  # left behind by the killed worker, lease running out
    second = worker_process(settings, "--lease-seconds", "5", "--until-empty")
    assert second.wait(timeout=60) == 0, second.stderr.read().decode()
    [job] = jobs_of(settings, sender)
    assert job["state"] == "done" and job["attempts"] == 2
    assert len(q(settings, "SELECT id FROM case_attachments WHERE case_id = %s", job["case_id"])) == 1
    assert len(q(settings, "SELECT id FROM events WHERE type = 'media_processed' AND subject = %s",
                 f"case/{job['case_id']}")) == 1


def test_two_workers_racing_do_each_job_once(client, settings, fake):
    sender = f"whatsapp:+52156{next(_counter):08d}"
    urls = []
    for i in range(6):
        items = [(fake.add_media(JPEG + bytes([i, j]), "image/jpeg"), "image/jpeg") for j in range(2)]
        urls += [u for u, _ in items]
        send_media(client, items, sender=sender)
    workers = [worker_process(settings, "--until-empty") for _ in range(2)]
    for w in workers:
        assert w.wait(timeout=60) == 0, w.stderr.read().decode()
    jobs = jobs_of(settings, sender)
    assert len(jobs) == 12 and {j["state"] for j in jobs} == {"done"} and {j["attempts"] for j in jobs} == {1}
    assert all(fake.media[u.rsplit("/", 1)[-1]].hits == 1 for u in urls)
    case_ids = {j["case_id"] for j in jobs}
    assert len(case_ids) == 1
    assert len(q(settings, "SELECT id FROM case_attachments WHERE case_id = %s", case_ids.pop())) == 12
    events = q(settings, "SELECT id FROM events WHERE type = 'media_processed' AND data->>'contact_id' = %s", sender)
    assert len(events) == 12


def test_failures_show_in_healthz(client, settings):
    sender = send_media(client, [("https://evil.example.com/y.jpg", "image/jpeg")])
    work_until_settled(settings, sender)
    backends = client.get("/healthz").json()["backends"]
    assert "media failed in 24 h" in backends["whatsapp"]


def test_storage_errors_are_retried_then_failed_visibly(client, settings, fake, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    broken = replace(settings, media_dir=str(not_a_dir))
    sender = send_media(client, [(fake.add_media(JPEG + b"disk", "image/jpeg"), "image/jpeg")])
    [job] = work_until_settled(broken, sender)
    assert job["state"] == "failed" and "NotADirectoryError" in job["last_error"]
    assert job["attempts"] == job["max_attempts"]
    [message] = q(settings, "SELECT body FROM wa_outbox WHERE contact_id = %s AND kind <> 'reply'", sender)
    assert "reenvías" in message["body"]


def test_the_pacer_pauses_only_while_its_thread_waits_for_a_cpu_longer_than_it_runs():
    from bridge.whatsapp import media_worker

    pacer = media_worker.CpuPacer()
    if pacer.last is None:
        pytest.skip("no /proc/thread-self/schedstat here (the load average decides)")
    ran, waited = media_worker._schedstat()
    pacer.last = (ran - 1_000_000_000, waited)  # the last item: ran 1 s, hardly waited
    assert pacer.pause() == 0.0
    ran, waited = media_worker._schedstat()
    pacer.last = (ran, waited - 20_000_000)  # the last item: waited 20 ms for a CPU, ran ~0
    assert pacer.pause() == media_worker.YIELD_S
    for _ in range(10):  # still contended: the pause doubles up to its cap
        ran, waited = media_worker._schedstat()
        pacer.last = (ran, waited - 20_000_000)
        pacer.pause()
    assert pacer.delay == media_worker.MAX_YIELD_S
    ran, waited = media_worker._schedstat()
    pacer.last = (ran - 1_000_000_000, waited)  # the CPUs are free again: no pause
    assert pacer.pause() == 0.0
