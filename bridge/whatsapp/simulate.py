"""``python -m bridge simulate-whatsapp``: play a customer against a running bridge, as Twilio would.

Requests are form-encoded and signed (X-Twilio-Signature) with TWILIO_AUTH_TOKEN, or with the
development token when it is unset (the bridge then accepts loopback traffic only). Photos and
videos are served by a small HTTP server started here, so the media worker can download them.
After the script it watches Neon (DATABASE_URL) for the case and the messages queued for the
customer, until the case is complete or ``--wait`` seconds pass.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

from .. import db
from ..config import Settings
from . import signature

HAPPY_SCRIPT = [
    "Hola",
    "JTDKB20U993456789",
    "45,000 km",
    "Rechinan los frenos cuando freno en bajada",
    "sí",
    "/foto",
    "/video",
]
DEMO_FAULTS = [
    ("FRN-001", "Ruido o rechinido en frenos", "frenos", "rechinan, chillan o truenan los frenos al frenar",
     '["odometer_photo", "noise_video"]'),
    ("MOT-002", "Fuga de aceite de motor", "motor", "manchas de aceite, fuga, goteo bajo el motor",
     '["odometer_photo", "leak_photo"]'),
]
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + os.urandom(2048) + b"\xff\xd9"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(4096)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help="bridge base URL to post to (default PUBLIC_BASE_URL)")
    parser.add_argument("--from", dest="sender", default=f"whatsapp:+52155{random.randint(0, 10**8 - 1):08d}",
                        help="customer number (default: a new random one per run)")
    parser.add_argument("--name", default="Juan Pérez", help="WhatsApp profile name")
    parser.add_argument("--interactive", action="store_true",
                        help="type the customer's messages (/foto and /video send media)")
    parser.add_argument("--wait", type=float, default=30.0, help="seconds to watch Neon for the complete case")
    parser.add_argument("--say", action="append", metavar="TEXT",
                        help="send this message instead of the intake script (repeatable), e.g. a follow-up "
                        "reply: baja, alta, 'agendar el sábado 10am', 'ya lo hice', 4")
    parser.add_argument("--seed-catalog", action="store_true",
                        help="development only: add two demo faults if fault_catalog is empty")


class _MediaHandler(BaseHTTPRequestHandler):
    files: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:
        content_type, data = self.files.get(self.path, ("text/plain", b""))
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        return


class Customer:
    def __init__(self, settings: Settings, base_url: str, sender: str, name: str):
        self.settings, self.base_url, self.sender, self.name = settings, base_url.rstrip("/"), sender, name
        self.token = settings.twilio_auth_token or signature.DEV_AUTH_TOKEN
        self.media_server = ThreadingHTTPServer(("127.0.0.1", 0), _MediaHandler)
        threading.Thread(target=self.media_server.serve_forever, daemon=True).start()
        self.http = httpx.Client(timeout=10)

    def send(self, text: str) -> list[str]:
        account = self.settings.twilio_account_sid or "AC" + "0" * 32
        params = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": account,
                  "From": self.sender, "To": "whatsapp:+14155238886", "ProfileName": self.name,
                  "WaId": self.sender.split("+")[-1], "NumMedia": "0", "Body": text}
        if text in ("/foto", "/video"):
            content_type, data = ("image/jpeg", JPEG) if text == "/foto" else ("video/mp4", MP4)
            path = f"/media/{uuid.uuid4().hex}"
            _MediaHandler.files[path] = (content_type, data)
            host, port = self.media_server.server_address[:2]
            params.update(Body="", NumMedia="1", MediaUrl0=f"http://{host}:{port}{path}",
                          MediaContentType0=content_type)
        signed = signature.signed_url(self.settings, "/twilio/whatsapp", "")
        headers = {signature.SIGNATURE_HEADER: signature.sign(self.token, signed, params)}
        self.last_sid = params["MessageSid"]
        response = self.http.post(f"{self.base_url}/twilio/whatsapp", data=params, headers=headers)
        if response.status_code != 200:
            return [f"[HTTP {response.status_code}] {response.text}"]
        return _twiml_bodies(response.text)


def _twiml_bodies(xml: str) -> list[str]:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml)
    return ["".join(m.itertext()) for m in root.iter("Message")]


def _seed_catalog(url: str) -> None:
    with db.connect(url) as conn:
        if conn.execute("SELECT count(*) AS n FROM fault_catalog").fetchone()["n"]:
            return
        for row in DEMO_FAULTS:
            conn.execute("INSERT INTO fault_catalog (code, name, system, symptoms, required_evidence) "
                         "VALUES (%s, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING", row)
        print("seeded demo fault catalog (development only)")


class OutboxPrinter:
    """Prints the messages queued for the customer (sent by the worker's notifier, or pending)."""

    def __init__(self, url: str, sender: str):
        self.conn = db.connect(url, autocommit=True)
        self.sender = sender
        self.seen: set[int] = set()

    def wait_processed(self, sid: str, timeout: float = 10.0) -> bool:
        """The webhook only queues the message: wait until the inbound processor has run it (its replies
        are then in the outbox), as a customer waits for the answer before typing the next line."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            row = self.conn.execute("SELECT processed_at FROM wa_inbound WHERE message_sid = %s", (sid,)).fetchone()
            if row is None or row["processed_at"] is not None:
                return True
            time.sleep(0.05)
        print("  (not answered yet: is `python -m bridge media-worker` running?)")
        return False

    def show_new(self) -> None:
        for row in self.conn.execute("SELECT id, body, state FROM wa_outbox WHERE contact_id = %s ORDER BY id",
                                     (self.sender,)).fetchall():
            if row["id"] not in self.seen:
                self.seen.add(row["id"])
                print(f"  bridge (outbox, {row['state']}): {row['body']}")


def _watch(printer: OutboxPrinter, wait: float) -> int:
    deadline = time.monotonic() + wait
    while True:
        printer.show_new()
        case = printer.conn.execute(
            "SELECT id, status, vin, odo_km, falla_tipo, evidence_required, evidence_provided, "
            "(SELECT count(*) FROM case_attachments a WHERE a.case_id = c.id) AS files "
            "FROM cases c WHERE contact_id = %s ORDER BY id DESC LIMIT 1", (printer.sender,)).fetchone()
        if (case and case["status"] == "complete") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if not case:
        print("no case found")
        return 1
    print(f"case #{case['id']}: status={case['status']} vin={case['vin']} km={case['odo_km']} "
          f"fault={case['falla_tipo']} evidence {case['evidence_provided']} of {case['evidence_required']}, "
          f"{case['files']} file(s)")
    if case["status"] != "complete":
        print("the case is not complete yet: is `python -m bridge media-worker` running?")
        return 1
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.seed_catalog:
        _seed_catalog(settings.database_url)
    customer = Customer(settings, args.url or settings.public_base_url, args.sender, args.name)
    printer = OutboxPrinter(settings.database_url, args.sender)
    printer.seen.update(r["id"] for r in printer.conn.execute(
        "SELECT id FROM wa_outbox WHERE contact_id = %s", (args.sender,)).fetchall())  # only this session's
    print(f"customer {args.sender}")
    if args.interactive:
        print("Escribe como cliente; /foto y /video envían archivos; una línea vacía termina.")
    say = getattr(args, "say", None)
    lines = iter(lambda: input("cliente> "), "") if args.interactive else iter(say or HAPPY_SCRIPT)
    try:
        for text in lines:
            if not args.interactive:
                print(f"cliente> {text}")
            for reply in customer.send(text):
                print(f"  bridge: {reply}")
            printer.wait_processed(customer.last_sid)
            printer.show_new()
        if say:  # follow-up replies: no intake to watch
            return 0
        return _watch(printer, args.wait)
    except (EOFError, KeyboardInterrupt):
        return _watch(printer, args.wait)
    except httpx.HTTPError as exc:
        print(f"cannot reach the bridge at {customer.base_url}: {type(exc).__name__} (is `make run` up?)")
        return 1
    finally:
        printer.conn.close()
