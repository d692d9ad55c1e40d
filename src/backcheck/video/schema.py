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
    frames_undecodable: int = Field(
        0, description="Frames the decoder rejected, flagged damaged, or that were missing."
    )
    undecodable_share: float = Field(
        0.0, description="frames_undecodable over the clip's frames (a warning above 0.10)."
    )


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
    valley: float | None = Field(
        None,
        description="Depth of the lumbar hollow below the buttock-to-upper-back line "
        "(+ = a hollow, as a flat back shows; about 0 or less = none, as a rounded back shows).",
    )
    thickness: float | None = Field(
        None, description="Trunk depth front to back at mid-torso (setup fingerprint)."
    )
    valid_frames: int = 0
    frames: int = 0


class RepBack(BaseModel):
    setup: PhaseBack
    bottom: PhaseBack
    lockout: PhaseBack
    bottom_minus_setup_lumbar: float | None = None
    rounding_score: float | None = Field(
        None,
        description="Single-clip rounding score at the bottom (decisions.single_clip_score): "
        "≥ 1 reads as possible rounding, ≤ 0 as well inside the neutral range.",
    )
    judgeable: bool = False
    reason: str | None = None


Basis = Literal["single clip", "reference", "rep to rep"]


class Flag(BaseModel):
    id: Literal["lumbar_flexion", "lumbar_hyperextension"]
    phase: str
    confidence: float
    basis: str = ""
    kind: Basis = "single clip"


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
    valley_change: float | None = Field(
        None, description="Loss of the lumbar hollow against the baseline (+ = flatter/rounder)."
    )
    rounds_more: bool | None = Field(
        None, description="True: rounds more than the baseline; False: no more; None: can't tell."
    )
    confidence: float


class WarningItem(BaseModel):
    code: str
    message: str


class BackJudgement(BaseModel):
    judgeable: bool
    reason: str | None = None
    torso_px: float | None = None


class Artifacts(BaseModel):
    annotated_video: str | None = None
    plots: list[str] = []
    contact_sheet: str | None = None


class BackSummary(BaseModel):
    """The clip's bottom-of-rep back measures (medians over judged reps) and its setup
    fingerprint: what a later clip is compared against when this clip is the reference."""

    whole_bow: float
    valley: float
    lumbar_bow: float | None = None
    torso_px: float
    thickness: float | None = None
    back_side: float = Field(description="+1/-1: which side of the image the back faces.")
    reps: int


class ReferenceUse(BaseModel):
    """How the lifter's reference set was used for this clip."""

    name: str
    used: bool
    reason: str | None = Field(None, description="Why it could not be compared, if not used.")


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
    finding_basis: dict[str, Basis] = Field(
        {}, description="What each called or abstained finding rests on."
    )
    finding_reason: dict[str, str] = Field(
        {}, description="One plain line per finding: why it was called, or why not."
    )
    back_judgement: BackJudgement
    warnings: list[WarningItem] = []
    back_summary: BackSummary | None = None
    reference: ReferenceUse | None = None
    artifacts: Artifacts = Artifacts()
    engine: str = ""
    filming_guidance: str = ""
