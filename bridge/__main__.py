"""Command line: ``python -m bridge <verb> [options]``.

Each verb lives in its own module exposing ``add_arguments(parser)`` and
``run(args, settings) -> int``; they are imported only when called.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from .config import ConfigError, Settings

VERBS: dict[str, tuple[str, str]] = {
    "migrate": ("bridge.migrate", "apply pending Neon schema migrations (idempotent)"),
    "serve": ("bridge.serve", "run the web app (webhooks, admin API, search)"),
    "sync": ("bridge.sync", "two-way sync of cases between Neon and Odoo"),
    "media-worker": ("bridge.whatsapp.media_worker", "download WhatsApp media and send queued WhatsApp messages"),
    "ingest": ("bridge.rag.ingest", "index technical manuals for /query_hybrid"),
    "dispatch-events": ("bridge.events.dispatch", "pull Odoo's outbox and deliver events"),
    "simulate-whatsapp": ("bridge.whatsapp.simulate", "play a customer against the webhook"),
    "purge": ("bridge.purge", "delete personal data older than RETENTION_DAYS (default 180)"),
    "erase-contact": ("bridge.erase_contact", "erase one WhatsApp contact's data (warranty records kept)"),
    "app-link": ("bridge.app_pwa.link", "print (or --revoke) a customer's link to the app (PWA)"),
}


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the selected verb's module is imported (start-up stays fast)."""
    parser = argparse.ArgumentParser(prog="python -m bridge", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for verb, (module_name, help_text) in VERBS.items():
        verb_parser = sub.add_parser(verb, help=help_text, description=help_text)
        if verb == selected:
            module = importlib.import_module(module_name)
            module.add_arguments(verb_parser)
            verb_parser.set_defaults(_module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    selected = next((arg for arg in argv if arg in VERBS), None)
    args = build_parser(selected).parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    if args.log_level.upper() != "DEBUG":  # one line per HTTP request (every Odoo poll) only when debugging
        logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = Settings.from_env()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return args._module.run(args, settings)


if __name__ == "__main__":
    sys.exit(main())
