"""``python -m bridge serve``: the web app under uvicorn.

``--workers N`` (N > 1) runs N web processes behind one port (uvicorn's supervisor; the kernel spreads
connections over them). Each process builds its own app and connection pool from the environment, so
everything it needs must be in the environment (docs/scaling.md).

The event loop and HTTP parser are uvloop and httptools when installed (pinned in requirements.txt; about
half the CPU per request of asyncio + h11, which matters when the web process shares its cores with Odoo),
else asyncio and h11: ``--loop``/``--http`` choose explicitly, and the start-up log says which ran.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys

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
    parser.add_argument("--loop", choices=["auto", "uvloop", "asyncio"], default="auto",
                        help="event loop (default auto: uvloop when installed, else asyncio)")
    parser.add_argument("--http", choices=["auto", "httptools", "h11"], default="auto",
                        help="HTTP/1.1 parser (default auto: httptools when installed, else h11)")


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def choose_server(loop: str = "auto", http: str = "auto") -> tuple[str, str]:
    """The (loop, http) uvicorn runs with: "auto" resolved to the fast implementation when it is
    installed (uvloop has no Windows build), else the pure-Python one. An explicit choice that is not
    installed raises ValueError."""
    fast_loop = _installed("uvloop") and sys.platform != "win32"
    if loop == "auto":
        loop = "uvloop" if fast_loop else "asyncio"
    elif loop == "uvloop" and not fast_loop:
        raise ValueError("--loop uvloop: uvloop is not installed (pip install -r requirements.txt)")
    if http == "auto":
        http = "httptools" if _installed("httptools") else "h11"
    elif http == "httptools" and not _installed("httptools"):
        raise ValueError("--http httptools: httptools is not installed (pip install -r requirements.txt)")
    return loop, http


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from .app import create_app
    from .migrate import migrate

    if args.workers < 1:
        log.error("--workers must be at least 1")
        return 2
    try:
        loop, http = choose_server(args.loop, args.http)
    except ValueError as exc:
        log.error("%s", exc)
        return 2
    if not args.no_migrate:
        migrate(settings.database_url)
    for item in settings.describe_off():
        log.info("off: %s", item)
    log.info("web server: uvicorn with %s + %s%s", loop, http,
             "" if (loop, http) == ("uvloop", "httptools") else " (uvloop/httptools not used: slower per request)")
    level = logging.getLevelName(max(logging.INFO, logging.getLogger().getEffectiveLevel())).lower()
    options = {"host": args.host, "port": args.port, "log_level": level, "access_log": not args.no_access_log,
               "loop": loop, "http": http}
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
    else:
        # Several processes need an import string: each worker calls the factory, which reads the same
        # environment this process was validated against (Settings.from_env above).
        uvicorn.run("bridge.app:create_app", factory=True, workers=args.workers,
                    timeout_worker_healthcheck=args.worker_healthcheck_timeout, **options)
    return 0
