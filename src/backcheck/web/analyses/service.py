"""What the analyses pages and API show of a job: its status and its public result."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backcheck.storage import AnalysisJob
from backcheck.web.analyses.schemas import JobLinks, JobOut


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
