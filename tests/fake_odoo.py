"""A small in-memory Odoo that speaks the JSON-2 contract over real HTTP (docs/odoo-bridge-contract.md).

Used when no Odoo 19 is installed, and by benchmarks/tests that need to make Odoo slow, down,
or refuse the key. ``write_date`` is stamped like Odoo does (transaction start), and a test can
stamp an older one to play a late commit.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "fake-odoo-key-0123456789"
DB = "fake"


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeOdoo:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cases: dict[int, dict] = {}
        self.by_neon: dict[int, int] = {}
        self.attachments: dict[int, dict[str, dict]] = {}
        self.faults: list[dict] = []
        self.outbox: list[dict] = []
        self.deliveries: dict[str, dict] = {}
        self.calls: dict[str, int] = {}
        self.fail_status: int | None = None  # answer every call with this status (503, 401...)
        self.fail_script: list[int] = []  # statuses answered first, one per call, then normal service
        self.latency = 0.0
        self.attachment_bytes = 0
        self.changes_read = 0  # full records answered by bridge_changes (stamps not counted)
        self._seq = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # ----- server lifecycle -------------------------------------------------------------
    def start(self, port: int = 0) -> FakeOdoo:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _QuietServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- test helpers (what a user would do in the Odoo UI) ----------------------------
    def _next_id(self) -> int:
        self._seq += 1
        return self._seq

    def decide(self, neon_id: int, outcome: str, *, write_date: datetime | None = None) -> None:
        with self.lock:
            case = self.cases[self.by_neon[neon_id]]
            case["state"] = "evaluated"
            case["warranty_status"] = outcome
            case["decision"] = {"id": self._next_id(), "outcome": outcome, "policy_version": "2026.1",
                                "reasons": [{"code": "fake", "message": "decided in fake Odoo"}],
                                "date": _iso(datetime.now(UTC))}
            if outcome == "eligible":
                case["ticket"] = {"name": f"GT/2026/{case['id']:04d}", "state": "open", "parts_cost": 120.5,
                                  "labor_cost": 300.0, "currency": "MXN"}
            case["write_date"] = write_date or datetime.now(UTC)
            self._emit("warranty.decided", case, {
                "case": case["name"], "neon_id": neon_id, "outcome": outcome, "policy_version": "2026.1",
                "reasons": [{"code": "fake", "outcome": outcome, "message": "decided in fake Odoo"}],
                "is_override": False})

    def emit(self, type_: str, neon_id: int, data: dict) -> None:
        """An outbox event for a case that exists only as a subject (no case record needed)."""
        with self.lock:
            self._emit(type_, {"neon_id": neon_id, "id": 0}, data)

    def _emit(self, type_: str, case: dict, data: dict) -> None:
        outbox_id = len(self.outbox) + 1
        subject = f"case/{case['neon_id'] or case['id']}"
        self.outbox.append({"outbox_id": outbox_id, "event": {
            "specversion": "1.0", "id": str(uuid.uuid4()), "type": type_, "source": "urn:postventa:odoo",
            "time": _iso(datetime.now(UTC)), "subject": subject, "datacontenttype": "application/json",
            "data": data}})

    def case_count(self) -> int:
        return len(self.cases)

    def case_for(self, neon_id: int) -> dict | None:
        with self.lock:
            odoo_id = self.by_neon.get(neon_id)
            if odoo_id is None:
                return None
            return dict(self.cases[odoo_id], attachment_hashes=sorted(self.attachments[odoo_id]))

    # ----- contract methods --------------------------------------------------------------
    def bridge_upsert_cases(self, records: list[dict]) -> list[dict]:
        if len(records) > 500:
            raise ValueError("at most 500 records per call")
        out = []
        now = datetime.now(UTC)
        with self.lock:
            for rec in records:
                neon_id = rec.get("neon_id")
                if not isinstance(neon_id, int):
                    out.append({"neon_id": neon_id, "error": "neon_id must be an integer"})
                    continue
                created = neon_id not in self.by_neon
                if created:
                    odoo_id = self._next_id()
                    self.by_neon[neon_id] = odoo_id
                    self.cases[odoo_id] = {"id": odoo_id, "neon_id": neon_id, "name": f"PV/2026/{odoo_id:05d}",
                                           "state": "new", "warranty_status": "pending", "decision": None,
                                           "ticket": None, "quote": None}
                    self.attachments[odoo_id] = {}
                case = self.cases[self.by_neon[neon_id]]
                for key in ("contact_id", "customer_name", "vin", "plate", "odo_km", "falla_tipo", "description",
                            "evidence_provided", "status"):
                    case[key] = rec.get(key)
                for att in rec.get("attachments") or []:
                    if att["sha256"] in self.attachments[case["id"]]:
                        continue
                    if not att.get("datas"):
                        out.append({"neon_id": neon_id, "error": f"attachment {att['sha256']} has no datas"})
                        break
                    self.attachment_bytes += len(att["datas"])
                    self.attachments[case["id"]][att["sha256"]] = {k: v for k, v in att.items() if k != "datas"}
                else:
                    case["write_date"] = now
                    out.append({"neon_id": neon_id, "id": case["id"], "name": case["name"], "created": created})
        return out

    def bridge_changes(self, since: str | None = None, limit: int = 500, after_id: int = 0,
                       stamps_only: bool = False, case_ids: list[int] | None = None) -> dict:
        with self.lock:
            since_dt = _parse(since) if since else None
            rows = sorted(self.cases.values(), key=lambda c: (c["write_date"], c["id"]))
            if case_ids is not None:
                rows = [c for c in rows if c["id"] in set(case_ids)]
            if since_dt is not None:
                rows = [c for c in rows if c["write_date"] > since_dt
                        or (c["write_date"] == since_dt and c["id"] > after_id)]
            page = rows[:limit]
            self.changes_read += 0 if stamps_only else len(page)
            if stamps_only:
                records = [{"id": c["id"], "write_date": _iso(c["write_date"])} for c in page]
                nxt = {"since": records[-1]["write_date"], "after_id": records[-1]["id"]} if records else None
                return {"records": records, "next": nxt, "server_time": _iso(datetime.now(UTC))}
            records = [{"id": c["id"], "neon_id": c["neon_id"], "name": c["name"], "state": c["state"],
                        "warranty_status": c["warranty_status"], "write_date": _iso(c["write_date"]),
                        "decision": c["decision"], "ticket": c["ticket"], "quote": c["quote"]} for c in page]
            nxt = {"since": records[-1]["write_date"], "after_id": records[-1]["id"]} if records else None
            return {"records": records, "next": nxt, "server_time": _iso(datetime.now(UTC))}

    def bridge_catalog(self) -> list[dict]:
        with self.lock:
            return [dict(f) for f in self.faults]

    def bridge_pull(self, after_id: int = 0, limit: int = 500) -> list[dict]:
        with self.lock:
            return [row for row in self.outbox if row["outbox_id"] > after_id][:limit]

    def bridge_report_delivery(self, updates: list[dict]) -> int:
        with self.lock:
            for update in updates:
                self.deliveries[update["event_id"]] = dict(update)
            return len(updates)

    def context_get(self) -> dict:
        return {"lang": "es_MX", "tz": "UTC", "uid": 2}

    METHODS = {
        ("postventa.case", "bridge_upsert_cases"): "bridge_upsert_cases",
        ("postventa.case", "bridge_changes"): "bridge_changes",
        ("postventa.fault", "bridge_catalog"): "bridge_catalog",
        ("postventa.event", "bridge_pull"): "bridge_pull",
        ("postventa.event", "bridge_report_delivery"): "bridge_report_delivery",
        ("res.users", "context_get"): "context_get",
    }


def default_faults() -> list[dict]:
    return [
        {"id": 1, "code": "FRN-001", "name": "Ruido en frenos", "system": "frenos", "symptoms": "rechinido",
         "required_evidence": ["odometer_photo", "noise_video"], "labor_hours": 1.5, "coverage": "3y/60000km",
         "severity": "medium", "active": True},
        {"id": 2, "code": "MOT-002", "name": "Falla de motor", "system": "motor", "symptoms": "jaloneo",
         "required_evidence": ["odometer_photo"], "labor_hours": 4.0, "coverage": "5y/100000km",
         "severity": "high", "active": True},
    ]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client killed mid-request (the crash tests do that on purpose) is not an error here."""


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOdoo
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: Any) -> None:
        payload = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_POST(self) -> None:
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if fake.latency:
            time.sleep(fake.latency)
        with fake.lock:
            scripted = fake.fail_script.pop(0) if fake.fail_script else None
        status = scripted or fake.fail_status
        if status:
            self._answer(status, {"name": "werkzeug.exceptions.ServiceUnavailable",
                                            "message": f"fake Odoo is answering {status}"})
            return
        if self.headers.get("Authorization") != f"bearer {API_KEY}":
            self._answer(401, {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey"})
            return
        if self.headers.get("X-Odoo-Database") != DB:
            self._answer(404, {"name": "werkzeug.exceptions.NotFound", "message": "database not found"})
            return
        parts = self.path.strip("/").split("/")
        if len(parts) != 4 or parts[:2] != ["json", "2"]:
            self._answer(404, {"name": "werkzeug.exceptions.NotFound", "message": "not found"})
            return
        method = FakeOdoo.METHODS.get((parts[2], parts[3]))
        if method is None:
            self._answer(404, {"name": "werkzeug.exceptions.NotFound", "message": f"no method {parts[2]}/{parts[3]}"})
            return
        with fake.lock:
            fake.calls[parts[3]] = fake.calls.get(parts[3], 0) + 1
        try:
            kwargs = json.loads(raw or b"{}")
            kwargs.pop("context", None)
            result = getattr(fake, method)(**kwargs)
        except (TypeError, ValueError, KeyError) as exc:
            self._answer(422, {"name": "odoo.exceptions.ValidationError", "message": str(exc)})
            return
        self._answer(200, result)


def backdate(dt: datetime, seconds: float) -> datetime:
    return dt - timedelta(seconds=seconds)
