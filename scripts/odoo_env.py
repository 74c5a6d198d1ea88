#!/usr/bin/env python3
"""Find an installed Odoo 19 on this machine (used by `make test`, `make run` and the test fixtures).

Looks at $ODOO_HOME first (its Python: $ODOO_PYTHON, else $ODOO_HOME/../odoo-venv), then
/opt/odoo19 with the virtualenv /opt/odoo-venv. An Odoo counts as found only when its
odoo-bin runs and says it is 19.x.

    python3 scripts/odoo_env.py            # prints ODOO_BIN=..., ODOO_PYTHON=..., ODOO_ADDONS=...
    python3 scripts/odoo_env.py --check    # exit 0 when found and usable, 1 when none, 2 when broken

A found Odoo whose virtualenv holds a package known to break it (see ``KNOWN_BAD``) is reported as
``ODOO_PROBLEM=<one line: what is wrong and the command that fixes it>``; `make test` and `make run`
stop on that line instead of failing deep inside Odoo's log.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_HOME = Path("/opt/odoo19")
DEFAULT_VENV = Path("/opt/odoo-venv")


@dataclass(frozen=True)
class OdooInstall:
    home: Path
    python: Path
    version: str

    @property
    def odoo_bin(self) -> Path:
        return self.home / "odoo-bin"

    @property
    def addons_path(self) -> str:
        return ",".join(str(p) for p in (self.home / "addons", self.home / "odoo" / "addons", REPO / "addons"))


# (distribution, first bad major version, why). PyPDF2 3.x removed ``isEncrypted``, which
# sale_pdf_quote_builder's demo data (pulled in by sale_management) calls: the database fails to
# initialise with "DeprecationError: isEncrypted". Without PyPDF2 Odoo uses pypdf.
KNOWN_BAD = (
    ("PyPDF2", 3, "breaks sale_pdf_quote_builder's demo data (DeprecationError: isEncrypted)"),
)
_VERSIONS_SCRIPT = """
import importlib.metadata as m, sys
for name in sys.argv[1:]:
    try:
        print(name, m.version(name))
    except m.PackageNotFoundError:
        pass
