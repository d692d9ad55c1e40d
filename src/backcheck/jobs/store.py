"""Analysis jobs in the database: create, read, claim, progress, finish, recover.

The database is the queue of the embedded backend: a row is queued when its video is in
place, a worker claims it (queued → running) with a conditional update, and writes its own
progress and outcome. Nothing here knows about HTTP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from backcheck.jobs.process import WorkerId
from backcheck.jobs.status import ACTIVE, JobStatus
from backcheck.storage import AnalysisJob, Interview
from backcheck.storage.models import new_id, utcnow

INPUT_NAME = "input"
INTERRUPTED = "The server stopped while this video was being analysed. Upload it again."
WORKER_GONE = (
    "The analysis stopped before it finished: its process ended while the server was down. "
    "Upload the video again."
)
JOB_ID = re.compile(r"[0-9a-f]{32}")


def job_dir(*, root: Path, job_id: str) -> Path:
    """The folder of one job (input and outputs); ids are server-made hex strings."""
    if not JOB_ID.fullmatch(job_id):
        raise ValueError("bad job id")
    return root / job_id


def input_path(*, folder: Path, container: str) -> Path:
    """Where a job's uploaded video lives."""
    return folder / f"{INPUT_NAME}.{container or 'bin'}"


def artifact_names(*, result: dict[str, Any]) -> list[str]:
    """The file names (inside the job folder) the analysis lists as artifacts."""
    artifacts = result.get("artifacts") or {}
    paths = [artifacts.get("annotated_video"), artifacts.get("contact_sheet")]
    paths += list(artifacts.get("plots") or [])
    return [Path(p).name for p in paths if isinstance(p, str) and p]


def allocate_job_id() -> str:
    """A fresh job id."""
    return new_id()


def create_job(
    *,
    session: Session,
    job_id: str,
    lift: str,
    label: str,
    container: str,
    size: int,
    is_reference: bool = False,
) -> AnalysisJob:
    """Queue a job for an uploaded video already in its folder."""
    job = AnalysisJob(
        id=job_id,
        lift=lift,
        label=label,
        container=container,
        size_bytes=size,
        status=JobStatus.QUEUED,
        is_reference=is_reference,
    )
    session.add(job)
    session.flush()
    return job


def get_job(*, session: Session, job_id: str) -> AnalysisJob | None:
    """One job by id."""
    return session.get(AnalysisJob, job_id)


def list_jobs(*, session: Session, limit: int = 50) -> list[AnalysisJob]:
    """The newest jobs first."""
    query = select(AnalysisJob).order_by(AnalysisJob.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def latest_result(*, session: Session) -> tuple[str, dict[str, Any]] | None:
    """The label and analysis JSON of the newest finished analysis, if any."""
    query = (
        select(AnalysisJob)
        .where(AnalysisJob.status == JobStatus.DONE)
        .order_by(AnalysisJob.finished_at.desc())
        .limit(1)
    )
    job = session.scalars(query).first()
    if job is None or job.result is None:
        return None
    return job.label, job.result


def reference_jobs(*, session: Session) -> dict[str, AnalysisJob]:
    """The lifter's reference set per lift: the newest finished reference whose back could be
    measured (a reference that could not be measured is no reference)."""
    query = (
        select(AnalysisJob)
        .where(AnalysisJob.status == JobStatus.DONE, AnalysisJob.is_reference.is_(True))
        .order_by(AnalysisJob.finished_at.desc())
    )
    out: dict[str, AnalysisJob] = {}
    for job in session.scalars(query):
        result = job.result or {}
        lift = result.get("lift")
        if isinstance(lift, str) and result.get("back_summary") and lift not in out:
            out[lift] = job
    return out


def queued_jobs(*, session: Session) -> list[AnalysisJob]:
    """Jobs waiting to run, oldest first."""
    query = (
        select(AnalysisJob)
        .where(AnalysisJob.status == JobStatus.QUEUED)
        .order_by(AnalysisJob.created_at)
    )
    return list(session.scalars(query))


def mark_running(*, session: Session, job_id: str, worker: WorkerId) -> bool:
    """Claim a queued job for ``worker``; False if someone else did or it is gone."""
    result = session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            started_at=utcnow(),
            stage="starting",
            progress=0.0,
            worker_pid=worker.pid,
            worker_started=worker.started,
            worker_host=worker.host[:255],
        )
    )
    return bool(getattr(result, "rowcount", 0))


def worker_of(job: AnalysisJob) -> WorkerId | None:
    """The worker that claimed the job, if one was recorded."""
    if job.worker_pid is None or job.worker_started is None or job.worker_host is None:
        return None
    return WorkerId(pid=job.worker_pid, started=job.worker_started, host=job.worker_host)


def running_jobs(*, session: Session) -> list[AnalysisJob]:
    """Jobs marked running (by this server's workers or a previous server's)."""
    query = select(AnalysisJob).where(AnalysisJob.status == JobStatus.RUNNING)
    return list(session.scalars(query.order_by(AnalysisJob.created_at)))


def set_progress(*, session: Session, job_id: str, progress: float, stage: str) -> None:
    """Record progress of a running job."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status == JobStatus.RUNNING)
        .values(progress=max(0.0, min(progress, 1.0)), stage=stage[:80])
    )


def mark_done(*, session: Session, job_id: str, result: dict[str, Any]) -> None:
    """Store the analysis and finish the job."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status.in_(ACTIVE))
        .values(
            status=JobStatus.DONE, progress=1.0, stage="done", result=result, finished_at=utcnow()
        )
    )


def mark_failed(
    *, session: Session, job_id: str, reason: str, worker_pid: int | None = None
) -> bool:
    """Finish a job as failed, with a reason for the lifter; True if it was still active.

    With ``worker_pid``, only if that process claimed it (or nobody did yet): a process that
    exits without claiming the job must not fail the run of the worker that did.
    """
    query = update(AnalysisJob).where(AnalysisJob.id == job_id, AnalysisJob.status.in_(ACTIVE))
    if worker_pid is not None:
        query = query.where(
            or_(AnalysisJob.worker_pid.is_(None), AnalysisJob.worker_pid == worker_pid)
        )
    result = session.execute(
        query.values(
            status=JobStatus.FAILED, stage="failed", error=reason[:2000], finished_at=utcnow()
        )
    )
    return bool(getattr(result, "rowcount", 0))


def delete_job(*, session: Session, job_id: str) -> bool:
    """Delete a finished (done or failed) job's row; interviews that chose it forget it.

    False when the job is queued or running (or gone): a worker may still write to it.
    The caller removes the job's folder after the commit.
    """
    result = session.execute(
        delete(AnalysisJob).where(AnalysisJob.id == job_id, AnalysisJob.status.not_in(ACTIVE))
    )
    if not getattr(result, "rowcount", 0):
        return False
    session.execute(
        update(Interview).where(Interview.analysis_id == job_id).values(analysis_id=None)
    )
    return True
