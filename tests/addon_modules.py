"""Import the addons' plain-Python modules by path, without Odoo (they have no Odoo imports)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ADDONS = Path(__file__).resolve().parent.parent / "addons"


def load(relative: str, name: str):
    """Load ``addons/<relative>`` as module ``name`` (cached in sys.modules)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ADDONS / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses need the module registered while executing
    spec.loader.exec_module(module)
    return module
