#!/usr/bin/env bash
# `make bench`: every benchmark in bench/, each printing its numbers and its ratio to the naive way.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
for bench in bench/bench_*.py; do
    echo "== $bench"
    .venv/bin/python "$bench" || status=1
done
exit $status
