"""Request-body limits, counted while the body streams in (Content-Length is not trusted).

JSON and form bodies get a few MB; imports their own, larger limit; video uploads the upload
limit plus a little room for the other multipart parts (every part counts). Past the limit
the request is answered 413 at once, before the rest is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_PATHS = frozenset({"/analyses", "/api/v1/analyses"})
IMPORT_PATHS = frozenset({"/data/import", "/api/v1/import"})
MULTIPART_ROOM = 64 * 1024  # the lift field, the form token, part headers and boundaries


@dataclass(frozen=True)
class BodyLimits:
    """The byte limits by kind of request."""

    json_bytes: int
    import_bytes: int
    upload_bytes: int

    def for_path(self, path: str) -> int:
        """The limit of a request to ``path``."""
        if path in UPLOAD_PATHS:
            return self.upload_bytes + MULTIPART_ROOM
        if path in IMPORT_PATHS:
            return self.import_bytes
        return self.json_bytes


class BodyTooLarge(HTTPException):
    """The body passed its limit (an HTTPException, so FastAPI's body parsing lets it out)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))
        self.limit = limit


Responder = Callable[[Request, int, str], Response]


class BodyLimitMiddleware:
    """Counts each request body against the limit of its path, as it streams in."""

    def __init__(self, app: ASGIApp, *, limits: BodyLimits, respond: Responder) -> None:
        self.app = app
        self.limits = limits
        self.respond = respond

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse at once past a declared length; otherwise count every chunk received."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_path(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self.respond(Request(scope), 413, too_large(limit))(scope, receive, send)
            return
        total = 0
        started = False

        async def counted() -> Message:
            nonlocal total
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:  # raised where no handler saw it (e.g. while reading a form)
            if started:
                raise
            await self.respond(Request(scope), 413, too_large(limit))(scope, receive, send)


def too_large(limit: int) -> str:
    """The 413 message."""
    return f"The request is too large: this address takes at most {megabytes(limit)}."


def megabytes(limit: int) -> str:
    """A limit in words."""
    return f"{limit / 1_048_576:.0f} MB" if limit >= 1_048_576 else f"{limit / 1024:.0f} kB"
