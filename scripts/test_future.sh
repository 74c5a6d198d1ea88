#!/usr/bin/env bash
# The whole test command (scripts/test.sh) with every clock involved moved ahead (default a year):
# pytest, the bridge processes, Odoo and its browser tours under Debian's datefudge, against a
# throwaway Postgres cluster started under the same datefudge (its now() moves too). Proves that no
# test or demo record compares a literal date with the current one. `make test-future`;
# FUTURE_DATE="2028-02-29 18:30:00" to try a given moment (default: this moment + FUTURE_DAYS, 365).
# Arguments, if any, replace scripts/test.sh: `scripts/test_future.sh .venv/bin/pytest tests/test_events.py`.
# datefudge moves only the wall clock (time, gettimeofday, CLOCK_REALTIME): sleeps and monotonic
# timeouts keep working, which libfaketime 0.9.10 breaks for Python 3.11 (EINVAL / endless waits).
# Every process gets the same offset in seconds (datefudge's own wrapper computes it anew at each
# start, which would put Postgres and the tests a few seconds apart).
set -euo pipefail
cd "$(dirname "$0")/.."
when=${FUTURE_DATE:-$(date -u -d "+${FUTURE_DAYS:-365} days" '+%Y-%m-%d %H:%M:%S')}
port=${FUTURE_PGPORT:-5439}
lib=$(ls /usr/lib/*/datefudge/datefudge.so 2>/dev/null | head -1 || true)
if [ -z "$lib" ]; then
    echo "test-future: needs Debian's datefudge (apt-get install datefudge)"; exit 1
fi
offset=$(( $(date -u '+%s') - $(date -u -d "$when" '+%s') ))
fudged=(env LD_PRELOAD="$lib" DATEFUDGE="$offset")
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/pg-future-XXXX)
chown postgres "$dir"
as_pg() { runuser -u postgres -- "${fudged[@]}" "$@"; }
stop() {
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE ROLE root SUPERUSER LOGIN" >/dev/null
echo "test-future: clocks at $when UTC; throwaway Postgres on 127.0.0.1:$port says now() = \
$(psql -tA -h 127.0.0.1 -p "$port" -d postgres -c 'SELECT now()'), the shell says $("${fudged[@]}" date -Is)"
export PGHOST=127.0.0.1 PGPORT=$port TEST_PG_ADMIN_URL="postgresql://127.0.0.1:$port/postgres"
if [ $# -eq 0 ]; then set -- scripts/test.sh; fi
"${fudged[@]}" "$@"
