"""Analysis jobs in the database: create, read, claim, progress, finish, recover.

The database is the queue of the embedded backend: a row is queued when its video is in
place, a worker claims it (queued → running) with a conditional update, and writes its own
progress and outcome. Nothing here knows about HTTP.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backcheck.jobs.status import ACTIVE, JobStatus
from backcheck.storage import AnalysisJob
from backcheck.storage.models import new_id, utcnow

INPUT_NAME = "input"
INTERRUPTED = "The server stopped while this video was being analysed. Upload it again."
JOB_ID = re.compile(r"[0-9a-f]{32}")


def job_dir(*, root: Path, job_id: str) -> Path:
    """The folder of one job (input and outputs); ids are server-made hex strings."""
    if not JOB_ID.fullmatch(job_id):
        raise ValueError("bad job id")
    return root / job_id


def input_path(*, folder: Path, container: str) -> Path:
    """Where a job's uploaded video lives."""
    return folder / f"{INPUT_NAME}.{container or 'bin'}"


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


def mark_running(*, session: Session, job_id: str) -> bool:
    """Claim a queued job; False if someone else did or it is gone."""
    result = session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow(), stage="starting", progress=0.0)
    )
    return bool(getattr(result, "rowcount", 0))


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


def mark_failed(*, session: Session, job_id: str, reason: str) -> None:
    """Finish a job as failed, with a reason for the lifter."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status.in_(ACTIVE))
        .values(status=JobStatus.FAILED, stage="failed", error=reason[:2000], finished_at=utcnow())
    )


def recover_interrupted(*, session: Session) -> int:
    """At start-up: jobs left running by a dead server are marked failed; queued ones stay."""
    result = session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.status == JobStatus.RUNNING)
        .values(status=JobStatus.FAILED, stage="failed", error=INTERRUPTED, finished_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0))
