"""``python -m bridge serve``: the web app under uvicorn."""

from __future__ import annotations

import argparse
import logging

from .config import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .app import create_app
    from .migrate import migrate

    if not args.no_migrate:
        migrate(settings.database_url)
    for item in settings.describe_off():
        log.info("off: %s", item)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0
