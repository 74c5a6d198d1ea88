#!/usr/bin/env bash
# ruff on everything Python; pylint-odoo (OCA 19.0 mandatory checks) on the addons.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
echo "lint: ruff"
"$VENV/bin/ruff" check addons bridge tests bench scripts
echo "lint: pylint-odoo (OCA mandatory checks, valid-odoo-versions=19.0)"
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory addons/*/
echo "lint: ok"
