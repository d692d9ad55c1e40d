"""Analysis jobs in the database: create, read, progress, finish, recover after a restart."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backcheck.storage import AnalysisJob
from backcheck.storage.models import new_id, utcnow

ACTIVE = ("queued", "running")
INTERRUPTED = "The server stopped while this video was being analysed. Upload it again."


def safe_label(*, filename: str) -> str:
    """A display label from a client filename (never used as a path)."""
    base = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^\w .()+-]", "_", base).strip(" .")
    return cleaned[:100] or "video"


def job_dir(*, root: Path, job_id: str) -> Path:
    """The folder of one job (input and outputs); ids are server-made hex strings."""
    if not re.fullmatch(r"[0-9a-f]{32}", job_id):
        raise ValueError("bad job id")
    return root / job_id


def create_job(
    *, session: Session, job_id: str, lift: str, label: str, container: str, size: int
) -> AnalysisJob:
    """Queue a job for an uploaded video already in its folder."""
    job = AnalysisJob(
        id=job_id, lift=lift, label=label, container=container, size_bytes=size, status="queued"
    )
    session.add(job)
    session.flush()
    return job


def allocate_job_id() -> str:
    """A fresh job id."""
    return new_id()


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
        .where(AnalysisJob.status == "done")
        .order_by(AnalysisJob.finished_at.desc())
        .limit(1)
    )
    job = session.scalars(query).first()
    if job is None or job.result is None:
        return None
    return job.label, job.result


def queued_jobs(*, session: Session) -> list[AnalysisJob]:
    """Jobs waiting to run, oldest first."""
    query = (
        select(AnalysisJob).where(AnalysisJob.status == "queued").order_by(AnalysisJob.created_at)
    )
    return list(session.scalars(query))


def mark_running(*, session: Session, job_id: str) -> bool:
    """Claim a queued job; False if someone else did or it is gone."""
    result = session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status == "queued")
        .values(status="running", started_at=utcnow(), stage="starting", progress=0.0)
    )
    return bool(getattr(result, "rowcount", 0))


def set_progress(*, session: Session, job_id: str, progress: float, stage: str) -> None:
    """Record progress of a running job."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status == "running")
        .values(progress=max(0.0, min(progress, 1.0)), stage=stage[:80])
    )


def mark_done(*, session: Session, job_id: str, result: dict[str, Any]) -> None:
    """Store the analysis and finish the job."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status.in_(ACTIVE))
        .values(status="done", progress=1.0, stage="done", result=result, finished_at=utcnow())
    )


def mark_failed(*, session: Session, job_id: str, reason: str) -> None:
    """Finish a job as failed, with a reason for the lifter."""
    session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.id == job_id, AnalysisJob.status.in_(ACTIVE))
        .values(status="failed", stage="failed", error=reason[:2000], finished_at=utcnow())
    )


def recover_interrupted(*, session: Session) -> int:
    """At start-up: jobs left running by a dead server are marked failed; queued ones stay."""
    result = session.execute(
        update(AnalysisJob)
        .where(AnalysisJob.status == "running")
        .values(status="failed", stage="failed", error=INTERRUPTED, finished_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0))


def job_status(*, job: AnalysisJob) -> dict[str, Any]:
    """The status JSON of a job."""
    return {
        "id": job.id,
        "status": job.status,
        "progress": round(job.progress, 3),
        "stage": job.stage,
        "error": job.error,
        "lift": job.lift,
        "label": job.label,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "links": {
            "self": f"/api/v1/analyses/{job.id}",
            "result": f"/api/v1/analyses/{job.id}/result",
            "page": f"/analyses/{job.id}",
        },
    }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def artifact_names(*, result: dict[str, Any]) -> list[str]:
    """The file names (inside the job folder) the analysis lists as artifacts."""
    artifacts = result.get("artifacts") or {}
    paths = [artifacts.get("annotated_video"), artifacts.get("contact_sheet")]
    paths += list(artifacts.get("plots") or [])
    return [Path(p).name for p in paths if isinstance(p, str) and p]


def public_result(*, job_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """The analysis JSON with server paths replaced by artifact URLs."""
    out = dict(result)
    base = f"/api/v1/analyses/{job_id}/artifacts/"
    artifacts = dict(result.get("artifacts") or {})
    for key in ("annotated_video", "contact_sheet"):
        if isinstance(artifacts.get(key), str):
            artifacts[key] = base + Path(artifacts[key]).name
    artifacts["plots"] = [base + Path(p).name for p in artifacts.get("plots") or []]
    out["artifacts"] = artifacts
    video = dict(result.get("video") or {})
    if "path" in video:
        video["path"] = "upload"
    out["video"] = video
    return out
