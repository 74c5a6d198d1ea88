#!/usr/bin/env bash
# `make run` (see scripts/run_local.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/run_local.py
