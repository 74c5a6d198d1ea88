"""JSON Schema validation of events: the CloudEvents envelope, then the per-type schema shipped in
``addons/postventa/schemas/events/<type>.json`` (a schema may describe the whole envelope or only
``data``; both are understood)."""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SCHEMAS_DIR = Path(os.environ.get("POSTVENTA_EVENT_SCHEMAS", "")) if os.environ.get("POSTVENTA_EVENT_SCHEMAS") \
    else Path(__file__).resolve().parents[2] / "addons" / "postventa" / "schemas" / "events"

ENVELOPE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["specversion", "id", "type", "source", "time", "data"],
    "properties": {
        "specversion": {"const": "1.0"},
        "id": {"type": "string", "format": "uuid",
               "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
        "type": {"type": "string", "minLength": 1},
        "source": {"type": "string", "minLength": 1},
        "time": {"type": "string", "minLength": 10},
        "subject": {"type": ["string", "null"]},
        "datacontenttype": {"type": "string"},
        "data": {"type": "object"},
    },
}
_ENVELOPE = Draft202012Validator(ENVELOPE_SCHEMA)


@lru_cache(maxsize=64)
def _validator(event_type: str, directory: str) -> tuple[Draft202012Validator, bool] | None:
    path = Path(directory) / f"{event_type}.json"
    if "/" in event_type or not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    whole_envelope = "specversion" in (schema.get("properties") or {})
    return Draft202012Validator(schema), whole_envelope


def known_types(directory: Path = SCHEMAS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.json")) if directory.is_dir() else []


def validate_event(event: dict[str, Any], directory: Path = SCHEMAS_DIR) -> list[str]:
    """Problems found (empty when the event is valid). A type without a schema gets the envelope check."""
    problems = [_describe(e) for e in _ENVELOPE.iter_errors(event)]
    if problems:
        return problems
    found = _validator(str(event["type"]), str(directory))
    if found is None:
        return []
    validator, whole = found
    return [_describe(e) for e in validator.iter_errors(event if whole else event.get("data"))]


def _describe(error) -> str:
    where = "/".join(str(p) for p in error.absolute_path) or "(root)"
    return f"{where}: {error.message[:200]}"
