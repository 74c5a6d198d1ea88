#!/usr/bin/env bash
# The addon tests with pytest (pytest-odoo 2.3.0, which runs Odoo 19; 2.1.x crashes on its
# namespace package) on an installed database: `make test-odoo-pytest [PYTEST_ARGS="-k quote -x"]`.
# The database (ODOO_TEST_DB, default pv_pytest) is created with every addon and demo data the first
# time and updated (-u) on later runs. CI keeps `odoo-bin --test-tags` (scripts/odoo_tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(python3 scripts/odoo_env.py)"
if [ -n "${ODOO_PROBLEM:-}" ]; then echo "!!! ODOO 19 UNUSABLE — ${ODOO_PROBLEM}"; exit 1; fi
if [ "${ODOO_FOUND}" != "1" ]; then echo "!!! NO ODOO 19 FOUND — ${ODOO_WHY}"; exit 1; fi
"$ODOO_PYTHON" -c "import pytest_odoo" 2>/dev/null || "$ODOO_PYTHON" -m pip install -q "pytest-odoo==2.3.0"

db=${ODOO_TEST_DB:-pv_pytest}
modules=$(for m in addons/*/__manifest__.py; do basename "$(dirname "$m")"; done | paste -sd, -)
work=.run/pytest-odoo
mkdir -p "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf="$work/odoo.conf"
cat >"$conf" <<CONF
[options]
addons_path = ${ODOO_ADDONS}
data_dir = ${PWD}/${work}/data
http_interface = 127.0.0.1
http_port = ${port}
list_db = False
max_cron_threads = 0
CONF
if psql -tA -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    echo "odoo-pytest: updating ${modules} on ${db}"
    "$ODOO_PYTHON" "$ODOO_BIN" -c "$conf" -d "$db" -u "$modules" --stop-after-init --log-level=warn
else
    echo "odoo-pytest: installing ${modules} with demo data on a new database ${db}"
    "$ODOO_PYTHON" "$ODOO_BIN" -c "$conf" -d "$db" -i "$modules" --with-demo --stop-after-init --log-level=warn
fi
paths=$(for m in ${modules//,/ }; do echo "addons/$m"; done)
# shellcheck disable=SC2086
PYTHONPATH="${ODOO_HOME}${PYTHONPATH:+:$PYTHONPATH}" exec "$ODOO_PYTHON" -m pytest -p no:cacheprovider --odoo-config="$conf" --odoo-database="$db" --odoo-http \
    ${PYTEST_ARGS:-} $paths
