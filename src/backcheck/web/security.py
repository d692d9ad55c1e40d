"""Security at the edge: allowed hosts, cross-site request refusal, CSRF tokens, headers.

- Host: only the configured names (stops DNS-rebinding pages from talking to the app);
  Starlette's TrustedHostMiddleware does this check.
- Unsafe methods from another site (``Origin`` or ``Sec-Fetch-Site`` says so) are refused.
- HTML forms carry a token signed with the app's key, bound to a random per-browser cookie.
- Every response gets a Content-Security-Policy that allows only the app's own origin.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "bc_csrf"
CSRF_FIELD = "csrf_token"
CSRF_MAX_AGE_S = 7 * 24 * 3600
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; connect-src 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ErrorResponder = Callable[[Request, Exception], Response]


class CsrfError(Exception):
    """A form came without a valid token."""


def _plain(status: int, text: str) -> list[Message]:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


def is_cross_site(headers: Headers) -> bool:
    """True when the browser says the request comes from another site."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:  # browsers that send it say exactly where the request is from
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if not origin:
        return False
    if origin == "null":
        return True
    return urlsplit(origin).netloc != headers.get("host", "")


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (the outermost layer of the app).

    It also answers an error nothing else handled with ``on_error``'s 500 (headers included)
    instead of letting it reach the server, which would drop the keep-alive connection.
    """

    def __init__(self, app: ASGIApp, *, on_error: ErrorResponder) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to whatever answers it."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                out = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    out.append(name.decode(), value.decode())
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if started:  # half a response went out: nothing better to do than close
                raise
            response = self.on_error(Request(scope), exc)
            await response(scope, receive, send_with_headers)


class CrossSiteMiddleware:
    """Refuses unsafe methods from another site and hands each browser its CSRF cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check where the request comes from, then set the cookie on the response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] in UNSAFE and is_cross_site(headers):
            for message in _plain(403, "Cross-site requests are not accepted."):
                await send(message)
            return
        cookie = SimpleCookie(headers.get("cookie", "")).get(CSRF_COOKIE)
        new_cookie = None if cookie else secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_cookie"] = cookie.value if cookie else new_cookie

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie is not None:
                MutableHeaders(scope=message).append(
                    "set-cookie", f"{CSRF_COOKIE}={new_cookie}; Path=/; HttpOnly; SameSite=Strict"
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def csrf_token(request: Request, secret_key: str) -> str:
    """The token to put in a form rendered for this browser."""
    return URLSafeTimedSerializer(secret_key, salt="csrf").dumps(request.state.csrf_cookie)


def check_csrf(request: Request, secret_key: str, token: Any) -> None:
    """Raise CsrfError unless ``token`` was issued for this browser's cookie."""
    if not isinstance(token, str) or not token:
        raise CsrfError("missing form token")
    try:
        value = URLSafeTimedSerializer(secret_key, salt="csrf").loads(token, max_age=CSRF_MAX_AGE_S)
    except BadSignature as exc:
        raise CsrfError("invalid form token") from exc
    if not secrets.compare_digest(str(value), str(request.state.csrf_cookie)):
        raise CsrfError("form token does not match this browser")
