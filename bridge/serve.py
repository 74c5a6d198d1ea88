"""``python -m bridge serve``: the web app under uvicorn.

``--workers N`` (N > 1) runs N web processes behind one port (uvicorn's supervisor; the kernel spreads
connections over them). Each process builds its own app and connection pool from the environment, so
everything it needs must be in the environment (docs/scaling.md).
"""

from __future__ import annotations

import argparse
import logging

from .config import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1,
                        help="web processes behind the port (default 1; each has its own pool, see docs/scaling.md)")
    parser.add_argument("--worker-healthcheck-timeout", type=int, default=30,
                        help="with --workers: seconds a web process may take to answer the supervisor's ping before "
                        "it is killed and replaced (uvicorn's default, 5, kills workers still starting on a busy box)")
    parser.add_argument("--no-access-log", action="store_true", help="no uvicorn access log lines")
    parser.add_argument("--no-migrate", action="store_true", help="do not apply pending migrations first")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .app import create_app
    from .migrate import migrate

    if args.workers < 1:
        log.error("--workers must be at least 1")
        return 2
    if not args.no_migrate:
        migrate(settings.database_url)
    for item in settings.describe_off():
        log.info("off: %s", item)
    options = {"host": args.host, "port": args.port, "log_level": "info", "access_log": not args.no_access_log}
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
    else:
        # Several processes need an import string: each worker calls the factory, which reads the same
        # environment this process was validated against (Settings.from_env above).
        uvicorn.run("bridge.app:create_app", factory=True, workers=args.workers,
                    timeout_worker_healthcheck=args.worker_healthcheck_timeout, **options)
    return 0
