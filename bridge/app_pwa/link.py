"""``python -m bridge app-link <contact> [--ttl-hours N] [--revoke]``: print a customer's app link.

The link is ``<PUBLIC_BASE_URL>/app/#t=<customer token>``: the token sits in the URL fragment, which the
browser never sends to the server. ``--revoke`` refuses every link issued to the contact until now.
"""

from __future__ import annotations

import argparse
import sys

import psycopg
from psycopg.types.json import Jsonb

from .. import customer_token, db
from ..config import Settings

DEFAULT_TTL_HOURS = 72


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("contact", help="the contact as stored, e.g. whatsapp:+5215512345678")
    parser.add_argument("--ttl-hours", type=float, default=DEFAULT_TTL_HOURS,
                        help=f"how long the link works (default {DEFAULT_TTL_HOURS} h, at most 720 h)")
    parser.add_argument("--revoke", action="store_true",
                        help="revoke every link issued to this contact so far (prints nothing else)")
    parser.add_argument("--demo", action="store_true",
                        help="development: first give the contact a demo case if it has none (make run)")


def app_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/app/#t={token}"


def issue_link(conn: psycopg.Connection, settings: Settings, contact_id: str, ttl_hours: float) -> str:
    token = customer_token.issue(settings.customer_token_secret, contact_id, int(ttl_hours * 3600))
    conn.execute(
        "INSERT INTO app_access (contact_id, links_issued) VALUES (%s, 1) ON CONFLICT (contact_id) "
        "DO UPDATE SET links_issued = app_access.links_issued + 1", (contact_id,),
    )
    return app_url(settings, token)


def revoke(conn: psycopg.Connection, contact_id: str) -> None:
    conn.execute(
        "INSERT INTO app_access (contact_id, not_before) VALUES (%s, now()) ON CONFLICT (contact_id) "
        "DO UPDATE SET not_before = now()", (contact_id,),
    )


def ensure_demo_case(conn: psycopg.Connection, contact_id: str) -> None:
    """A case waiting for evidence, for a contact with none (``make run``'s demo customer)."""
    if conn.execute("SELECT 1 FROM cases WHERE contact_id = %s", (contact_id,)).fetchone():
        return
    fault = conn.execute("SELECT code, required_evidence FROM fault_catalog WHERE active "
                         "AND jsonb_array_length(required_evidence) > 0 ORDER BY code LIMIT 1").fetchone()
    conn.execute(
        "INSERT INTO cases (contact_id, customer_name, vin, plate, odo_km, falla_tipo, description, status, "
        "evidence_required) VALUES (%s, 'Cliente demo', 'JTDKB20U993456789', 'ABC-123-D', 30000, %s, "
        "'Ruido al frenar (caso demo)', 'evidence', %s)",
        (contact_id, fault["code"] if fault else None,
         Jsonb(fault["required_evidence"] if fault else ["odometer_photo", "damage_photo"])),
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    contact = args.contact.strip()
    if not customer_token.CONTACT_RE.match(contact):
        print("error: contact must look like whatsapp:+<E.164>, e.g. whatsapp:+5215512345678", file=sys.stderr)
        return 2
    if not settings.customer_token_secret:
        print("error: CUSTOMER_TOKEN_SECRET is not set (at least 32 characters)", file=sys.stderr)
        return 2
    try:
        with db.connect(settings.database_url, autocommit=True) as conn:
            if args.revoke:
                revoke(conn, contact)
                print(f"revoked every app link of {contact[:-4]}**** issued until now", file=sys.stderr)
                return 0
            if args.demo:
                ensure_demo_case(conn, contact)
            url = issue_link(conn, settings, contact, args.ttl_hours)
    except customer_token.InvalidToken as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except psycopg.errors.UndefinedTable:
        print("error: the app tables are missing: run `python -m bridge migrate`", file=sys.stderr)
        return 2
    print(url)
    return 0
