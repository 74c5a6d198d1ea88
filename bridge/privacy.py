"""Personal data in the channel store: retention (``purge``) and one person's erasure (``erase-contact``).

Mexico's LFPDPPP asks for a retention period and a way to cancel a person's data, while warranty
records must be kept (the decision, the evidence it rests on, the ticket: the dealer answers to the
customer, Toyota and PROFECO for them). So (docs/security.md, "Retention"):

- ``purge`` (run daily): messages, replies, outbound texts, job payloads, queued-call notes and idle
  conversation state older than ``RETENTION_DAYS`` (default 180) are deleted; old events lose the
  WhatsApp number; attachments lose Twilio's source URL. Cases and their evidence stay.
- ``erase-contact <contact>``: everything above for that contact now, whatever its age; cases that
  never became a warranty record (not in Odoo, no decision) are deleted with their files; warranty
  cases keep VIN, plate, km, fault, decision, ticket and evidence but lose the number and the name
  (``contact_id`` becomes ``erased:<sha256 prefix>``). The erasure is logged without the number.
  The customer's Odoo contact is the dealer's to anonymise in Odoo (the command prints the case refs).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
import sys
from pathlib import Path

import psycopg

from . import db
from .config import Settings

log = logging.getLogger(__name__)

CONTACT_RE = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")


def contact_hash(contact_id: str) -> str:
    return hashlib.sha256(contact_id.encode()).hexdigest()


def purge(conn: psycopg.Connection, days: int) -> dict[str, int]:
    """Delete or strip what is older than ``days``. One transaction; safe to run at any time, any number."""
    cutoff = "now() - make_interval(days => %s)"
    statements = {
        "wa_inbound": f"DELETE FROM wa_inbound WHERE received_at < {cutoff}",
        "wa_outbox": f"DELETE FROM wa_outbox WHERE created_at < {cutoff} AND state IN ('sent', 'failed', 'held')",
        "wa_jobs": f"DELETE FROM wa_jobs WHERE created_at < {cutoff} AND state IN ('done', 'failed')",
        "wa_odoo_calls": f"DELETE FROM wa_odoo_calls WHERE created_at < {cutoff} AND state IN ('done', 'failed')",
        "wa_contacts": f"DELETE FROM wa_contacts WHERE COALESCE(last_inbound_at, created_at) < {cutoff}",
        "events": f"UPDATE events SET data = data - 'contact_id' WHERE received_at < {cutoff} AND data ? 'contact_id'",
        "case_attachments": f"UPDATE case_attachments SET source_url = NULL WHERE first_seen_at < {cutoff} "
                            "AND source_url IS NOT NULL",
    }
    counts = {}
    with conn.transaction():
        for table, sql in statements.items():
            counts[table] = conn.execute(sql, (days,)).rowcount
    return counts


def erase_contact(conn: psycopg.Connection, contact_id: str, media_dir: str) -> dict[str, object]:
    """Erase one WhatsApp contact's personal data, keeping warranty records pseudonymised. Idempotent."""
    bare = contact_id.removeprefix("whatsapp:")
    variants = [f"whatsapp:{bare}", bare]
    pseudonym = f"erased:{contact_hash(f'whatsapp:{bare}')[:16]}"
    with conn.transaction():
        cases = conn.execute(
            "SELECT id, odoo_id, odoo_ref, decision IS NOT NULL AS decided FROM cases WHERE contact_id = ANY(%s) "
            "FOR UPDATE", (variants,),
        ).fetchall()
        kept = [c for c in cases if c["odoo_id"] or c["decided"]]
        dropped = [c["id"] for c in cases if c not in kept]
        case_ids = [c["id"] for c in cases]
        files = conn.execute(
            "SELECT DISTINCT storage_path, sha256 FROM case_attachments WHERE case_id = ANY(%s)", (dropped,),
        ).fetchall()
        counts: dict[str, object] = {
            "wa_inbound": conn.execute("DELETE FROM wa_inbound WHERE contact_id = ANY(%s)", (variants,)).rowcount,
            "wa_outbox": conn.execute("DELETE FROM wa_outbox WHERE contact_id = ANY(%s)", (variants,)).rowcount,
            "wa_jobs": conn.execute("DELETE FROM wa_jobs WHERE contact_id = ANY(%s)", (variants,)).rowcount,
            "wa_contacts": conn.execute("DELETE FROM wa_contacts WHERE contact_id = ANY(%s)", (variants,)).rowcount,
            # The customer app (docs/pwa.md): its access row goes; its requests stay, pseudonymised, and an
            # open erasure request is done by this very erasure.
            "app_access": conn.execute("DELETE FROM app_access WHERE contact_id = ANY(%s)", (variants,)).rowcount,
            "app_requests": conn.execute(
                "UPDATE app_requests SET contact_id = %s, state = CASE WHEN kind = 'erasure' THEN 'done' ELSE state "
                "END WHERE contact_id = ANY(%s)", (pseudonym, variants)).rowcount,
            "wa_odoo_calls": conn.execute(
                "DELETE FROM wa_odoo_calls WHERE state IN ('done', 'failed') AND kwargs->>'neon_id' = ANY(%s)",
                ([str(i) for i in case_ids],)).rowcount,
            "events": conn.execute(
                "UPDATE events SET data = data - 'contact_id' WHERE data->>'contact_id' = ANY(%s)", (variants,),
            ).rowcount,
            "cases_deleted": conn.execute("DELETE FROM cases WHERE id = ANY(%s)", (dropped,)).rowcount,
            "cases_pseudonymised": conn.execute(
                "UPDATE cases SET contact_id = %s, customer_name = NULL WHERE id = ANY(%s)",
                (pseudonym, [c["id"] for c in kept]),
            ).rowcount,
        }
        conn.execute(
            "UPDATE case_attachments SET source_url = NULL WHERE case_id = ANY(%s)", ([c["id"] for c in kept],)
        )
        still_used = {r["sha256"] for r in conn.execute(
            "SELECT DISTINCT sha256 FROM case_attachments WHERE sha256 = ANY(%s)", ([f["sha256"] for f in files],)
        ).fetchall()}
        conn.execute("INSERT INTO privacy_erasures (contact_hash, counts) VALUES (%s, %s::jsonb)",
                     (contact_hash(f"whatsapp:{bare}"), _json(counts)))
    removed = 0
    for item in files:  # after commit: a file is removed only when no other case holds the same bytes
        if item["sha256"] not in still_used:
            path = Path(media_dir) / item["storage_path"]
            if path.is_file():
                path.unlink()
                removed += 1
    counts["files_removed"] = removed
    counts["odoo_cases_kept"] = [c["odoo_ref"] or c["odoo_id"] for c in kept if c["odoo_id"]]
    return counts


def _json(value: dict) -> str:
    import json

    return json.dumps(value, sort_keys=True)


# --- CLI verbs ---------------------------------------------------------------------------------------

def add_purge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--days", type=int, default=None,
                        help="retention in days (default RETENTION_DAYS, else 180; at least 30)")


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    days = args.days if args.days is not None else settings.retention_days
    if days < 30:
        print("--days must be at least 30", file=sys.stderr)
        return 2
    with db.connect(settings.database_url) as conn:
        counts = purge(conn, days)
    log.info("purge: retention %d days: %s", days, ", ".join(f"{k}={v}" for k, v in counts.items()))
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def add_erase_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("contact", help="the WhatsApp contact, whatsapp:+E164 or +E164")


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    if not CONTACT_RE.match(args.contact.strip()):
        print("contact must look like whatsapp:+5215512345678", file=sys.stderr)
        return 2
    with db.connect(settings.database_url) as conn:
        counts = erase_contact(conn, args.contact.strip(), settings.media_dir)
    kept = counts.pop("odoo_cases_kept")
    print(" ".join(f"{k}={v}" for k, v in counts.items()))
    if kept:
        print("warranty records kept (pseudonymised); anonymise the customer in Odoo too: " + ", ".join(map(str, kept)))
    return 0
