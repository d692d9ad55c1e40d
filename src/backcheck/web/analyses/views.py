"""Video upload, live progress, result pages, and the analyses API."""

from __future__ import annotations

import mimetypes
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.responses import Response

from backcheck.web.analyses import service
from backcheck.web.analyses.jobs import input_path
from backcheck.web.analyses.runner import LIFTS, filming_guidance, video_available
from backcheck.web.analyses.upload import UploadError, check_declared_length, receive_upload
from backcheck.web.context import AppContext, get_ctx, render
from backcheck.web.errors import AppError, error_responses
from backcheck.web.security import CSRF_FIELD, check_csrf

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/v1/analyses",
    tags=["analyses"],
    responses=error_responses(400, 404, 409, 413, 415, 422, 503),
)

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["video"],
                    "properties": {
                        "video": {"type": "string", "format": "binary"},
                        "lift": {"type": "string", "enum": list(LIFTS), "default": "auto"},
                    },
                }
            }
        },
    }
}


async def _accept_upload(request: Request, *, form_token: bool) -> str:
    """Stream the upload into a new job folder, queue the job, return its id."""
    ctx = get_ctx(request)
    limit = ctx.settings.max_upload_bytes
    check_declared_length(content_length=request.headers.get("content-length"), max_bytes=limit)
    job_id = service.allocate_job_id()
    folder = service.job_dir(root=ctx.settings.analyses_dir, job_id=job_id)
    folder.mkdir(parents=True, exist_ok=True)
    staging = folder / ".upload.part"
    try:
        upload = await receive_upload(
            stream=request.stream(),
            content_type=request.headers.get("content-type", ""),
            target=staging,
            max_bytes=limit,
        )
        if form_token:
            check_csrf(request, ctx.settings.secret_key, upload.fields.get(CSRF_FIELD))
        lift = upload.fields.get("lift", "auto").strip() or "auto"
        if lift not in LIFTS:
            raise UploadError(
                422, f"Choose a lift from the list ({', '.join(LIFTS)}).", field="lift"
            )
        assert upload.container is not None
        staging.rename(input_path(folder=folder, container=upload.container))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    with ctx.db.session() as session:
        service.create_job(
            session=session,
            job_id=job_id,
            lift=lift,
            label=service.safe_label(filename=upload.filename),
            container=upload.container,
            size=upload.size,
        )
    ctx.jobs.notify()
    return job_id


def _upload_page(request: Request, *, error: UploadError | None = None) -> Response:
    with get_ctx(request).db.session() as session:
        jobs = service.list_jobs(session=session)
    return render(
        request,
        "analyses/upload.html",
        error.status if error else 200,
        jobs=jobs,
        error=error,
        lifts=LIFTS,
        available=video_available(),
        guidance=filming_guidance(),
        max_mb=get_ctx(request).settings.max_upload_bytes / 1_048_576,
    )


@pages.get("/analyses")
def upload_page(request: Request) -> Response:
    """The upload form and past analyses."""
    return _upload_page(request)


@pages.post("/analyses")
async def upload_form(request: Request) -> Response:
    """Receive a video from the form, then show its progress page."""
    if not video_available():
        raise AppError(503, "Video analysis is not available in this installation.")
    try:
        job_id = await _accept_upload(request, form_token=True)
    except UploadError as exc:
        return _upload_page(request, error=exc)
    return RedirectResponse(f"/analyses/{job_id}", status_code=303)


def _job_or_404(ctx: AppContext, job_id: str) -> Any:
    with ctx.db.session() as session:
        job = service.get_job(session=session, job_id=job_id)
        if job is None:
            raise AppError(404, "No such analysis.")
        return job


@pages.get("/analyses/{job_id}")
def job_page(request: Request, job_id: str) -> Response:
    """Progress while it runs; the result (video, plots, reps) or the reason when finished."""
    job = _job_or_404(get_ctx(request), job_id)
    status = service.job_status(job=job)
    if job.status == "done" and job.result is not None:
        result = service.public_result(job_id=job.id, result=job.result)
        return render(request, "analyses/result.html", job=status, r=result)
    return render(request, "analyses/progress.html", job=status)


def _artifact(ctx: AppContext, job_id: str, name: str) -> Response:
    job = _job_or_404(ctx, job_id)
    if job.result is None or name not in service.artifact_names(result=job.result):
        raise AppError(404, "No such file.")
    path = service.job_dir(root=ctx.settings.analyses_dir, job_id=job_id) / name
    if not path.is_file():
        raise AppError(404, "The file is missing.")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)


@pages.get("/analyses/{job_id}/artifacts/{name}")
def artifact_page(request: Request, job_id: str, name: str) -> Response:
    """An annotated video or plot of a finished analysis."""
    return _artifact(get_ctx(request), job_id, name)


@api.post(
    "",
    status_code=202,
    summary="Upload a video for analysis (multipart: video, lift)",
    openapi_extra=UPLOAD_BODY,
)
async def api_upload(request: Request) -> Response:
    """Queue an analysis; poll the returned status link for progress."""
    if not video_available():
        raise AppError(503, "Video analysis is not available in this installation.")
    try:
        job_id = await _accept_upload(request, form_token=False)
    except UploadError as exc:
        raise AppError(exc.status, exc.message, field=exc.field) from exc
    job = _job_or_404(get_ctx(request), job_id)
    return JSONResponse(service.job_status(job=job), status_code=202)


@api.get("", summary="List analyses")
def api_list(request: Request) -> list[dict[str, Any]]:
    """The newest analyses first."""
    with get_ctx(request).db.session() as session:
        return [service.job_status(job=j) for j in service.list_jobs(session=session)]


@api.get("/{job_id}", summary="Status and progress of an analysis")
def api_status(request: Request, job_id: str) -> dict[str, Any]:
    """queued, running (with progress 0..1 and the stage), done, or failed (with the reason)."""
    return service.job_status(job=_job_or_404(get_ctx(request), job_id))


@api.get("/{job_id}/result", summary="The analysis JSON")
def api_result(request: Request, job_id: str) -> dict[str, Any]:
    """The analysis of a finished job (409 while it runs)."""
    job = _job_or_404(get_ctx(request), job_id)
    if job.status != "done" or job.result is None:
        raise AppError(409, f"The analysis is {job.status}, not done.")
    return service.public_result(job_id=job.id, result=job.result)


@api.get("/{job_id}/artifacts/{name}", summary="An artifact file (annotated video, plot)")
def api_artifact(request: Request, job_id: str, name: str) -> Response:
    """Download one artifact of a finished analysis."""
    return _artifact(get_ctx(request), job_id, name)
