"""Video upload, live progress, result pages, and the analyses API."""

from __future__ import annotations

import mimetypes
import shutil
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, RedirectResponse
from starlette.responses import Response

from backcheck.core.vocabulary import LIFT_CHOICES
from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.jobs.runner import filming_guidance, video_available
from backcheck.storage import AnalysisJob
from backcheck.storage.files import private_folder
from backcheck.web.analyses import service
from backcheck.web.analyses.schemas import AnalysisOut, JobOut
from backcheck.web.analyses.upload import UploadError, check_declared_length, receive_upload
from backcheck.web.context import AppContext, render
from backcheck.web.deps import ContextDep, FormDep, JobDep, SessionDep
from backcheck.web.errors import AppError, error_responses
from backcheck.web.interview.service import latest_interview
from backcheck.web.security import CSRF_FIELD, check_csrf

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/analyses", tags=["analyses"])

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
                        "lift": {"type": "string", "enum": list(LIFT_CHOICES), "default": "auto"},
                        "reference": {
                            "type": "string",
                            "enum": ["yes", "no"],
                            "default": "no",
                            "description": "yes: this is the lifter's reference set for its lift",
                        },
                    },
                }
            }
        },
    }
}
NOT_AVAILABLE = "Video analysis is not available in this installation."


def _queue(
    ctx: AppContext,
    *,
    job_id: str,
    lift: str,
    label: str,
    container: str,
    size: int,
    is_reference: bool,
) -> None:
    with ctx.db.session() as session:
        if not is_reference:
            service.write_reference_sets(
                folder=jobs.job_dir(root=ctx.settings.analyses_dir, job_id=job_id),
                references=jobs.reference_jobs(session=session),
            )
        jobs.create_job(
            session=session,
            job_id=job_id,
            lift=lift,
            label=label,
            container=container,
            size=size,
            is_reference=is_reference,
        )


async def _accept_upload(request: Request, ctx: AppContext, *, form_token: bool) -> str:
    """Stream the upload into a new job folder, queue the job, return its id."""
    limit = ctx.settings.max_upload_bytes
    check_declared_length(content_length=request.headers.get("content-length"), max_bytes=limit)
    job_id = jobs.allocate_job_id()
    folder = private_folder(jobs.job_dir(root=ctx.settings.analyses_dir, job_id=job_id))
    staging = folder / ".upload.part"
    try:
        upload = await receive_upload(
            stream=request.stream(),
            content_type=request.headers.get("content-type", ""),
            target=staging,
            max_bytes=limit,
            stall_s=ctx.settings.upload_stall_s,
        )
        if form_token:
            check_csrf(request, ctx.settings.secret_key, upload.fields.get(CSRF_FIELD))
        lift = upload.fields.get("lift", "auto").strip() or "auto"
        if lift not in LIFT_CHOICES:
            raise UploadError(
                422, f"Choose a lift from the list ({', '.join(LIFT_CHOICES)}).", field="lift"
            )
        assert upload.container is not None
        staging.rename(jobs.input_path(folder=folder, container=upload.container))
        await run_in_threadpool(
            _queue,
            ctx,
            job_id=job_id,
            lift=lift,
            label=service.safe_label(filename=upload.filename),
            container=upload.container,
            size=upload.size,
            is_reference=upload.fields.get("reference", "").strip().lower()
            in ("yes", "on", "true"),
        )
    except BaseException:  # nothing is kept of a refused upload, nor of one not queued
        shutil.rmtree(folder, ignore_errors=True)
        raise
    ctx.jobs.submit(job_id)
    return job_id


def _upload_page(
    request: Request, ctx: AppContext, *, error: UploadError | None = None
) -> Response:
    with ctx.db.session() as session:
        listed = jobs.list_jobs(session=session)
        references = service.reference_list(references=jobs.reference_jobs(session=session))
    return render(
        request,
        "analyses/upload.html",
        error.status if error else 200,
        jobs=listed,
        references=references,
        error=error,
        lifts=LIFT_CHOICES,
        available=video_available(),
        guidance=filming_guidance(),
        max_mb=ctx.settings.max_upload_bytes / 1_048_576,
    )


@pages.get("/analyses")
def upload_page(request: Request, ctx: ContextDep) -> Response:
    """The upload form and past analyses."""
    return _upload_page(request, ctx)


@pages.post("/analyses")
async def upload_form(request: Request, ctx: ContextDep) -> Response:
    """Receive a video from the form, then show its progress page."""
    if not video_available():
        raise AppError(503, NOT_AVAILABLE)
    try:
        job_id = await _accept_upload(request, ctx, form_token=True)
    except UploadError as exc:
        return await run_in_threadpool(_upload_page, request, ctx, error=exc)
    return RedirectResponse(f"/analyses/{job_id}", status_code=303)


@pages.get("/analyses/{job_id}")
def job_page(request: Request, job: JobDep, session: SessionDep) -> Response:
    """Progress while it runs; the result (video, plots, reps) or the reason when finished."""
    status = service.job_status(job=job)
    if job.status == JobStatus.DONE and job.result is not None:
        result = service.public_result(job_id=job.id, result=job.result)
        interview = latest_interview(session=session)
        return render(
            request,
            "analyses/result.html",
            job=status,
            r=result,
            is_reference=job.is_reference,
            interview_id=interview.id if interview is not None else None,
            in_use=interview is not None and interview.analysis_id == job.id,
        )
    return render(request, "analyses/progress.html", job=status)


