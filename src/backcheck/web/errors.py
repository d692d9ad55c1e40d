"""Errors as pages or JSON, never a stack trace; validation errors name the field."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from backcheck.core import CaseError
from backcheck.storage.errors import (
    DatabaseBusy,
    DatabaseUnreachable,
    DiskError,
    DiskFull,
    StorageError,
)
from backcheck.web.backup.service import ImportRejected
from backcheck.web.security import CsrfError

log = logging.getLogger("backcheck.web")

TITLES = {
    400: "Bad request",
    401: "Pair this device",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Not ready",
    408: "Upload stalled",
    413: "Too large",
    415: "Not a video",
    422: "Check your input",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Not available",
    507: "Disk full",
}


MAX_MESSAGE_CHARS = 300
MAX_FIELD_CHARS = 80


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis says it was cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


UNEXPECTED = "An unexpected error happened. Try again; if it keeps happening, restart backcheck."

# What a storage fault means for the request that met it: (path prefixes, what was lost).
NOT_SAVED: tuple[tuple[tuple[str, ...], str], ...] = (
    (("/api/v1/journal", "/journal", "/today"), "Your entry was not saved"),
    (("/api/v1/interview", "/interview"), "Your answers were not saved"),
    (("/api/v1/import", "/data/import"), "Nothing was imported"),
    (("/api/v1/analyses", "/analyses"), "The video was not saved"),
    (("/devices", "/pair/"), "The device list was not changed"),
)
NOT_READ = "backcheck cannot read your data"
# (status, the fault in words, what to do), by fault; the first match wins.
STORAGE_FAULTS: tuple[tuple[type[StorageError], int, str, str], ...] = (
    (DiskFull, 507, "the disk is full", "Free some space and send it again."),
    (
        DatabaseUnreachable,
        503,
        "the database cannot be reached",
        "Check that the database server is running, then send it again.",
    ),
    (
        DatabaseBusy,
        503,
        "the database is busy",
        "Another program is holding it; wait a moment and send it again.",
    ),
    (
        DiskError,
        507,
        "the disk reported an error",
        "Check the disk (or free some space), then send it again.",
    ),
)


def storage_failure(error: StorageError, *, method: str, path: str) -> tuple[int, str]:
    """The status and the plain message for a storage fault met by ``method path``: what was
    not saved, why, and what to do."""
    status, fault, action = 503, error.reason, "Try again in a moment."
    for kind, kind_status, kind_fault, kind_action in STORAGE_FAULTS:
        if isinstance(error, kind):
            status, fault, action = kind_status, kind_fault, kind_action
            break
    if method in ("GET", "HEAD"):
        action = action.replace("send it again", "reload the page")
        return status, f"{NOT_READ}: {fault}. {action}"
    lost = next(
        (what for prefixes, what in NOT_SAVED if path.startswith(prefixes)), "Nothing was saved"
    )
    if method == "DELETE" or path.endswith("/delete"):
        lost = "Nothing was deleted"
    return status, f"{lost}: {fault}. {action}"


class ErrorBody(BaseModel):
    """What went wrong: the status, a plain message, and the field when one is to blame."""

    status: int
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    """Every API error has this shape."""

    error: ErrorBody


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a router answers with."""
    return {code: {"model": ErrorOut, "description": TITLES.get(code, "Error")} for code in codes}


class AppError(Exception):
    """An error with a status, a plain message and (optionally) the field it is about."""

    def __init__(self, status: int, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def wants_json(request: Request) -> bool:
    """API paths answer JSON; pages answer HTML."""
    return request.url.path.startswith("/api/")


def error_response(
    request: Request, status: int, message: str, field: str | None = None
) -> Response:
    """JSON for the API, an HTML page otherwise; echoed input is cut to a short prefix."""
    message = shorten(message, MAX_MESSAGE_CHARS)
    field = None if field is None else shorten(field, MAX_FIELD_CHARS)
    if wants_json(request):
        body: dict[str, Any] = {"error": {"status": status, "message": message}}
        if field is not None:
            body["error"]["field"] = field
        return JSONResponse(body, status_code=status)
    from backcheck.web.context import render  # the templates need the context; lazy

    title = TITLES.get(status, "Error")
    return render(request, "error.html", status, title=title, message=message, status=status)


def install_error_handlers(app: FastAPI) -> None:
    """Register handlers so no exception reaches the browser as a trace."""

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return error_response(request, exc.status, exc.message, exc.field)

    @app.exception_handler(CaseError)
    async def case_error(request: Request, exc: CaseError) -> Response:
        return error_response(request, 422, exc.message, exc.field)

    @app.exception_handler(ImportRejected)
    async def import_rejected(request: Request, exc: ImportRejected) -> Response:
        return error_response(request, 422, exc.message, exc.field)

    @app.exception_handler(StorageError)
    async def storage_error(request: Request, exc: StorageError) -> Response:
        log.warning("storage fault on %s %s: %s", request.method, request.url.path, exc)
        status, message = storage_failure(exc, method=request.method, path=request.url.path)
        return error_response(request, status, message)

    @app.exception_handler(CsrfError)
    async def csrf_error(request: Request, exc: CsrfError) -> Response:
        message = f"The form expired or came from elsewhere ({exc}). Reload the page and try again."
        return error_response(request, 403, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "")
        return error_response(request, exc.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path")]
        return error_response(
            request, 422, str(first.get("msg", "invalid input")), ".".join(loc) or None
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return unexpected_error(request, exc)


def unexpected_error(request: Request, exc: Exception) -> Response:
    """The 500 answer to an error nothing else handled (logged with its trace, never shown)."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    try:
        return error_response(request, 500, UNEXPECTED)
    except Exception:  # the page itself failed: plain JSON still says it
        body = {"error": {"status": 500, "message": UNEXPECTED}}
        return JSONResponse(body, status_code=500)


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI document say what the app really answers.

    FastAPI documents a 422 ``HTTPValidationError`` on every route with parameters; this app
    answers validation errors with ``ErrorOut``, and only where a body or a typed parameter
    can fail validation.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            responses = operation.get("responses", {})
            if "422" not in responses:
                continue
            typed = [
                p
                for p in operation.get("parameters", [])
                if p.get("schema", {}).get("type") not in (None, "string")
            ]
            if "requestBody" not in operation and not typed:
                del responses["422"]
                continue
            responses["422"] = {
                "description": TITLES[422],
                "content": {"application/json": {"schema": ref}},
            }
    return schema
