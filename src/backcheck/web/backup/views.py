"""Export and import: a page with a download link and an upload form, and the JSON API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response

from backcheck.web.backup import service
from backcheck.web.backup.schemas import ImportCounts
from backcheck.web.context import render
from backcheck.web.deps import ContextDep, SessionDep, SettingsDep
from backcheck.web.errors import error_responses
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


def _import_page(request: Request, ctx: ContextDep, raw: bytes) -> Response:
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON or text, nesting or a huge number
        return render(request, "data.html", 422, error=NOT_AN_EXPORT)
    try:
        with ctx.db.session() as session:
            counts = service.import_all(
                session=session, document=document, analyses_root=ctx.settings.analyses_dir
            )
    except service.ImportRejected as exc:
        where = f" ({exc.field})" if exc.field else ""
        return render(request, "data.html", 422, error=f"{exc.message}{where}")
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


@api.post(
    "/import",
    summary="Import an export (adds what is missing)",
    responses=error_responses(403, 413, 422),
)
def api_import(
    document: dict[str, Any], session: SessionDep, settings: SettingsDep
) -> ImportCounts:
    """Counts of what was added and what was already there (all or nothing)."""
    counts = service.import_all(
        session=session, document=document, analyses_root=settings.analyses_dir
    )
    return ImportCounts(**counts)
