"""Export and import: a page with a download link and an upload form, and the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from backcheck.storage.errors import StorageError
from backcheck.web.backup import service
from backcheck.web.backup.reading import collector_paused, free_in_steps, loads_in_steps
from backcheck.web.backup.schemas import ImportCounts
from backcheck.web.context import AppContext, render
from backcheck.web.deps import ContextDep, SessionDep, SettingsDep
from backcheck.web.errors import AppError, error_responses, storage_failure
from backcheck.web.security import CSRF_FIELD, check_csrf
from backcheck.web.settings import Settings

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["export"])
NOT_AN_EXPORT = "That file is not JSON backcheck can read; choose an export file (.json)."


def _export_response(session: Session, settings: Settings) -> Response:
    document = service.export_all(session=session, analyses_root=settings.analyses_dir)
    name = service.export_filename(today=date.today())
    return JSONResponse(document, headers={"content-disposition": f'attachment; filename="{name}"'})


@pages.get("/data")
def data_page(request: Request) -> Response:
    """Download everything, or bring an export back in."""
    return render(request, "data.html")


@pages.get("/data/export")
def data_export(session: SessionDep, settings: SettingsDep) -> Response:
    """Download the export file."""
    return _export_response(session, settings)


def _import(ctx: AppContext, raw: bytes) -> dict[str, int]:
    """Parse and import an export (in a worker thread: the parse lets the loop run between
    records); raises NotAnExport, ImportRejected or a storage fault.

    The garbage collector stays paused through the checks too: with the whole document alive,
    each full collection would walk its million objects with the GIL held (about a second on
    a 12 MB file), stalling the event loop as the old one-call parse did. A refusal is raised
    afresh once the document is gone (the original's traceback holds it, and a collection
    resumed meanwhile would walk it).
    """
    failure: Exception
    with collector_paused():
        try:
            return _import_now(ctx, raw)
        except service.ImportRejected as exc:
            failure = service.ImportRejected(exc.message, field=exc.field)
        except NotAnExport as exc:
            failure = NotAnExport(str(exc))
        except StorageError as exc:
            failure = type(exc)(str(exc))
    raise failure


def _import_now(ctx: AppContext, raw: bytes) -> dict[str, int]:
    try:
        document = loads_in_steps(raw)
    except (ValueError, RecursionError):  # bad JSON or text, nesting, huge numbers
        raise NotAnExport(NOT_AN_EXPORT) from None
    try:
        with ctx.db.session() as session:
            return service.import_all(
                session=session, document=document, analyses_root=ctx.settings.analyses_dir
            )
    finally:
        free_in_steps(document)


class NotAnExport(ValueError):
    """The file is not JSON at all."""


def _import_page(request: Request, ctx: AppContext, raw: bytes) -> Response:
    try:
        counts = _import(ctx, raw)
    except NotAnExport as exc:
        return render(request, "data.html", 422, error=str(exc))
    except service.ImportRejected as exc:
        where = f" ({exc.field})" if exc.field else ""
        return render(request, "data.html", 422, error=f"{exc.message}{where}")
    except StorageError as exc:
        status, message = storage_failure(exc, method="POST", path=request.url.path)
        return render(request, "data.html", status, error=message)
    return render(request, "data.html", counts=counts)


@pages.post("/data/import")
async def data_import(request: Request, ctx: ContextDep) -> Response:
    """Import an export file chosen in the form."""
    form = await request.form(max_files=1, max_fields=5)
    check_csrf(request, ctx.settings.secret_key, form.get(CSRF_FIELD))
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return render(request, "data.html", 422, error="Choose an export file (.json).")
    limit = ctx.settings.max_import_bytes
    raw = await upload.read(limit + 1)
    if len(raw) > limit:
        return render(request, "data.html", 413, error="That file is too large for an export.")
    return await run_in_threadpool(_import_page, request, ctx, raw)


@api.get("/export", summary="Export everything as JSON")
def api_export(session: SessionDep, settings: SettingsDep) -> Response:
    """Interviews, journal entries and analyses (with their artifact files) in one document."""
    return _export_response(session, settings)


IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "An export document, as GET /api/v1/export writes it.",
                    "additionalProperties": True,
                }
            }
        },
    }
}


@api.post(
    "/import",
    summary="Import an export (adds what is missing)",
    response_model=ImportCounts,
    openapi_extra=IMPORT_BODY,
    responses=error_responses(403, 413, 422, 503, 507),
)
async def api_import(request: Request, ctx: ContextDep) -> Any:
    """Counts of what was added and what was already there (all or nothing).

    The body is read here and parsed in a worker thread (FastAPI would parse and validate a
    128 MB document on the event loop).
    """
    raw = await request.body()
    try:
        counts = await run_in_threadpool(_import, ctx, raw)
    except NotAnExport as exc:
        raise AppError(422, str(exc)) from exc
    return ImportCounts(**counts)
