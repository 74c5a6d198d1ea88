"""``GET /spareparts`` against a local HTTP server speaking Odoo's JSON-2 (no Odoo needed).

The server answers ``product.product/postventa_spareparts`` with a payload that is valid against the
addon's schema (``addons/postventa_purchase/schemas/spareparts.json``); the route's answer is validated
against the same schema with jsonschema.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jsonschema
import pytest
from fastapi.testclient import TestClient

from bridge.app import create_app
from bridge.config import Settings

SCHEMA = json.loads(
    (Path(__file__).resolve().parent.parent / "addons/postventa_purchase/schemas/spareparts.json").read_text()
)
API_KEY = "spareparts-test-key-0123456789"
DEALER_KEY = "dealer-admin-key-for-spareparts-tests"  # the bridge's ADMIN_API_KEY: a dealer system may ask anything
DB = "pvp_spareparts"


def _validate(payload: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(payload)


def _supplier(offer_id, name, price, currency, stock, lead, eta, sla_ok, recommended, score):
    return {
        "offer_id": offer_id,
        "partner_id": 100 + offer_id,
        "name": name,
        "product_id": 42,
        "part_number": "04465-02220",
        "brand": "Toyota",
        "price": price,
        "currency": currency,
        "price_company_currency": price if currency == "MXN" else round(price * 17.5, 2),
        "stock": stock,
        "lead_time_days": lead,
        "min_qty": 0.0,
        "valid_until": None,
        "eta": eta,
        "sla_ok": sla_ok,
        "score": score,
        "reliability": 0.9,
        "recommended": recommended,
        "url": f"https://proveedor{offer_id}.example.com/0446502220",
        "contact": "ventas@example.com",
    }


def sample_payload(part_number=None, query=None, case_id=None, fault_code=None) -> dict:
    payload = _sample_payload(part_number, query, case_id, fault_code)
    item = payload["items"][0]
    payload.update(
        part_number=item["part"]["part_number"],
        name=item["part"]["name"],
        toyota=item["toyota"],
        stock=item["stock"],
        proveedores=item["proveedores"],
    )
    return payload


def _sample_payload(part_number, query, case_id, fault_code) -> dict:
    return {
        "query": {"part_number": part_number, "q": query, "case_id": case_id, "fault_code": fault_code},
        "generated_at": "2026-11-26T10:00:00Z",
        "currency": "MXN",
        "case": {"id": case_id, "name": "PV/2026/00007", "neon_id": 123, "warranty_status": "no_eligible"}
        if case_id
        else None,
        "fault": {
            "code": "BRK-001",
            "name": "Balatas delanteras desgastadas",
            "severity": "low",
            "labor_hours": 1.5,
            "is_wear_item": True,
        },
        "sla": {"severity": "low", "start_date": "2026-11-26", "promised_date": "2026-12-06", "days": 10},
        "garantia": {
            "applies": False if case_id else None,
            "status": "no_eligible" if case_id else None,
            "reason": "Las balatas son consumibles: no las cubre la garantía.",
            "policy_version": "2026.1",
        },
        "count": 1,
        "items": [
            {
                "part": {
                    "product_id": 42,
                    "name": "Balatas delanteras Corolla 2009-2019",
                    "part_number": "04465-02220",
                    "part_number_normalized": "0446502220",
                    "brand": "Toyota",
                    "is_oem": True,
                    "quality_grade": "oem",
                    "list_price": 1250.0,
                },
                "toyota": {
                    "part_number": "04465-02220",
                    "name": "Balatas delanteras Corolla 2009-2019",
                    "product_id": 42,
                },
                "equivalents": [
                    {
                        "brand": "Wagner",
                        "part_number": "QC1210",
                        "part_number_normalized": "QC1210",
                        "quality_grade": "standard",
                        "fitment_notes": "Cerámicas",
                        "product_id": 43,
                        "stock_on_hand": 3.0,
                        "via": None,
                    },
                    {
                        "brand": "Raybestos",
                        "part_number": "EHT1210H",
                        "part_number_normalized": "EHT1210H",
                        "quality_grade": "standard",
                        "fitment_notes": None,
                        "product_id": None,
                        "stock_on_hand": None,
                        "via": "QC1210",
                    },
                ],
                "garantia": {"covered": False, "reason": "Las balatas son consumibles."},
                "proveedores": [
                    _supplier(1, "AutoPartes del Bajío", 742.5, "MXN", 40.0, 6, "2026-12-02", True, True, 0.93),
                    _supplier(2, "Importadora Partes Frontera", 41.2, "USD", 12.0, 4, "2026-11-30", True, False, 0.88),
                    _supplier(3, "Refaccionaria Express CDMX", 1062.0, "MXN", 2.0, 1, "2026-11-27", True, False, 0.81),
                ],
                "recommended": {
                    "supplier_id": 101,
                    "supplier": "AutoPartes del Bajío",
                    "offer_id": 1,
                    "product_id": 42,
                    "sla_ok": True,
                    "reason_code": "best_in_time",
                    "reason": "cheapest in time",
                    "promised_date": "2026-12-06",
                    "eta": "2026-12-02",
                    "score": 0.93,
                    "details": {},
                },
                "stock": {
                    "on_hand": 2.0,
                    "forecast": 2.0,
                    "free": 2.0,
                    "on_hand_with_equivalents": 5.0,
                    "uom": "Units",
                },
                "links": {
                    "odoo": "http://odoo.example.com/odoo/product.template/42",
                    "suppliers": ["https://proveedor1.example.com/0446502220"],
                },
            }
        ],
        "links": {"odoo_case": "http://odoo.example.com/odoo/postventa.case/7" if case_id else None, "quote": None},
    }


class Json2Server:
    """Just enough of Odoo's ``/json/2/<model>/<method>`` for the route: auth, db header, named args."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict, dict]] = []
        self.fail_status: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                server.calls.append((self.path, dict(self.headers), body))
                if self.headers.get("Authorization") != f"bearer {API_KEY}":
                    return self._send(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
                if self.headers.get("X-Odoo-Database") != DB:
                    return self._send(404, {"name": "NotFound", "message": "database not found"})
                if server.fail_status:
                    return self._send(server.fail_status, {"name": "Error", "message": "boom"})
                if self.path == "/json/2/postventa.kpi/compute_kpis":  # what /admin/metrics asks
                    from .test_metrics_api import reference_kpis

                    return self._send(200, reference_kpis(body.get("date_from"), body.get("date_to")))
                if self.path != "/json/2/product.product/postventa_spareparts":
                    return self._send(404, {"name": "NotFound", "message": self.path})
                if body.get("case_id") == 404404:
                    return self._send(
                        404, {"name": "odoo.exceptions.MissingError", "message": "Case 404404 does not exist."}
                    )
                if body.get("fault_code") == "BAD-1":
                    return self._send(422, {"name": "odoo.exceptions.UserError", "message": "bad fault"})
                return self._send(200, sample_payload(**body))

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def odoo() -> Iterator[Json2Server]:
    server = Json2Server()
    yield server
    server.stop()


def _client(settings: Settings) -> TestClient:
    # No ``with``: the app's lifespan (Neon pool) is not started; a dealer's /spareparts only talks to Odoo.
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {DEALER_KEY}"})


@pytest.fixture
def client(odoo: Json2Server) -> TestClient:
    odoo.calls.clear()
    odoo.fail_status = None
    return _client(Settings(odoo_url=odoo.url, odoo_db=DB, odoo_api_key=API_KEY, admin_api_key=DEALER_KEY))


def test_sample_payload_is_schema_valid():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    _validate(sample_payload(part_number="04465-02220"))
    _validate(sample_payload(case_id=7))


def test_part_number_lookup_goes_through_json2(client, odoo):
    r = client.get("/spareparts", params={"part_number": "04465 02220"})
    assert r.status_code == 200, r.text
    body = r.json()
    _validate(body)
    item = body["items"][0]
    assert item["toyota"]["part_number"] == "04465-02220"
    assert {"garantia", "proveedores", "links", "stock"} <= item.keys()
    assert {"garantia", "proveedores", "links", "stock", "toyota"} <= body.keys()
    assert [s["recommended"] for s in item["proveedores"]].count(True) == 1
    path, headers, sent = odoo.calls[-1]
    assert path == "/json/2/product.product/postventa_spareparts"
    assert headers["X-Odoo-Database"] == DB
    assert sent == {"part_number": "04465 02220"}  # unset parameters are not sent


def test_case_and_fault_and_text_are_forwarded(client, odoo):
    r = client.get("/spareparts", params={"case_id": 7, "fault_code": "BRK-001", "q": "balatas"})
    assert r.status_code == 200, r.text
    _validate(r.json())
    assert r.json()["garantia"]["applies"] is False
    assert odoo.calls[-1][2] == {"case_id": 7, "fault_code": "BRK-001", "query": "balatas"}


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({}, 400, "part_number, q, case_id or fault_code"),
        ({"part_number": "--"}, 422, "invalid request"),
        ({"part_number": "a-b"}, 422, "at least 3 letters"),
        ({"part_number": "0446502220; DROP"}, 422, "invalid request"),
        ({"case_id": 0}, 422, "invalid request"),
        ({"case_id": "siete"}, 422, "invalid request"),
        ({"fault_code": "BRK 001"}, 422, "invalid request"),
        ({"q": "x"}, 422, "invalid request"),
    ],
)
def test_bad_input_is_refused_before_odoo(client, odoo, params, status, needle):
    r = client.get("/spareparts", params=params)
    assert r.status_code == status, r.text
    assert needle in r.text
    assert not odoo.calls


