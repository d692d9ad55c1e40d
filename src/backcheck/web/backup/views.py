"""Export and import: a page with a download link and an upload form, and the JSON API."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.responses import Response

from backcheck.web.backup import service
from backcheck.web.context import get_ctx, render
from backcheck.web.errors import AppError, error_responses
from backcheck.web.security import CSRF_FIELD, check_csrf

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["export"], responses=error_responses(422))
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _export_response(request: Request) -> Response:
    with get_ctx(request).db.session() as session:
        document = service.export_all(session=session)
    name = service.export_filename(today=date.today())
    return JSONResponse(document, headers={"content-disposition": f'attachment; filename="{name}"'})


@pages.get("/data")
def data_page(request: Request) -> Response:
    """Download everything, or bring an export back in."""
    return render(request, "data.html")


@pages.get("/data/export")
def data_export(request: Request) -> Response:
    """Download the export file."""
    return _export_response(request)


@pages.post("/data/import")
async def data_import(request: Request) -> Response:
    """Import an export file chosen in the form."""
    form = await request.form(max_files=1, max_fields=5)
    check_csrf(request, get_ctx(request).settings.secret_key, form.get(CSRF_FIELD))
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return render(request, "data.html", 422, error="Choose an export file (.json).")
    raw = await upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        return render(request, "data.html", 413, error="That file is too large for an export.")
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return render(request, "data.html", 422, error="That file is not JSON.")
    try:
        with get_ctx(request).db.session() as session:
            counts = service.import_all(session=session, document=document)
    except AppError as exc:
        where = f" ({exc.field})" if exc.field else ""
        return render(request, "data.html", 422, error=f"{exc.message}{where}")
    return render(request, "data.html", counts=counts)


@api.get("/export", summary="Export everything as JSON")
def api_export(request: Request) -> Response:
    """Interviews, journal entries and analysis results in one document."""
    return _export_response(request)


@api.post("/import", summary="Import an export (adds what is missing)")
def api_import(request: Request, document: dict[str, Any]) -> dict[str, int]:
    """Counts of what was added and what was already there."""
    with get_ctx(request).db.session() as session:
        return service.import_all(session=session, document=document)
