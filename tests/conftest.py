"""Shared fixtures: a real, fresh Postgres database per test module (created and dropped here)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest

ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/postgres")


def _url_for(dbname: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="module")
def empty_db_url() -> Iterator[str]:
    """A brand-new, empty database; dropped (forcibly) after the module's tests."""
    name = f"pv_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _url_for(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def db_url(empty_db_url: str) -> str:
    """A fresh database with every bridge migration applied."""
    from bridge.migrate import migrate

    migrate(empty_db_url)
    return empty_db_url


@pytest.fixture(params=["fake-odoo", "real-odoo"])
def backend(request):
    """The Odoo side of sync and event tests: a local JSON-2 server, then the real Odoo 19 when installed."""
    from .odoo_server import FakeBackend, real_backend

    if request.param == "fake-odoo":
        fake = FakeBackend()
        yield fake
        fake.close()
        return
    yield real_backend()
