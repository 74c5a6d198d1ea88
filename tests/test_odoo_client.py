"""The JSON-2 client over real HTTP: retries what is transient, never retries a refusal, says what
failed and where, and never lets the API key out."""

from __future__ import annotations

import pytest

from bridge.config import Settings
from bridge.odoo import OdooAuthError, OdooClient, OdooError, OdooNotConfigured, OdooUnavailable, retry_delay

from .odoo_server import FakeBackend, free_port


@pytest.fixture
def fake():
    backend = FakeBackend()
    yield backend
    backend.close()


def client_for(fake, **kw) -> tuple[OdooClient, list[float]]:
    sleeps: list[float] = []
    return OdooClient(fake.settings("postgresql://x/y"), sleep=sleeps.append, **kw), sleeps


def test_call_returns_the_raw_result(fake):
    client, sleeps = client_for(fake)
    with client:
        assert client.call("postventa.fault", "bridge_catalog")[0]["code"] == "FRN-001"
        client.ping()
    assert sleeps == []


def test_5xx_and_429_are_retried_with_growing_backoff(fake):
    fake.fake.fail_script = [502, 503, 429]
    client, sleeps = client_for(fake, retries=4, backoff_base=1.0)
    with client:
        assert client.call("postventa.event", "bridge_pull", after_id=0) == []
    assert len(sleeps) == 3 and sleeps == sorted(sleeps) and sleeps[0] >= 0.5


def test_gives_up_after_the_retries_with_status_and_message(fake):
    fake.fake.fail_status = 503
    client, sleeps = client_for(fake, retries=2)
    with client, pytest.raises(OdooUnavailable) as info:
        client.call("postventa.case", "bridge_changes")
    assert info.value.status == 503 and len(sleeps) == 2
    assert "postventa.case/bridge_changes" in str(info.value) and "answering 503" in str(info.value)


@pytest.mark.parametrize("status", [401, 403])
def test_auth_refusals_are_not_retried_and_do_not_leak_the_key(fake, status):
    fake.fake.fail_status = status
    client, sleeps = client_for(fake)
    with client, pytest.raises(OdooAuthError) as info:
        client.call("postventa.case", "bridge_changes")
    assert sleeps == [] and info.value.status == status
    assert fake.key not in str(info.value) and fake.key not in repr(info.value.args)


def test_wrong_key_is_an_auth_error(fake):
    settings = Settings(odoo_url=fake.url, odoo_db=fake.db, odoo_api_key="not-the-key")
    with OdooClient(settings, sleep=lambda _s: None) as client, pytest.raises(OdooAuthError) as info:
        client.call("postventa.case", "bridge_changes")
    assert "Invalid apikey" in str(info.value) and "not-the-key" not in str(info.value)


def test_other_4xx_is_raised_at_once_with_odoos_message(fake):
    client, sleeps = client_for(fake)
    with client, pytest.raises(OdooError) as info:
        client.call("postventa.case", "bridge_upsert_cases", records=[{"neon_id": 1}] * 501)
    assert info.value.status == 422 and "at most 500" in info.value.message and sleeps == []
    assert not isinstance(info.value, OdooUnavailable)
    client, _ = client_for(fake)
    with client, pytest.raises(OdooError) as info:
        client.call("postventa.case", "no_such_method")
    assert info.value.status == 404


def test_connection_refused_is_unavailable_after_retries():
    settings = Settings(odoo_url=f"http://127.0.0.1:{free_port()}", odoo_db="x", odoo_api_key="secret-key-xyz")
    sleeps: list[float] = []
    with OdooClient(settings, retries=3, sleep=sleeps.append) as client, pytest.raises(OdooUnavailable) as info:
        client.call("res.users", "context_get")
    assert info.value.status is None and len(sleeps) == 3
    assert "unreachable" in str(info.value) and "secret-key-xyz" not in str(info.value)


def test_slow_odoo_times_out_as_unavailable(fake):
    fake.fake.latency = 1.0
    client, _ = client_for(fake, retries=0, timeout=0.2)
    with client, pytest.raises(OdooUnavailable) as info:
        client.call("res.users", "context_get")
    assert "Timeout" in str(info.value)


def test_not_configured_and_backoff_math():
    with pytest.raises(OdooNotConfigured):
        OdooClient(Settings(odoo_url="http://x"))
    assert [retry_delay(n, base=1, cap=10) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]
    assert retry_delay(3, base=1, cap=10, jitter=0.5) == 3.0


def test_real_odoo_refusals_are_read_correctly():
    from .odoo_server import real_backend

    real = real_backend()
    wrong = Settings(odoo_url=real.url, odoo_db=real.db, odoo_api_key="0" * 40)
    with OdooClient(wrong, sleep=lambda _s: None) as client, pytest.raises(OdooAuthError) as info:
        client.call("postventa.case", "bridge_changes")
    assert info.value.status == 401 and "0" * 40 not in str(info.value)
    with OdooClient(real.settings("postgresql://x/y"), sleep=lambda _s: None) as client:
        with pytest.raises(OdooError) as info:
            client.call("postventa.case", "no_such_method")
        assert info.value.status == 404 and not isinstance(info.value, OdooUnavailable)
        with pytest.raises(OdooError) as info:
            client.call("postventa.case", "bridge_upsert_cases", records=[{"neon_id": 1}] * 501)
        assert 400 <= info.value.status < 500 and "500" in info.value.message
        assert client.call("postventa.case", "bridge_upsert_cases", records=[{"neon_id": -1}]) == [
            {"neon_id": -1, "error": "neon_id must be a positive integer"}]
