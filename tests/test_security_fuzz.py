"""Property-based fuzzing of the bridge's whole OpenAPI (schemathesis, pinned in requirements-dev.txt):
every operation, with and without the admin key, never answers 5xx, for valid and invalid inputs alike.
The webhook is fuzzed with random forms carrying real Twilio signatures (``twilio.request_validator.RequestValidator``).

Bounded and derandomized (the same examples every run) so it stays well under a minute in ``make test``.
Odoo is a local JSON-2 server (tests/test_spareparts_api.py); the channel store is a real Postgres.
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from twilio.request_validator import RequestValidator

from bridge.app import create_app
from bridge.config import Settings
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN
from tests.test_spareparts_api import API_KEY, DB, Json2Server

PUBLIC = "https://bridge.example.com"
ADMIN_KEY = "admin-key-for-the-fuzzer-0123456789"
EXAMPLES = 20
FUZZ = hsettings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def app(db_url, tmp_path_factory):
    odoo = Json2Server()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAG_EMBEDDER", "none")  # BM25 only: the fuzzer exercises the route, not the embedder
        settings = Settings(database_url=db_url, odoo_url=odoo.url, odoo_db=DB, odoo_api_key=API_KEY,
                            admin_api_key=ADMIN_KEY, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
                            public_base_url=PUBLIC, media_dir=str(tmp_path_factory.mktemp("media")))
        application = create_app(settings)
        with TestClient(application):  # lifespan: the pool stays open for the whole module
            yield application
    odoo.stop()


@pytest.mark.parametrize("with_key", [False, True], ids=["anonymous", "admin-key"])
def test_no_operation_of_the_openapi_answers_5xx(app, with_key):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"} if with_key else {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/admin/cases", "/admin/cases/{contact}", "/admin/events",
                                               "/spareparts", "/query_hybrid", "/healthz", "/twilio/whatsapp"}
    failures: list[str] = []
    for operation in operations:

        @FUZZ
        @given(case=st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                              operation.as_strategy(GenerationMode.NEGATIVE)))
        def check(case):
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.as_curl_command()}")

        check()
    assert not failures, "\n".join(failures[:10])


FIELD = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80)
FORMS = st.fixed_dictionaries(
    {"MessageSid": st.one_of(st.just("SM" + "a" * 32), st.from_regex(r"\A(SM|MM)[0-9a-f]{32}\Z"), FIELD),
     "From": st.one_of(st.from_regex(r"\Awhatsapp:\+52[0-9]{10,12}\Z"), FIELD),
     "Body": FIELD},
    optional={"NumMedia": st.one_of(st.integers(-3, 14).map(str), FIELD),
              "MediaUrl0": st.one_of(st.just("https://api.twilio.com/2010-04-01/x/Media/ME1"), FIELD),
              "MediaContentType0": st.sampled_from(["image/jpeg", "application/x-msdownload", ""]),
              "ProfileName": FIELD, "WaId": FIELD, "Latitude": FIELD,
              "ButtonPayload": FIELD},
)


def test_the_webhook_never_answers_5xx_to_signed_random_forms(app):
    validator = RequestValidator(AUTH_TOKEN)
    statuses: list[int] = []
    with TestClient(app) as client:

        @FUZZ
        @given(form=FORMS)
        def check(form):
            signature = validator.compute_signature(PUBLIC + "/twilio/whatsapp", form)
            response = client.post("/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature})
            statuses.append(response.status_code)
            assert response.status_code in (200, 400, 413), (response.status_code, form, response.text)

        check()
    assert 200 in statuses and 400 in statuses  # both valid and malformed forms were generated and signed right
