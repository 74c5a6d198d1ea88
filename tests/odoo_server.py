"""A real Odoo 19 for the sync tests, when ``scripts/odoo_env.py`` finds one (else the fake JSON-2 server).

``shared_odoo()`` builds, once per test session: a fresh Odoo database with ``addons/postventa``
installed, an integration user in ``postventa.group_postventa_integration`` with an API key
(``res.users.apikeys._generate`` via ``odoo-bin shell``) for the bridge, a postventa administrator's key
for the tests' own look-ups (the bridge's user may read nothing directly), and ``odoo-bin`` serving HTTP on a free
loopback port. It is stopped and the database dropped at exit. ``RealOdoo``/``FakeBackend`` give
the tests one vocabulary for both ("what does Odoo hold for this Neon id", "decide this case").
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bridge.config import Settings
from bridge.odoo import OdooClient, OdooError

from .fake_odoo import API_KEY, DB, FakeOdoo, default_faults

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")
PG_PORT = psycopg.conninfo.conninfo_to_dict(PG_ADMIN).get("port") or 5432
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _odoo_env():
    """scripts/odoo_env.py, which finds Odoo 19 and starts local servers for `make run` too."""
    if "odoo_env" not in sys.modules:
        spec = importlib.util.spec_from_file_location("odoo_env", REPO / "scripts" / "odoo_env.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["odoo_env"] = module
        spec.loader.exec_module(module)
    return sys.modules["odoo_env"]


def _odoo_install():
    return _odoo_env().find()


@dataclass
class OdooServer:
    url: str
    db: str
    key: str
    staff_key: str
    process: subprocess.Popen
    workdir: str
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


_server: OdooServer | None = None
_failure: str | None = None


def shared_odoo() -> tuple[OdooServer | None, str]:
    """The session's real Odoo (started on first use), or None and why not."""
    global _server, _failure
    if _server is not None or _failure is not None:
        return _server, _failure or ""
    if os.environ.get("POSTVENTA_TESTS_NO_ODOO"):
        _failure = "POSTVENTA_TESTS_NO_ODOO is set"
        return None, _failure
    install, reasons = _odoo_install()
    if install is None:
        _failure = "no Odoo 19: " + "; ".join(reasons)
        return None, _failure
    problems = _odoo_env().venv_problems(install)
    if problems:
        _failure = "Odoo 19 unusable: " + "; ".join(problems)
        return None, _failure
    if not (REPO / "addons" / "postventa" / "__manifest__.py").is_file():
        _failure = "addons/postventa is not there yet"
        return None, _failure
    try:
        _server = _start(install)
        atexit.register(_server.stop)
    except Exception as exc:  # noqa: BLE001 - reported as the skip reason
        _failure = f"could not start Odoo with postventa: {exc}"
    return _server, _failure or ""


# A developer's shortcut (never set by the test command or CI): POSTVENTA_TEST_ODOO_TEMPLATE=<name> keeps a copy
# of the freshly installed database (and its filestore) under that name and starts later sessions from a copy
# of it instead of installing again. Drop it (dropdb <name>) whenever the addons' data or models change.
TEMPLATE = os.environ.get("POSTVENTA_TEST_ODOO_TEMPLATE", "")
TEMPLATE_FILES = Path(tempfile.gettempdir()) / "postventa-test-odoo-template"
MODULES = "postventa,postventa_purchase"


def _install_or_copy(base: list[str], db: str, data_dir: Path) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        have = TEMPLATE and admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone()
        if have:
            admin.execute(f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE}"')
            if (TEMPLATE_FILES / TEMPLATE).is_dir():
                shutil.copytree(TEMPLATE_FILES / TEMPLATE, data_dir / "filestore" / db)
            return
    init = subprocess.run([*base, "-i", MODULES, "--with-demo", "--stop-after-init"], capture_output=True,
                          text=True, timeout=1200, check=False)
    if init.returncode != 0:
        raise RuntimeError(f"install failed: {(init.stderr or init.stdout)[-1500:]}")
    if TEMPLATE:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE "{db}"')
        if (data_dir / "filestore" / db).is_dir():
            shutil.rmtree(TEMPLATE_FILES / TEMPLATE, ignore_errors=True)
            shutil.copytree(data_dir / "filestore" / db, TEMPLATE_FILES / TEMPLATE)


