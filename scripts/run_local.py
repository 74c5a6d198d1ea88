#!/usr/bin/env python3
"""`make run`: the product on the embedded default, on this machine.

- the channel store ("Neon") is the local Postgres database of DATABASE_URL (created if missing,
  migrated);
- when an Odoo 19 is installed (scripts/odoo_env.py), Odoo runs with the postventa addons on a
  local database with demo data, and the bridge gets an API key for it (kept in .run/);
- the bridge web app and the media worker (it also runs the WhatsApp conversations the webhook queues),
  plus the sync loop and the event dispatcher when Odoo runs.
Stops everything on Ctrl-C. Ports: BRIDGE_PORT (8000), ODOO_HTTP_PORT (8069).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / ".run"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import odoo_env  # noqa: E402
import psycopg  # noqa: E402

from bridge.config import DEFAULT_DATABASE_URL  # noqa: E402

ODOO_DB = os.environ.get("ODOO_DB") or "postventa_odoo"
BRIDGE_PORT = int(os.environ.get("BRIDGE_PORT", "8000"))
DEMO_CUSTOMER = "whatsapp:+5215550000001"  # make run prints this customer's link to the app
ODOO_PORT = int(os.environ.get("ODOO_HTTP_PORT", "8069"))
def say(message: str) -> None:
    print(f"[make run] {message}", flush=True)


def ensure_database(url: str) -> None:
    dbname = psycopg.conninfo.conninfo_to_dict(url).get("dbname")
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')
            say(f"created database {dbname}")


def odoo_database_exists() -> bool:
    with psycopg.connect("dbname=postgres host=127.0.0.1", autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (ODOO_DB,)).fetchone())


def unfinished_modules(dbname: str, modules: list[str]) -> list[str]:
    """Our addons that are not installed in ``dbname`` (all of them when Odoo's tables are missing):
    what a first `make run` that failed half-way leaves behind (Odoo commits module by module)."""
    with psycopg.connect(f"dbname={dbname} host=127.0.0.1", autocommit=True) as conn:
        if not conn.execute("SELECT to_regclass('ir_module_module')").fetchone()[0]:
            return list(modules)
        installed = {name for (name,) in conn.execute(
            "SELECT name FROM ir_module_module WHERE name = ANY(%s) AND state = 'installed'", (modules,))}
    return [name for name in modules if name not in installed]


def drop_database(dbname: str) -> None:
    with psycopg.connect("dbname=postgres host=127.0.0.1", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def stop_children(children: list[subprocess.Popen], grace: float = 5.0) -> None:
    """Stop every child within about ``grace`` seconds: SIGTERM to all at once, then a second SIGTERM
    (Odoo's forced shutdown) and finally SIGKILL for whatever still runs."""
    running = [child for child in children if child.poll() is None]
    for child in running:
        child.terminate()
    deadline = time.monotonic() + grace
    for child in running:
        try:
            child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.terminate()
    for child in running:
        try:
            child.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def start_odoo(install) -> tuple[subprocess.Popen, dict[str, str]]:
    RUN.mkdir(exist_ok=True)
    conf = odoo_env.write_conf(install, RUN / "odoo.conf", db=ODOO_DB, port=ODOO_PORT, data_dir=RUN / "odoo-data",
                               max_cron_threads=1)
    base = [str(install.python), str(install.odoo_bin), "-c", str(conf), "-d", ODOO_DB]
    key_file = RUN / "odoo_api_key"
    modules = [p.parent.name for p in sorted((ROOT / "addons").glob("*/__manifest__.py"))]
    if odoo_database_exists() and (missing := unfinished_modules(ODOO_DB, modules)):
        say(f"database {ODOO_DB} is half-installed (not installed: {', '.join(missing)}), probably from an "
            "interrupted or failed first run: dropping it and installing again from scratch")
        drop_database(ODOO_DB)
    if not odoo_database_exists():
        say(f"installing {','.join(modules)} with demo data on database {ODOO_DB} (a few minutes, once)")
        subprocess.run([*base, "-i", ",".join(modules), "--with-demo", "--stop-after-init", "--log-level=warn"],
                       check=True)
        key_file.unlink(missing_ok=True)
    else:
        subprocess.run([*base, "-u", "postventa", "--stop-after-init", "--log-level=warn"], check=True)
    if not key_file.exists():
        key_file.write_text(odoo_env.generate_api_key(install, conf, ODOO_DB, login="bridge", key_name="make run",
                                                      days=90))
        key_file.chmod(0o600)
    log = (RUN / "odoo.log").open("a")
    process = subprocess.Popen([*base, "--logfile", str(RUN / "odoo.log")], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{ODOO_PORT}"
    try:
        odoo_env.wait_http(f"{url}/web/login", process, timeout=120)
    except RuntimeError as exc:
        raise SystemExit(f"{exc}; see {RUN / 'odoo.log'}") from None
    return process, {"ODOO_URL": url, "ODOO_DB": ODOO_DB, "ODOO_API_KEY": key_file.read_text().strip()}


def main() -> int:
    install, reasons = odoo_env.find()
    problems = odoo_env.venv_problems(install) if install else []
    if problems:
        say("!!! ODOO 19 UNUSABLE — " + "; ".join(problems))
        return 1
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{BRIDGE_PORT}")
    if not env.get("TWILIO_AUTH_TOKEN"):  # the simulator serves its photos from loopback (docs/security.md)
        env.setdefault("MEDIA_ALLOW_LOOPBACK", "1")
    if not env.get("ADMIN_API_KEY"):
        RUN.mkdir(exist_ok=True)
        key_file = RUN / "admin_api_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(32))
            key_file.chmod(0o600)
        env["ADMIN_API_KEY"] = key_file.read_text().strip()
    if not env.get("CUSTOMER_TOKEN_SECRET"):  # signs the customer app's links (docs/pwa.md)
        RUN.mkdir(exist_ok=True)
        secret_file = RUN / "customer_token_secret"
        if not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        env["CUSTOMER_TOKEN_SECRET"] = secret_file.read_text().strip()
    ensure_database(env["DATABASE_URL"])
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "-m", "bridge", "migrate"], env=env, check=True, cwd=ROOT)

    children: list[subprocess.Popen] = []
    if install:
        odoo, odoo_vars = start_odoo(install)
        children.append(odoo)
        env.update(odoo_vars)
    else:
        say("!!! no Odoo 19 found — running the bridge alone (" + "; ".join(reasons) + ")")

    def bridge(*verb: str) -> subprocess.Popen:
        return subprocess.Popen([python, "-m", "bridge", *verb], env=env, cwd=ROOT)

    children.append(bridge("serve", "--host", "127.0.0.1", "--port", str(BRIDGE_PORT), "--no-migrate"))
    children.append(bridge("media-worker"))  # WhatsApp: the queued conversations, media downloads, notifier
    if install:
        children.append(bridge("sync"))
        children.append(bridge("dispatch-events"))
    time.sleep(2)
    say("running:")
    say(f"  bridge      http://127.0.0.1:{BRIDGE_PORT}/docs   (health: /healthz)")
    say(f"  admin API   Authorization: Bearer {env['ADMIN_API_KEY']}   (kept in .run/admin_api_key)")
    if install:
        say(f"  Odoo        http://127.0.0.1:{ODOO_PORT}   login admin / admin   (database {ODOO_DB}, demo data)")
        say("              demo staff: asesor / asesor (advisor), garantias / garantias (warranty manager),")
        say("              compras / compras (purchasing approver) — Spanish, Mexico City time (README)")
    say("  WhatsApp    .venv/bin/python -m bridge simulate-whatsapp --help   (the media worker runs here)")
    say("  manuals     make ingest   (then POST /query_hybrid)")
    demo = subprocess.run([python, "-m", "bridge", "--log-level", "WARNING", "app-link", DEMO_CUSTOMER, "--demo"],
                          env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    say(f"  customer app {demo.stdout.strip() or demo.stderr.strip()}   (demo customer {DEMO_CUSTOMER}; docs/pwa.md)")
    say("Ctrl-C stops everything.")

    def stop(*_args) -> None:
        stop_children(children)
        raise SystemExit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while True:
        for child in children:
            if child.poll() is not None:
                say(f"a process exited ({child.args[:4]}, code {child.returncode}); stopping")
                stop()
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
