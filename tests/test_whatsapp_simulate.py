"""What a person does: `make run` + `make media-worker` + `python -m bridge simulate-whatsapp`, no cloud keys."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_simulator_completes_a_case_against_a_running_bridge(db_url, tmp_path):
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ODOO_", "POSTVENTA_TEST_"))}
    # MEDIA_ALLOW_LOOPBACK: what `make run` / `make media-worker` set without Twilio keys (the simulator's media).
    env.update(DATABASE_URL=db_url, PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", MEDIA_DIR=str(tmp_path),
               MEDIA_ALLOW_LOOPBACK="1", RAG_EMBEDDER="none")
    bridge = [sys.executable, "-m", "bridge", "--log-level", "WARNING"]
    procs = [
        subprocess.Popen([*bridge, "serve", "--port", str(port)], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen([*bridge, "media-worker", "--poll-interval", "0.1"], cwd=ROOT, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        sim = subprocess.run([*bridge, "simulate-whatsapp", "--seed-catalog", "--wait", "30",
                              "--from", "whatsapp:+5215512345678"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=90)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=15)
    assert sim.returncode == 0, sim.stdout + sim.stderr
    assert "status=complete" in sim.stdout and "2 file(s)" in sim.stdout
    with psycopg.connect(db_url) as conn:
        status, provided = conn.execute(
            "SELECT status, evidence_provided FROM cases WHERE contact_id = 'whatsapp:+5215512345678'").fetchone()
    assert status == "complete" and sorted(provided) == ["noise_video", "odometer_photo"]
