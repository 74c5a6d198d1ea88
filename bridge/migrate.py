"""Versioned, idempotent schema migrations (``python -m bridge migrate``).

Each ``migrations/NNNN_name.sql`` file runs once, in its own transaction, under a
transaction-level advisory lock (safe behind a transaction-mode pooler and against two
concurrent ``migrate`` runs). Files are applied in name order; an applied file whose
content changed afterwards is reported, not re-run.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from . import db
from .config import Settings

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x706F7374  # "post"


@dataclass(frozen=True)
class Migration:
    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    files = sorted(p for p in directory.glob("*.sql") if p.name[:4].isdigit())
    versions = [p.stem for p in files]
    if len({v[:4] for v in versions}) != len(versions):
        raise RuntimeError(f"two migrations share a number in {directory}: {versions}")
    return [Migration(p.stem, p) for p in files]


_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migrate(url: str, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply pending migrations; return the versions applied by this call."""
    applied_now: list[str] = []
    with db.connect(url) as conn:
        for migration in discover(directory):
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                conn.execute(_BOOKKEEPING)
                row = conn.execute(
                    "SELECT checksum FROM schema_migrations WHERE version = %s",
                    (migration.version,),
                ).fetchone()
                if row:
                    if row["checksum"] != migration.checksum:
                        log.warning("migration %s changed after it was applied", migration.version)
                    continue
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES (%s, %s)",
                    (migration.version, migration.checksum),
                )
                applied_now.append(migration.version)
                log.info("applied migration %s", migration.version)
    return applied_now


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="override DATABASE_URL")


def run(args: argparse.Namespace, settings: Settings) -> int:
    url = args.database_url or settings.database_url
    applied = migrate(url)
    print(f"migrate: {len(applied)} applied" + (f" ({', '.join(applied)})" if applied else ", up to date"))
    return 0
