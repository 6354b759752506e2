"""The phone wallet and the explorer as static files: ``/wallet/`` (a PWA) and ``/explorer/``.

The files are the build output of ``web/`` (``npm run build``, run by ``make``), found in
``web/dist`` beside the packages or wherever the app's ``WEB_ROOT`` setting points. These are
not API endpoints and are not part of the OpenAPI document. Every answer is revalidated
(``no-cache`` with an ETag): the service worker holds the offline copy, and a bank that updates
its build must reach phones at their next start. The content security policy allows only the
node's own origin: no inline script, no CDN.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_file

from api.errors import NotFound
from api.spec import Catalogue

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "web" / "dist"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


def blueprint(catalogue: Catalogue) -> Blueprint:
    """Static routes (the catalogue is not used: nothing here belongs in /openapi.json)."""
    bp = Blueprint("web", __name__)

    @bp.get("/wallet")
    @bp.get("/explorer")
    def bare() -> Response:
        return redirect(request.path + "/", code=308)  # type: ignore[return-value]

    @bp.get("/<any(wallet, explorer):app>/")
    @bp.get("/<any(wallet, explorer):app>/<path:name>")
    def static_file(app: str, name: str = "index.html") -> Response:
        return serve(app, name)

    return bp


def web_root() -> Path:
    """Where the built app lives (setting ``WEB_ROOT``, else ``web/dist``)."""
    return Path(current_app.config.get("WEB_ROOT") or DEFAULT_ROOT)


def serve(app: str, name: str) -> Response:
    """One built file with its content type and cache headers; a problem if there is none."""
    base = (web_root() / app).resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise NotFound(resource=request.path)
    kind = (
        TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )
    response = send_file(path, mimetype=kind, etag=True, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    if name == "sw.js":
        response.headers["Service-Worker-Allowed"] = f"/{app}/"
    return response
