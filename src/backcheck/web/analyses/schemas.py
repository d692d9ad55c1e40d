"""Response bodies of the analyses API: a job's status, and the analysis JSON."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backcheck.jobs import JobStatus

EXAMPLE_ID = "0f3c9a6be2a84d0f9a1c2b3d4e5f6a7b"


class JobLinks(BaseModel):
    """Where to poll, fetch the result, or show the page."""

    model_config = ConfigDict(populate_by_name=True)

    self_: str = Field(alias="self", description="this status")
    result: str = Field(description="the analysis JSON once done")
    page: str = Field(description="the progress / result page")


class JobOut(BaseModel):
    """Status and progress of an analysis job."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ID,
                    "status": "running",
                    "progress": 0.42,
                    "stage": "pose",
                    "error": None,
                    "lift": "auto",
                    "label": "deadlift.mp4",
                    "created_at": "2025-03-01T10:00:00+00:00",
                    "started_at": "2025-03-01T10:00:01+00:00",
                    "finished_at": None,
                    "links": {
                        "self": f"/api/v1/analyses/{EXAMPLE_ID}",
                        "result": f"/api/v1/analyses/{EXAMPLE_ID}/result",
                        "page": f"/analyses/{EXAMPLE_ID}",
                    },
                }
            ]
        }
    )

    id: str
    status: JobStatus
    progress: float = Field(ge=0, le=1)
    stage: str = Field(description="what the analysis is doing now")
    error: str | None = Field(description="why it failed, in plain words")
    lift: str
    label: str = Field(description="the uploaded file's name, for display")
    is_reference: bool = Field(
        False, description="a reference set: later clips of its lift are compared with it"
    )
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    links: JobLinks


class ArtifactsOut(BaseModel):
    """Download links of the annotated video, the plots and the contact sheet."""

    model_config = ConfigDict(extra="allow")

    plots: list[str]


class AnalysisOut(BaseModel):
    """The analysis JSON (product spec "Analysis JSON"), server paths replaced by links."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "schema_version": 1,
                    "view": "side",
                    "lift": "deadlift",
                    "lift_detected": True,
                    "reps": [],
                    "findings": {"back_rounds_at_bottom": True, "back_arches_at_lockout": None},
                    "artifacts": {
                        "annotated_video": f"/api/v1/analyses/{EXAMPLE_ID}/artifacts/a.mp4",
                        "plots": [],
                    },
                }
            ]
        },
    )

    schema_version: int
    lift: str
    reps: list[dict[str, Any]]
    findings: dict[str, bool | None] = Field(description="video finding id → true/false/unknown")
    artifacts: ArtifactsOut