def _start(install) -> OdooServer:
    odoo_env = _odoo_env()
    workdir = tempfile.mkdtemp(prefix="pv-odoo-")
    db = f"pv_odoo_{uuid.uuid4().hex[:10]}"
    port = free_port()
    conf = odoo_env.write_conf(
        install, Path(workdir) / "odoo.conf", db=db, port=port, data_dir=Path(workdir) / "data",
        db_host="127.0.0.1", db_port=PG_PORT, db_user="root", db_password="False", workers=0, max_cron_threads=0,
        log_level="warn",
    )
    base = [str(install.python), str(install.odoo_bin), "-c", str(conf), "-d", db]
    log_path = Path(workdir) / "odoo.log"
    process = None
    try:
        _install_or_copy(base, db, Path(workdir) / "data")
        key = odoo_env.generate_api_key(install, conf, db, login=f"bridge-{db}", key_name="bridge tests", days=1)
        staff_key = odoo_env.generate_api_key(
            install, conf, db, login=f"oracle-{db}", key_name="test look-ups", days=1, user_name="Test oracle",
            groups=("base.group_user", "postventa.group_postventa_admin"),
        )
        log = log_path.open("w")
        process = subprocess.Popen([*base, "--logfile", str(log_path)], stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            odoo_env.wait_http(f"{url}/web/login", process)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {log_path.read_text()[-1500:]}") from exc
    except BaseException:
        if process is not None:
            process.kill()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return OdooServer(url, db, key, staff_key, process, workdir, log_path)


@dataclass
class WorkerOdoo:
    """A second ``odoo-bin`` serving the shared test database in prefork mode (``--workers N``)."""
    url: str
    process: subprocess.Popen
    log_path: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_workers_odoo(server: OdooServer, workers: int = 2) -> WorkerOdoo:
    """Serve the shared Odoo's database with ``workers`` HTTP worker processes on another free port (the
    scale-out test: several bridge processes against a multi-worker Odoo). Same database and API keys as
    ``server``; no cron workers. The caller stops it (``WorkerOdoo.stop``); the database is dropped with the
    shared server's."""
    install, _reasons = _odoo_install()
    port, gevent_port = free_port(), free_port()
    conf = _odoo_env().write_conf(
        install, Path(server.workdir) / f"odoo-workers-{port}.conf", db=server.db, port=port,
        data_dir=Path(server.workdir) / "data", db_host="127.0.0.1", db_port=PG_PORT, db_user="root",
        db_password="False", workers=workers, max_cron_threads=0, gevent_port=gevent_port, log_level="warn",
        limit_time_real=600, limit_time_cpu=300, limit_request=100000,
    )
    log_path = Path(server.workdir) / f"odoo-workers-{port}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([str(install.python), str(install.odoo_bin), "-c", str(conf), "-d", server.db,
                                    "--logfile", str(log_path)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _odoo_env().wait_http(f"{url}/web/login", process)
    except BaseException:
        process.kill()
        raise
    return WorkerOdoo(url, process, log_path)


# ----- one vocabulary for tests over the fake and the real Odoo -----------------------------------

class FakeBackend:
    label = "fake-odoo"

    def __init__(self) -> None:
        self.fake = FakeOdoo().start()
        self.fake.faults = default_faults()
        self.url, self.db, self.key = self.fake.url, DB, API_KEY

    def close(self) -> None:
        self.fake.stop()

    def settings(self, database_url: str, **extra) -> Settings:
        return Settings(database_url=database_url, odoo_url=self.url, odoo_db=self.db, odoo_api_key=self.key,
                        **extra)

    def cases(self, neon_ids: list[int]) -> dict[int, dict]:
        found = {}
        for neon_id in neon_ids:
            case = self.fake.case_for(neon_id)
            if case:
                found[neon_id] = {"id": case["id"], "vin": case["vin"], "odo_km": case["odo_km"],
                                  "description": case["description"],
                                  "attachments": len(case["attachment_hashes"]),
                                  "warranty_status": case["warranty_status"]}
        return found

    def decide(self, neon_id: int) -> str:
        self.fake.decide(neon_id, "eligible")
        return "eligible"

    def event_states(self, event_ids: list[str]) -> dict[str, str]:
        return {e: self.fake.deliveries[e]["state"] for e in event_ids if e in self.fake.deliveries}


class RealBackend:
    label = "real-odoo"

    def __init__(self, server: OdooServer) -> None:
        self.server = server
        self.url, self.db, self.key = server.url, server.db, server.key

    def close(self) -> None:
        pass

    def settings(self, database_url: str, **extra) -> Settings:
        return Settings(database_url=database_url, odoo_url=self.url, odoo_db=self.db, odoo_api_key=self.key,
                        **extra)

    def client(self) -> OdooClient:
        """As a person at the dealer (a postventa administrator): the tests' look-ups and decisions. The
        bridge's own key may only call the bridge methods."""
        settings = Settings(database_url="postgresql://unused/x", odoo_url=self.url, odoo_db=self.db,
                            odoo_api_key=self.server.staff_key)
        return OdooClient(settings, retries=1)

    def cases(self, neon_ids: list[int]) -> dict[int, dict]:
        with self.client() as odoo:
            rows = odoo.call("postventa.case", "search_read", domain=[["neon_id", "in", neon_ids]],
                             fields=["neon_id", "vin_reported", "odometer_km", "description", "warranty_status",
                                     "attachment_count"])
        found: dict[int, dict] = {}
        for r in rows:
            if r["neon_id"] in found:
                raise AssertionError(f"two Odoo cases for Neon id {r['neon_id']}")
            found[r["neon_id"]] = {"id": r["id"], "vin": r["vin_reported"] or None, "odo_km": r["odometer_km"],
                                   "description": r["description"] or None, "attachments": r["attachment_count"],
                                   "warranty_status": r["warranty_status"] or "pending"}
        return found

    def decide(self, neon_id: int) -> str:
        with self.client() as odoo:
            ids = odoo.call("postventa.case", "search", domain=[["neon_id", "=", neon_id]])
            odoo.call("postventa.case", "action_evaluate_warranty", ids=ids)
            (row,) = odoo.call("postventa.case", "read", ids=ids, fields=["warranty_status"])
        return row["warranty_status"]

    def event_states(self, event_ids: list[str]) -> dict[str, str]:
        with self.client() as odoo:
            rows = odoo.call("postventa.event", "search_read", domain=[["event_uuid", "in", event_ids]],
                             fields=["event_uuid", "state"])
        return {r["event_uuid"]: r["state"] for r in rows}


def real_backend() -> RealBackend:
    """The real Odoo backend, or skip the test — or fail it when ``REQUIRE_ODOO=1`` (CI sets it), so a
    machine that lost its Odoo cannot turn the real-Odoo tests into a green run of skips."""
    import pytest

    backend, why = real_backend_or_reason()
    if backend is None:
        if os.environ.get("REQUIRE_ODOO") == "1":
            pytest.fail(f"REQUIRE_ODOO=1 but the real Odoo is unavailable: {why}")
        pytest.skip(f"real Odoo unavailable: {why}")
    return backend


def real_backend_or_reason() -> tuple[RealBackend | None, str]:
    server, why = shared_odoo()
    if server is None:
        return None, why
    try:
        with OdooClient(Settings(odoo_url=server.url, odoo_db=server.db, odoo_api_key=server.key)) as odoo:
            odoo.call("postventa.case", "bridge_changes", since=None, limit=1, after_id=0)
    except OdooError as exc:
        return None, f"Odoo is up but the bridge contract is not usable yet: {exc}"
    return RealBackend(server), ""


# ----- fresh Neon databases (a migrated template, copied per test) -------------------------------

_template: str | None = None
_db_counter = 0


def _admin_url_for(name: str) -> str:
    return f"{PG_ADMIN.rpartition('/')[0]}/{name}"


def fresh_neon_db() -> str:
    """A new migrated database whose case ids start at a unique offset, so several Neon databases
    can share one Odoo (which keys cases on the Neon id) without colliding. Drop with drop_db()."""
    global _template, _db_counter
    from bridge.migrate import migrate

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        if _template is None:
            name = f"pv_tmpl_{uuid.uuid4().hex[:10]}"
            admin.execute(f'CREATE DATABASE "{name}"')
            migrate(_admin_url_for(name))
            _template = name
            atexit.register(drop_db, _admin_url_for(name))
        _db_counter += 1
        name = f"pv_test_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_template}"')
    url = _admin_url_for(name)
    offset = (os.getpid() % 1000) * 1_000_000 + _db_counter * 10_000
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT setval(pg_get_serial_sequence('cases', 'id'), %s)", (offset,))
    return url


def drop_db(url: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')
