"""scripts/odoo_env.py: finding Odoo 19, and stopping at once, with the fix, on a virtualenv known to
break it (PyPDF2 >= 3 kills sale_pdf_quote_builder's demo data deep inside Odoo's log)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def fake_odoo(tmp_path: Path, pypdf2: str | None) -> dict[str, str]:
    """An ODOO_HOME whose odoo-bin says 19.0 and a real (pip-less) virtualenv holding ``PyPDF2``'s
    distribution metadata at that version, as `pip install PyPDF2==<version>` leaves it."""
    home = tmp_path / "odoo19"
    home.mkdir()
    (home / "odoo-bin").write_text('print("Odoo Server 19.0")\n')
    env_dir = tmp_path / "odoo-venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    if pypdf2:
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dist = Path(site) / f"PyPDF2-{pypdf2}.dist-info"
        dist.mkdir(parents=True)
        (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: PyPDF2\nVersion: {pypdf2}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODOO_")}
    env.update(ODOO_HOME=str(home), ODOO_PYTHON=str(python))
    return env


def discover(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "odoo_env.py"), *args], env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_pypdf2_3_is_one_clear_line_with_the_fix(tmp_path):
    env = fake_odoo(tmp_path, "3.0.1")
    out = discover(env).stdout
    assert "ODOO_FOUND=1" in out
    (problem,) = [line for line in out.splitlines() if line.startswith("ODOO_PROBLEM=")]
    assert "PyPDF2 3.0.1" in problem and "isEncrypted" in problem
    assert f"{env['ODOO_PYTHON']} -m pip uninstall -y PyPDF2" in problem
    check = discover(env, "--check")
    assert check.returncode == 2 and check.stdout.startswith("!!! ODOO 19 UNUSABLE")


@pytest.mark.parametrize("script", ["scripts/odoo_tests.sh", "scripts/run_local.py"])
def test_make_test_and_make_run_stop_at_once_on_it(tmp_path, script):
    env = fake_odoo(tmp_path, "3.0.1")
    env["DATABASE_URL"] = "postgresql://127.0.0.1:1/never-reached"  # make run stops before touching it
    command = [sys.executable, script] if script.endswith(".py") else ["bash", script]
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = [line for line in proc.stdout.splitlines() if "ODOO 19 UNUSABLE" in line]
    assert len(lines) == 1 and "pip uninstall -y PyPDF2" in lines[0], proc.stdout
    assert "installing" not in proc.stdout and "created database" not in proc.stdout


def test_pypdf2_2_and_no_pypdf2_are_fine(tmp_path):
    for version in ("2.12.1", None):
        where = tmp_path / (version or "none")
        where.mkdir()
        out = discover(fake_odoo(where, version)).stdout
        assert "ODOO_FOUND=1" in out and "ODOO_PROBLEM=''" in out, out

