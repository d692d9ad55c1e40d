"""What the analyses pages and API show of a job: its status and its public result."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.jobs.store import artifact_names as artifact_names  # pages + export use it
from backcheck.storage import AnalysisJob, Interview
from backcheck.storage.files import write_private
from backcheck.web.analyses.schemas import JobLinks, JobOut


def reference_name(*, job: AnalysisJob) -> str:
    """How a reference set is named to the lifter: its file label and day."""
    day = (job.finished_at or job.created_at).strftime("%d %b %Y")
    return f"{job.label} ({day})"


def write_reference_sets(*, folder: Path, references: dict[str, AnalysisJob]) -> None:
    """Snapshot the lifter's reference sets (by lift) into a new job's folder for the worker."""
    from backcheck.jobs.runner import REFERENCES_FILE

    data = {
        lift: {"name": reference_name(job=job), "summary": (job.result or {})["back_summary"]}
        for lift, job in references.items()
    }
    if data:
        write_private(folder / REFERENCES_FILE, json.dumps(data).encode("utf-8"))


def reference_list(*, references: dict[str, AnalysisJob]) -> list[dict[str, str]]:
    """The reference sets as the upload page lists them."""
    return [
        {"lift": lift.replace("_", " "), "name": reference_name(job=job), "id": job.id}
        for lift, job in sorted(references.items())
    ]


def safe_label(*, filename: str) -> str:
    """A display label from a client filename (never used as a path)."""
    base = re.split(r"[\\/]", filename)[-1]
    cleaned = re.sub(r"[^\w .()+-]", "_", base).strip(" .")
    return cleaned[:100] or "video"


def job_out(*, job: AnalysisJob) -> JobOut:
    """The status of a job, as the API and the pages show it."""
    return JobOut(
        id=job.id,
        status=job.status,
        progress=round(job.progress, 3),
        stage=job.stage,
        error=job.error,
        lift=job.lift,
        label=job.label,
        is_reference=job.is_reference,
        created_at=_iso(job.created_at),
        started_at=_iso(job.started_at),
        finished_at=_iso(job.finished_at),
        links=JobLinks(
            self_=f"/api/v1/analyses/{job.id}",
            result=f"/api/v1/analyses/{job.id}/result",
            page=f"/analyses/{job.id}",
        ),
    )


def job_status(*, job: AnalysisJob) -> dict[str, Any]:
    """The status JSON of a job."""
    return job_out(job=job).model_dump(mode="json", by_alias=True)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


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


def still_running_message(*, job: AnalysisJob, timeout_s: float) -> str:
    """Why an active analysis cannot be deleted yet, and when it can."""
    now = "is still waiting to start" if job.status == JobStatus.QUEUED else "is still running"
    minutes = max(1, round(timeout_s / 60))
    most = "1 minute" if minutes == 1 else f"{minutes} minutes"
    return (
        f"This analysis {now}, so it cannot be deleted yet. Delete it once it has finished "
        f"or failed (an analysis is stopped after {most} at most)."
    )


def interviews_using(*, session: Session, job_id: str) -> int:
    """How many interviews weigh this analysis in their assessment."""
    query = select(Interview.id).where(Interview.analysis_id == job_id)
    return len(list(session.scalars(query)))


def delete_analysis(*, session: Session, root: Path, job_id: str) -> bool:
    """Delete a finished or failed analysis: its row (committed), then its folder.

    False (nothing changed) while it is queued or running: its worker still writes to it.
    A folder left by a crash between the commit and the removal belongs to no row and is
    removed at the next start-up.
    """
    if not jobs.delete_job(session=session, job_id=job_id):
        return False
    session.commit()
    shutil.rmtree(jobs.job_dir(root=root, job_id=job_id), ignore_errors=True)
    return True
