# postventa — developer commands. `make test` is what CI runs (.ci/run).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: venv run test test-future test-odoo-pytest lint bench eval ingest media-worker migrate sync dispatch-events clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements.txt -r requirements-dev.txt
	touch $@

## run the product on the embedded default (local Postgres; Odoo too when one is installed)
run: venv
	scripts/run.sh

## lint, static checks, addon tests on a fresh Odoo database, bridge tests (ends on pytest's summary)
test: venv
	scripts/test.sh

## the whole test command with every clock (pytest, Odoo, a throwaway Postgres) a year ahead
test-future: venv
	scripts/test_future.sh

## the addon tests with pytest-odoo on an installed database (ODOO_TEST_DB, created once if missing)
test-odoo-pytest:
	scripts/odoo_pytest.sh

lint: venv
	scripts/lint.sh

bench: venv
	scripts/bench.sh

eval: venv
	$(PY) -m bridge.rag.evaluate

ingest: venv
	$(PY) -m bridge ingest data/manuals

media-worker: venv
	$(if $(TWILIO_AUTH_TOKEN),,MEDIA_ALLOW_LOOPBACK=1) $(PY) -m bridge media-worker

migrate: venv
	$(PY) -m bridge migrate

sync: venv
	$(PY) -m bridge sync

dispatch-events: venv
	$(PY) -m bridge dispatch-events

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