def test_odoo_errors_become_reasons(client, odoo):
    r = client.get("/spareparts", params={"case_id": 404404})
    assert r.status_code == 404
    assert "does not exist" in r.json()["detail"]
    r = client.get("/spareparts", params={"fault_code": "BAD-1"})
    assert r.status_code == 422
    odoo.fail_status = 500
    r = client.get("/spareparts", params={"part_number": "QC1210"})
    assert r.status_code == 503
    assert r.json()["error"] == "Odoo is not reachable"


def test_wrong_key_is_a_bad_gateway(odoo):
    settings = Settings(odoo_url=odoo.url, odoo_db=DB, odoo_api_key="wrong-key-000000", admin_api_key=DEALER_KEY)
    r = _client(settings).get("/spareparts", params={"part_number": "QC1210"})
    assert r.status_code == 502
    assert "API key" in r.json()["error"]
    assert "wrong-key-000000" not in r.text


def test_odoo_not_configured_or_down_is_503():
    r = _client(Settings(admin_api_key=DEALER_KEY)).get("/spareparts", params={"part_number": "04465-02220"})
    assert r.status_code == 503
    assert "ODOO_URL" in r.json()["detail"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = Settings(odoo_url=f"http://127.0.0.1:{port}", odoo_db=DB, odoo_api_key=API_KEY, admin_api_key=DEALER_KEY)
    r = _client(down).get("/spareparts", params={"part_number": "04465-02220"})
    assert r.status_code == 503


def test_openapi_documents_the_route_with_the_schema(client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/spareparts"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"part_number", "q", "case_id", "fault_code"}
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"garantia", "proveedores", "stock", "toyota", "items", "links"} <= set(schema["required"])
