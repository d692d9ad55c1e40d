"""Pydantic model of the Analysis JSON (product spec "Analysis JSON"; extensions allowed)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

View = Literal["side", "front", "rear", "oblique", "unknown"]


class VideoMeta(BaseModel):
    path: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    rotation: int


class Angles(BaseModel):
    trunk_bottom_deg: float | None = None
    hip_bottom_deg: float | None = None
    knee_bottom_deg: float | None = None
    trunk_lockout_deg: float | None = None
    hip_lockout_deg: float | None = None
    knee_lockout_deg: float | None = None
    trunk_lean_back_lockout_deg: float | None = Field(
        None, description="Signed: positive = shoulders behind the hips at lockout (leaning back)."
    )


class PhaseBack(BaseModel):
    """Back-shape measures over one phase's frames (medians), in units of |hip→shoulder|."""

    lumbar_bow: float | None = None
    whole_bow: float | None = None
    thoracic_bow: float | None = None
    lumbar_bend_deg: float | None = None
    valid_frames: int = 0
    frames: int = 0


class RepBack(BaseModel):
    setup: PhaseBack
    bottom: PhaseBack
    lockout: PhaseBack
    bottom_minus_setup_lumbar: float | None = None
    rounding_score: float | None = Field(
        None, description="min(lumbar/0.015, whole/0.025) at the bottom; ≥ 1 reads as rounded."
    )
    judgeable: bool = False
    reason: str | None = None


class Flag(BaseModel):
    id: Literal["lumbar_flexion", "lumbar_hyperextension"]
    phase: str
    confidence: float
    basis: str = ""


class Rep(BaseModel):
    index: int
    start_s: float
    bottom_s: float
    lockout_s: float
    end_s: float
    angles: Angles
    back: RepBack
    flags: list[Flag] = []


class Comparison(BaseModel):
    kind: Literal["rep_to_rep", "reference"]
    rep: int
    against: str
    back_change: float | None
    whole_change: float | None = None
    confidence: float


class WarningItem(BaseModel):
    code: str
    message: str


class BackJudgement(BaseModel):
    judgeable: bool
    reason: str | None = None


class Artifacts(BaseModel):
    annotated_video: str | None = None
    plots: list[str] = []
    contact_sheet: str | None = None


class Analysis(BaseModel):
    schema_version: int = 1
    video: VideoMeta
    view: View
    view_confidence: float = 0.0
    lift: str
    lift_detected: bool
    lift_reason: str | None = None
    reps: list[Rep]
    comparisons: list[Comparison] = []
    findings: dict[str, bool | None]
    finding_confidence: dict[str, float] = {}
    finding_basis: dict[str, str] = {}
    back_judgement: BackJudgement
    warnings: list[WarningItem] = []
    artifacts: Artifacts = Artifacts()
    engine: str = ""
    filming_guidance: str = ""
