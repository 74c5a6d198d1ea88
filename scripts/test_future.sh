#!/usr/bin/env bash
# The whole test command (scripts/test.sh) with every clock involved moved ahead (default a year):
# pytest, the bridge processes, Odoo and its browser tours under Debian's faketime, against a
# throwaway Postgres cluster started under the same faketime (its now() moves too). Proves that no
# test or demo record compares a literal date with the current one. `make test-future`;
# FUTURE_OFFSET=+400d (any faketime offset) to try another day, e.g. one that lands on 29 February.
set -euo pipefail
cd "$(dirname "$0")/.."
offset=${FUTURE_OFFSET:-+365d}
port=${FUTURE_PGPORT:-5439}
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1 || true)
if [ -z "$lib" ]; then
    echo "test-future: needs Debian's faketime (apt-get install faketime)"; exit 1
fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/pg-future-XXXX)
chown postgres "$dir"
fake=(env LD_PRELOAD="$lib" FAKETIME="$offset" FAKETIME_DONT_FAKE_MONOTONIC=1)
as_pg() { runuser -u postgres -- "${fake[@]}" "$@"; }
stop() {
    as_pg "$pgbin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap stop EXIT
as_pg "$pgbin/initdb" -D "$dir/data" -A trust -U postgres >/dev/null
as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
psql -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -c "CREATE ROLE root SUPERUSER LOGIN" >/dev/null
echo "test-future: faketime $offset; throwaway Postgres on 127.0.0.1:$port says now() = \
$(psql -tA -h 127.0.0.1 -p "$port" -d postgres -c 'SELECT now()::date'), the shell says $("${fake[@]}" date -I)"
export PGHOST=127.0.0.1 PGPORT=$port TEST_PG_ADMIN_URL="postgresql://127.0.0.1:$port/postgres"
"${fake[@]}" scripts/test.sh
