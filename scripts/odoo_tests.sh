#!/usr/bin/env bash
# Install every addon under addons/ on a fresh database (with demo data) and run their tests
# against the Odoo 19 found by scripts/odoo_env.py. Fails on any failure or error, on "0 tests", on
# any skipped test (a browser tour that could not start Chrome is a skip), and unless every browser
# tour the addons start reached "tour succeeded". Without an Odoo 19 it says so in one loud line and
# exits 0 (REQUIRE_ODOO=1, as CI sets, makes that a failure). An Odoo whose virtualenv is known to be
# broken (scripts/odoo_env.py KNOWN_BAD) stops it with one line saying how to fix it.
set -uo pipefail
cd "$(dirname "$0")/.."

eval "$(python3 scripts/odoo_env.py)"
if [ -n "${ODOO_PROBLEM:-}" ]; then
    echo "!!! ODOO 19 UNUSABLE — ${ODOO_PROBLEM}"
    exit 1
fi
if [ "${ODOO_FOUND}" != "1" ]; then
    echo "!!! NO ODOO 19 FOUND — addon tests NOT run (${ODOO_WHY}). Install it at /opt/odoo19 (+ /opt/odoo-venv) or set ODOO_HOME."
    [ "${REQUIRE_ODOO:-0}" = "1" ] && { echo "odoo: FAILED — REQUIRE_ODOO=1 and no Odoo 19"; exit 1; }
    exit 0
fi

modules=${POSTVENTA_TEST_MODULES:-$(for m in addons/*/__manifest__.py; do basename "$(dirname "$m")"; done | paste -sd, -)}
tags=$(echo "$modules" | sed 's/\([^,]*\)/\/\1/g')
db="pv_test_$(date +%s)_$$"
log="$(mktemp -t odoo-tests-XXXX.log)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { dropdb --if-exists "$db" >/dev/null 2>&1 || true; }
trap cleanup EXIT

echo "odoo: Odoo ${ODOO_VERSION} at ${ODOO_HOME}; installing ${modules} on fresh database ${db} (demo data) and testing ${tags}"
"$ODOO_PYTHON" "$ODOO_BIN" --addons-path="$ODOO_ADDONS" -d "$db" -i "$modules" --with-demo \
    --test-tags "$tags" --stop-after-init --http-port="$port" --http-interface=127.0.0.1 \
    --log-level=test --max-cron-threads=0 --no-database-list >"$log" 2>&1
rc=$?

grep -E "(ERROR|FAIL|CRITICAL)" "$log" | head -60
summary=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$log" | tail -1)
echo "odoo: ${summary:-no test summary in the log}"
echo "odoo: full log at $log"

failed=0
if [ $rc -ne 0 ]; then echo "odoo: odoo-bin exited with $rc"; failed=1; fi
if [ -z "$summary" ]; then echo "odoo: FAILED — Odoo printed no test summary"; failed=1; fi
if echo "$summary" | grep -qE " of 0 tests"; then echo "odoo: FAILED — 0 tests ran"; failed=1; fi
if echo "$summary" | grep -qvE "^.*: 0 failed, 0 error\(s\)"; then failed=1; fi
# Odoo logs every skipped test as "skipped <test> : <reason>"; a tour whose browser could not start
# is one (websocket-client missing, Chrome not found or not answering on its devtools port, ...).
skips=$(grep -E "INFO .*: skipped |websocket-client module is not installed|Chrome executable not found|Failed to detect chrome devtools port|Cannot connect to chrome dev tools|Error during Chrome (headless )?connection" "$log")
if [ -n "$skips" ]; then
    echo "$skips" | head -10
    echo "odoo: FAILED — tests were skipped (browser tours need Debian chromium and websocket-client in Odoo's venv)"
    failed=1
fi
# one "tour succeeded" per start_tour() in the tested modules' tests
expected_tours=0
for m in ${modules//,/ }; do
    n=$(cat addons/"$m"/tests/*.py 2>/dev/null | grep -cE "\bstart_tour\(")
    expected_tours=$((expected_tours + n))
done
succeeded=$(grep -c "tour succeeded" "$log")
echo "odoo: browser tours succeeded ${succeeded} of ${expected_tours}"
if [ "$succeeded" -lt "$expected_tours" ]; then
    echo "odoo: FAILED — not every browser tour ran to success"
    failed=1
fi
exit $failed