@pages.post("/analyses/{job_id}/use")
def use_in_assessment(_form: FormDep, job: JobDep, session: SessionDep) -> Response:
    """Weigh this analysis in the latest interview's assessment (the lifter's choice)."""
    interview = latest_interview(session=session)
    if interview is None:
        raise AppError(409, "Answer the interview first, then choose a video for it.")
    if job.status != JobStatus.DONE or job.result is None:
        raise AppError(409, "This analysis has not finished.")
    interview.analysis_id = job.id
    return RedirectResponse(f"/interview/{interview.id}/result", status_code=303)


def _artifact(ctx: AppContext, job: AnalysisJob, name: str) -> Response:
    if job.result is None or name not in service.artifact_names(result=job.result):
        raise AppError(404, "No such file.")
    path = jobs.job_dir(root=ctx.settings.analyses_dir, job_id=job.id) / name
    if not path.is_file():
        raise AppError(404, "The file is missing.")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type)


@pages.post("/analyses/{job_id}/delete")
def delete_page(
    request: Request, ctx: ContextDep, form: FormDep, job: JobDep, session: SessionDep
) -> Response:
    """Delete an analysis after asking once, naming what goes with it."""
    if job.status.active:
        raise AppError(
            409, service.still_running_message(job=job, timeout_s=ctx.settings.job_timeout_s)
        )
    if form.get("confirm") != "yes":
        return render(
            request,
            "analyses/confirm_delete.html",
            job=service.job_status(job=job),
            is_reference=job.is_reference,
            in_use=service.interviews_using(session=session, job_id=job.id),
        )
    if not service.delete_analysis(session=session, root=ctx.settings.analyses_dir, job_id=job.id):
        raise AppError(409, "This analysis changed meanwhile; open it again.")
    return RedirectResponse("/analyses?deleted=1", status_code=303)


@pages.get("/analyses/{job_id}/artifacts/{name}")
def artifact_page(ctx: ContextDep, job: JobDep, name: str) -> Response:
    """An annotated video or plot of a finished analysis."""
    return _artifact(ctx, job, name)


@api.post(
    "",
    status_code=202,
    summary="Upload a video for analysis (multipart: video, lift)",
    openapi_extra=UPLOAD_BODY,
    response_model=JobOut,
    responses=error_responses(400, 403, 408, 413, 415, 422, 503, 507),
)
async def api_upload(request: Request, ctx: ContextDep) -> Any:
    """Queue an analysis; poll the returned status link for progress."""
    if not video_available():
        raise AppError(503, NOT_AVAILABLE)
    try:
        job_id = await _accept_upload(request, ctx, form_token=False)
    except UploadError as exc:
        raise AppError(exc.status, exc.message, field=exc.field) from exc

    def status() -> JobOut:
        with ctx.db.session() as session:
            job = jobs.get_job(session=session, job_id=job_id)
            assert job is not None
            return service.job_out(job=job)

    return await run_in_threadpool(status)


@api.get("", summary="List analyses", response_model=list[JobOut])
def api_list(session: SessionDep) -> Any:
    """The newest analyses first."""
    return [service.job_out(job=j) for j in jobs.list_jobs(session=session)]


@api.get(
    "/{job_id}",
    summary="Status and progress of an analysis",
    response_model=JobOut,
    responses=error_responses(404),
)
def api_status(job: JobDep) -> Any:
    """queued, running (with progress 0..1 and the stage), done, or failed (with the reason)."""
    return service.job_out(job=job)


@api.delete(
    "/{job_id}",
    status_code=204,
    summary="Delete an analysis (its video, files and result)",
    responses=error_responses(403, 404, 409),
    response_class=Response,
)
def api_delete(ctx: ContextDep, job: JobDep, session: SessionDep) -> Response:
    """Delete a finished or failed analysis; an interview that chose it no longer uses it.

    409 while it is queued or running (its worker is still writing it): wait for it to end.
    """
    timeout_s = ctx.settings.job_timeout_s
    if job.status.active:
        raise AppError(409, service.still_running_message(job=job, timeout_s=timeout_s))
    if not service.delete_analysis(session=session, root=ctx.settings.analyses_dir, job_id=job.id):
        raise AppError(409, "This analysis changed meanwhile; try again.")
    return Response(status_code=204)


@api.get(
    "/{job_id}/result",
    summary="The analysis JSON",
    response_model=AnalysisOut,
    responses=error_responses(404, 409),
)
def api_result(job: JobDep) -> Any:
    """The analysis of a finished job (409 while it runs)."""
    if job.status != JobStatus.DONE or job.result is None:
        raise AppError(409, f"The analysis is {job.status}, not done.")
    return service.public_result(job_id=job.id, result=job.result)


@api.get(
    "/{job_id}/artifacts/{name}",
    summary="An artifact file (annotated video, plot)",
    responses={
        200: {"content": {"video/mp4": {}, "image/png": {}}, "description": "The file"},
        **error_responses(404),
    },
    response_class=FileResponse,
)
def api_artifact(ctx: ContextDep, job: JobDep, name: str) -> Response:
    """Download one artifact of a finished analysis."""
    return _artifact(ctx, job, name)
