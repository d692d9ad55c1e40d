"""The gate of network mode: without a paired device's cookie nothing but pairing gets in.

Unpaired API calls get 401 JSON; unpaired pages a "pair this device" page (also 401) that
shows no data. Static assets (style, script, icons, manifest) carry no data and stay open so
that page can render; the pairing link itself is open, and rate-limited in its view.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from backcheck.web.pairing.cookie import DEVICE_COOKIE, read_device
from backcheck.web.pairing.store import active_device

OPEN_PREFIXES = ("/pair/", "/static/")
OPEN_PATHS = frozenset({"/favicon.ico", "/manifest.webmanifest"})
UNPAIRED_MESSAGE = (
    "This device is not paired with backcheck. Open the pairing link shown where backcheck "
    "is running (or scan its QR code) on this device first."
)


def is_open_path(path: str) -> bool:
    """Paths an unpaired device may reach: the pairing link and data-free assets."""
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def wants_json(path: str) -> bool:
    """The API and its description answer JSON; everything else is a page."""
    return path.startswith("/api/") or path == "/openapi.json"


def cookie_value(headers: Headers, name: str) -> str | None:
    """One cookie's value from the request, None when absent or the header is malformed."""
    try:
        morsel = SimpleCookie(headers.get("cookie", "")).get(name)
    except CookieError:
        return None
    return morsel.value if morsel else None


class PairingGate:
    """ASGI middleware: let a request through only from a paired, unrevoked device."""

    def __init__(self, app: ASGIApp, *, secret_key: str) -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass paired devices and open paths; answer 401 to everything else."""
        if scope["type"] != "http" or is_open_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        device_id = read_device(self.secret_key, cookie_value(Headers(scope=scope), DEVICE_COOKIE))
        if device_id is not None and await run_in_threadpool(self._is_active, scope, device_id):
            scope.setdefault("state", {})["device_id"] = device_id
            await self.app(scope, receive, send)
            return
        await self._refuse(scope, receive, send)

    @staticmethod
    def _is_active(scope: Scope, device_id: str) -> bool:
        db = scope["app"].state.ctx.db
        with db.session() as session:
            return (
                active_device(session=session, device_id=device_id, now=datetime.now(UTC))
                is not None
            )

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if wants_json(scope["path"]):
            body = json.dumps({"error": {"status": 401, "message": UNPAIRED_MESSAGE}}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b'Cookie realm="backcheck pairing"'),
                        (b"cache-control", b"no-store"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        request = Request(scope, receive)
        templates = scope["app"].state.ctx.templates
        response = templates.TemplateResponse(
            request, "pairing/unpaired.html", {"message": UNPAIRED_MESSAGE}, status_code=401
        )
        response.headers["cache-control"] = "no-store"
        await response(scope, receive, send)