"""


def venv_problems(install: OdooInstall) -> list[str]:
    """One line per known-bad package in Odoo's virtualenv, each with the command that fixes it."""
    out = subprocess.run(
        [str(install.python), "-c", _VERSIONS_SCRIPT, *(name for name, _major, _why in KNOWN_BAD)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    installed = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    problems = []
    for name, bad_major, why in KNOWN_BAD:
        version = installed.get(name)
        major = version.split(".", 1)[0] if version else ""
        if major.isdigit() and int(major) >= bad_major:
            problems.append(
                f"Odoo's virtualenv has {name} {version}, which {why}; fix: "
                f"{install.python} -m pip uninstall -y {name}"
            )
    return problems


def _candidates() -> list[tuple[Path, Path]]:
    found = []
    if os.environ.get("ODOO_HOME"):
        home = Path(os.environ["ODOO_HOME"])
        python = Path(os.environ.get("ODOO_PYTHON") or home.parent / "odoo-venv" / "bin" / "python")
        found.append((home, python))
    found.append((DEFAULT_HOME, Path(os.environ.get("ODOO_PYTHON") or DEFAULT_VENV / "bin" / "python")))
    return found


def find() -> tuple[OdooInstall | None, list[str]]:
    """The first working Odoo 19, and the reasons each candidate was passed over."""
    reasons = []
    for home, python in _candidates():
        if not (home / "odoo-bin").is_file():
            reasons.append(f"{home}: no odoo-bin")
            continue
        if not python.is_file():
            reasons.append(f"{home}: no Python at {python}")
            continue
        try:
            out = subprocess.run(
                [str(python), str(home / "odoo-bin"), "--version"],
                capture_output=True, text=True, timeout=60, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"{home}: odoo-bin --version failed ({exc})")
            continue
        version = out.stdout.strip().rpartition(" ")[2]
        if out.returncode != 0 or not version.startswith("19."):
            reasons.append(f"{home}: not Odoo 19 ({(out.stdout or out.stderr).strip()[:120]!r})")
            continue
        return OdooInstall(home, python, version), reasons
    return None, reasons


API_KEY_SCRIPT = """
import datetime
from odoo import Command
# The bridge's user is in the integration group only: not an internal user, no rights of its own
# (docs/security-odoo.md). An existing user is brought back to exactly that.
groups = [Command.set([env.ref(xmlid).id for xmlid in %(groups)r])]
user = env["res.users"].with_context(active_test=False).search([("login", "=", %(login)r)], limit=1)
if user:
    user.write({"group_ids": groups, "active": True})
else:
    user = env["res.users"].create({"name": %(user_name)r, "login": %(login)r, "group_ids": groups})
# Non-admin keys need an expiration date in Odoo 19; sudo lets it exceed the groups' maximum duration.
key = env["res.users.apikeys"].with_user(user).sudo()._generate(
    "rpc", %(key_name)r, datetime.datetime.now() + datetime.timedelta(days=%(days)d))
env.cr.commit()
print("APIKEY=" + key)
"""
INTEGRATION_GROUPS = ("postventa.group_postventa_integration",)


def write_conf(install: OdooInstall, path: Path, *, db: str, port: int, data_dir: Path, **options: object) -> Path:
    """An odoo.conf serving one database on loopback (extra ``options`` are written as they are)."""
    lines = [
        "[options]",
        f"addons_path = {install.addons_path}",
        f"data_dir = {data_dir}",
        "http_interface = 127.0.0.1",
        f"http_port = {port}",
        f"dbfilter = ^{db}$",
        "list_db = False",
        *(f"{key} = {value}" for key, value in options.items()),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def generate_api_key(install: OdooInstall, conf: Path, db: str, *, login: str, key_name: str, days: int,
                     groups: tuple[str, ...] = INTEGRATION_GROUPS, user_name: str | None = None) -> str:
    """An API key for the user ``login`` (created if missing, given exactly ``groups``: by default the
    bridge's integration group), through ``odoo-bin shell``."""
    script = API_KEY_SCRIPT % {"login": login, "user_name": user_name or f"Bridge integration ({login})",
                               "key_name": key_name, "days": days, "groups": list(groups)}
    shell = subprocess.run(
        [str(install.python), str(install.odoo_bin), "shell", "-c", str(conf), "-d", db, "--log-level=warn"],
        input=script, capture_output=True, text=True, timeout=300, check=False,
    )
    keys = [line.split("=", 1)[1].strip() for line in shell.stdout.splitlines() if line.startswith("APIKEY=")]
    if not keys:
        raise RuntimeError(f"no API key from odoo-bin shell: {(shell.stderr or shell.stdout)[-1500:]}")
    return keys[0]


def wait_http(url: str, process: subprocess.Popen, *, timeout: float = 120.0) -> None:
    """Wait until Odoo answers ``url`` (raises if the process exits or time runs out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"odoo-bin exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"Odoo did not answer {url} within {timeout:.0f} s")


def main(argv: list[str]) -> int:
    install, reasons = find()
    problems = venv_problems(install) if install else []
    if "--check" in argv:
        if problems:
            print("!!! ODOO 19 UNUSABLE — " + "; ".join(problems))
            return 2
        if install:
            print(f"Odoo {install.version} at {install.home}")
            return 0
        print("no Odoo 19 found: " + "; ".join(reasons))
        return 1
    if not install:
        print("ODOO_FOUND=0")
        print("ODOO_WHY=" + shlex.quote("; ".join(reasons)))
        return 0
    print("ODOO_FOUND=1")
    print("ODOO_HOME=" + shlex.quote(str(install.home)))
    print("ODOO_BIN=" + shlex.quote(str(install.odoo_bin)))
    print("ODOO_PYTHON=" + shlex.quote(str(install.python)))
    print("ODOO_ADDONS=" + shlex.quote(install.addons_path))
    print("ODOO_VERSION=" + shlex.quote(install.version))
    print("ODOO_PROBLEM=" + shlex.quote("; ".join(problems)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
