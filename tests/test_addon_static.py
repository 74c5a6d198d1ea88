"""Static checks of every addon: manifest, data files, XML, access rules, translations, schemas."""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import polib
import pytest
from lxml import etree

ADDONS = Path(__file__).resolve().parent.parent / "addons"
MODULES = sorted(p.parent for p in ADDONS.glob("*/__manifest__.py"))
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]")


def manifest(module: Path) -> dict:
    return ast.literal_eval((module / "__manifest__.py").read_text(encoding="utf-8"))


def test_there_are_addons():
    assert "postventa" in [m.name for m in MODULES]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_manifest(module):
    data = manifest(module)
    assert re.fullmatch(r"19\.0\.\d+\.\d+\.\d+", data["version"]), data["version"]
    assert data["license"] in {"LGPL-3", "AGPL-3"}
    for key in ("name", "summary", "author", "website", "category", "depends", "data"):
        assert data.get(key), f"{module.name}: manifest key {key} missing"
    for relative in data.get("data", []) + data.get("demo", []):
        assert (module / relative).is_file(), f"{module.name}: {relative} listed but missing"
    assert (module / "README.rst").is_file()
    assert (module / "static/description/icon.png").is_file() or not data.get("application")


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_every_xml_parses_and_uses_odoo19_syntax(module):
    for path in module.rglob("*.xml"):
        tree = etree.parse(str(path))
        assert not tree.xpath("//tree"), f"{path}: <tree> is gone in Odoo 19, use <list>"
        assert not tree.xpath("//*[@attrs or @states]"), f"{path}: attrs/states are gone in Odoo 19"
        ids = [r.get("id") for r in tree.xpath("//record|//menuitem") if r.get("id")]
        assert len(ids) == len(set(ids)), f"{path}: duplicate xml ids"


def _model_names(module: Path) -> set[str]:
    names = set()
    for path in (module / "models").glob("*.py") if (module / "models").is_dir() else []:
        names |= set(re.findall(r'^\s+_name = "([a-z0-9_.]+)"', path.read_text(encoding="utf-8"), re.M))
    for path in (module / "wizards").glob("*.py") if (module / "wizards").is_dir() else []:
        names |= set(re.findall(r'^\s+_name = "([a-z0-9_.]+)"', path.read_text(encoding="utf-8"), re.M))
    return names


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_every_model_has_access_rules(module):
    models = _model_names(module)
    access = module / "security" / "ir.model.access.csv"
    if not models:
        return
    with access.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate access ids"
    covered = {row["model_id:id"].split(".")[-1] for row in rows}
    missing = {m for m in models if "model_" + m.replace(".", "_") not in covered}
    assert not missing, f"models without access rules: {sorted(missing)}"


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_es_mx_translation_is_complete_and_compiles(module):
    pot_path = module / "i18n" / f"{module.name}.pot"
    po_path = module / "i18n" / "es_MX.po"
    assert pot_path.is_file() and po_path.is_file()
    pot, po = polib.pofile(str(pot_path)), polib.pofile(str(po_path))
    translated = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    missing = [e.msgid for e in pot if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f"{len(missing)} labels not in es_MX.po, e.g. {missing[:5]}"
    untranslated = [e.msgid for e in po.untranslated_entries()]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not po.fuzzy_entries(), "fuzzy entries left"
    for entry in po.translated_entries():
        assert sorted(PLACEHOLDER.findall(entry.msgid)) == sorted(PLACEHOLDER.findall(entry.msgstr)), entry.msgid
    result = subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(po_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def _schemas():
    return sorted(ADDONS.glob("*/schemas/**/*.json"))


@pytest.mark.parametrize("path", _schemas(), ids=lambda p: p.name)
def test_json_schemas_are_valid(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    if path.parent.name == "events":
        assert schema["properties"]["type"]["const"] == path.stem
        assert set(schema["required"]) >= {"specversion", "id", "type", "source", "time", "data"}
