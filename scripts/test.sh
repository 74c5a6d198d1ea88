#!/usr/bin/env bash
# The test command (`make test`, called by .ci/run): lint, addon tests against a real Odoo 19 when
# one is installed, then every bridge/static/end-to-end test with pytest, whose summary line ends
# the output. Exits non-zero if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

echo "== lint"
scripts/lint.sh
lint_rc=$?

echo "== Odoo addon tests"
scripts/odoo_tests.sh
odoo_rc=$?

echo "== so far: lint $([ $lint_rc -eq 0 ] && echo ok || echo FAILED), Odoo addon tests $([ $odoo_rc -eq 0 ] && echo ok || echo FAILED)"
echo "== bridge, static and end-to-end tests (pytest)"
"$VENV/bin/pytest" -q -p no:cacheprovider tests
pytest_rc=$?
[ $lint_rc -eq 0 ] && [ $odoo_rc -eq 0 ] && [ $pytest_rc -eq 0 ]
