"""Static validation of docker-compose.yml, odoo.conf and the bridge Dockerfile (no Docker engine here)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import yaml

from bridge.__main__ import VERBS

ROOT = Path(__file__).resolve().parent.parent
CONTRACT_ENV = {
    "DATABASE_URL", "ODOO_URL", "ODOO_DB", "ODOO_API_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN",
    "TWILIO_WHATSAPP_FROM", "PUBLIC_BASE_URL", "ADMIN_API_KEY", "MEDIA_PROCESSING", "MEDIA_DIR",
    "EVENT_WEBHOOK_URL", "EVENT_WEBHOOK_SECRET", "PINECONE_API_KEY", "PINECONE_INDEX",
}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_services_and_official_images():
    services = compose()["services"]
    assert {"db", "odoo", "bridge", "sync", "media-worker", "events"} <= set(services)
    assert services["odoo"]["image"] == "odoo:19.0"
    assert services["db"]["image"].startswith("pgvector/pgvector:")
    assert "./addons:/mnt/extra-addons:ro" in services["odoo"]["volumes"]
    assert "./odoo.conf:/etc/odoo/odoo.conf:ro" in services["odoo"]["volumes"]
    command = services["odoo"]["command"]
    assert "-i" in command and "postventa" in command[command.index("-i") + 1].split(",")
    for name in ("odoo", "bridge", "sync", "media-worker", "events"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_compose_installs_only_addons_that_exist():
    command = compose()["services"]["odoo"]["command"]
    for module in command[command.index("-i") + 1].split(","):
        assert (ROOT / "addons" / module / "__manifest__.py").is_file(), module


def test_bridge_services_run_real_verbs_with_contract_env():
    services = compose()["services"]
    for name in ("bridge", "sync", "media-worker", "events"):
        command = services[name]["command"]
        assert command[:3] == ["python", "-m", "bridge"]
        assert command[3] in VERBS, f"{name}: unknown verb {command[3]}"
        env = services[name]["environment"]
        assert set(env) <= CONTRACT_ENV, set(env) - CONTRACT_ENV
        assert {"DATABASE_URL", "ODOO_URL", "ODOO_DB", "ODOO_API_KEY"} <= set(env)
    build = services["bridge"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).is_file()


def test_compose_holds_no_secret_values():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for key in ("ODOO_API_KEY", "TWILIO_AUTH_TOKEN", "ADMIN_API_KEY", "EVENT_WEBHOOK_SECRET", "PINECONE_API_KEY"):
        assert re.search(rf"{key}: \$\{{{key}:-\}}", text), f"{key} must come from the environment"


def test_initdb_creates_the_bridge_database():
    sql = (ROOT / "docker/initdb/01-neon.sql").read_text(encoding="utf-8")
    assert "CREATE DATABASE neon" in sql
    assert "@db:5432/neon" in compose()["x-bridge-env"]["DATABASE_URL"]


def test_odoo_conf_matches_the_compose_mounts():
    conf = configparser.ConfigParser()
    conf.read(ROOT / "odoo.conf")
    options = conf["options"]
    paths = [p.strip() for p in options["addons_path"].split(",")]
    assert paths[0] == "/mnt/extra-addons"
    assert "/usr/lib/python3/dist-packages/odoo/addons" in paths
    assert options["list_db"] == "False"
    assert options["proxy_mode"] == "True"
    assert not any(k in options for k in ("db_password", "admin_passwd")), "secrets belong in the environment"
    assert re.fullmatch(options["dbfilter"], "postventa")
    services = compose()
    odoo_command = services["services"]["odoo"]["command"]
    assert odoo_command[odoo_command.index("-d") + 1] == "postventa"
    assert services["x-bridge-env"]["ODOO_DB"] == "postventa"


def test_bridge_dockerfile_copies_what_the_bridge_reads():
    dockerfile = (ROOT / "bridge/Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("# ") and "FROM python:3.11" in dockerfile
    for path in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
        assert (ROOT / path).exists(), f"Dockerfile copies {path}, which is not in the repository"
    assert "USER postventa" in dockerfile
