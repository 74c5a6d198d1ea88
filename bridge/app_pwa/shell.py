"""The app's static shell: ``/app/`` (index), ``/app/manifest.webmanifest``, ``/app/sw.js``, JS, CSS, icons.

Public (no customer data in any of them). Strict headers: a CSP that allows only this origin, no referrer
(the link's fragment never leaves the phone anyway), no framing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "app.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
    "icon-192.png": "image/png",
    "icon-512.png": "image/png",
}


def _inline_style_hashes() -> str:
    """CSP hashes of index.html's inline <style> (critical CSS inline: first paint needs no second request)."""
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(m.encode()).digest()).decode()}'"
                    for m in re.findall(r"<style>(.*?)</style>", html, re.S))


HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; "
    f"style-src 'self' {_inline_style_hashes()}; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
# The service worker checks for a new shell on every load; the other files are versioned by it.
NO_CACHE = {**HEADERS, "Cache-Control": "no-cache"}

router = APIRouter(tags=["customer app"], include_in_schema=False)


@router.get("/app")
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=308)


@router.get("/app/")
def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8", headers=NO_CACHE)


@router.get("/app/manifest.webmanifest")
def manifest() -> FileResponse:
    return FileResponse(STATIC / "manifest.webmanifest", media_type="application/manifest+json", headers=NO_CACHE)


@router.get("/app/sw.js")
def service_worker() -> FileResponse:
    return FileResponse(STATIC / "sw.js", media_type="text/javascript; charset=utf-8",
                        headers={**NO_CACHE, "Service-Worker-Allowed": "/app/"})


def _static(name: str, media_type: str):
    def serve() -> FileResponse:
        return FileResponse(STATIC / name, media_type=media_type, headers=NO_CACHE)
    serve.__name__ = f"static_{name.replace('.', '_').replace('-', '_')}"
    return serve


for _name, _type in FILES.items():
    router.add_api_route(f"/app/{_name}", _static(_name, _type), methods=["GET"])
