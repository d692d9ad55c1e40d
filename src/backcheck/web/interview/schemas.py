"""Request and response bodies of the assess and interview API.

The response models type the fields the product spec promises and allow the compatible
extensions the engine adds (``extra="allow"``), so a new field never breaks a response.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backcheck.core.knowledge.schema import Level

OPEN = ConfigDict(extra="allow")


class CaseIn(BaseModel):
    """A case: ``{"findings": {id: value}, "video_analysis": {...}?}``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"findings": {"saddle_numbness": False, "pain_now": 6, "age": 34}}]
        },
    )

    findings: dict[str, Any] = Field(default_factory=dict, description="finding id → value")
    video_analysis: dict[str, Any] | None = Field(
        default=None, description="the JSON `backcheck analyze` writes"
    )


class StepIn(BaseModel):
    """Answers so far and the questions answered "don't know"."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"findings": {"saddle_numbness": False}, "skipped": []}]},
    )

    findings: dict[str, Any] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list, description="asked, answered don't know")


class ReasonOut(BaseModel):
    """Why the triage level is what it is: one fired rule."""

    model_config = OPEN

    rule: str
    findings: list[str]
    message: str


class TriageOut(BaseModel):
    """The triage level, whether every red flag was answered, and why."""

    model_config = OPEN

    level: Level
    complete: bool
    missing: list[str] = Field(description="red-flag findings not answered yet")
    reasons: list[ReasonOut]


class CauseOut(BaseModel):
    """One likely mechanical or root cause, ranked."""

    model_config = OPEN

    id: str
    kind: Literal["mechanical", "root"]
    identified: bool
    likelihood: float = Field(ge=0, le=1)
    evidence_for: list[dict[str, Any]]
    evidence_against: list[dict[str, Any]]
    explanation: str


class PlanItemOut(BaseModel):
    """One item of the plan."""

    model_config = OPEN

    id: str
    title: str


class QuestionOut(BaseModel):
    """A question to ask next (``id`` is the finding it answers)."""

    model_config = OPEN

    id: str
    text: str


class AssessmentOut(BaseModel):
    """The assessment JSON of the product spec (plus compatible extensions)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "triage": {
                        "level": "emergency",
                        "complete": False,
                        "missing": ["fever_or_unwell"],
                        "reasons": [
                            {
                                "rule": "cauda_equina",
                                "findings": ["saddle_numbness"],
                                "message": "Go to an emergency department now.",
                            }
                        ],
                    },
                    "causes": [],
                    "plan": [{"id": "emergency_care", "title": "Get emergency care now"}],
                    "next_questions": [],
                    "disclaimer": "Not a diagnosis.",
                }
            ]
        },
    )

    triage: TriageOut
    causes: list[CauseOut]
    plan: list[PlanItemOut]
    next_questions: list[QuestionOut]
    disclaimer: str


class ProgressOut(BaseModel):
    """How far the interview is."""

    red_flags_answered: int
    red_flags_total: int
    answered: int


class StepOut(BaseModel):
    """The next question, or the assessment when the interview is over (or an emergency)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "done": False,
                    "question": {
                        "id": "saddle_numbness",
                        "text": "Any numbness in the groin or inner thighs?",
                        "type": "bool",
                        "red_flag": True,
                    },
                    "progress": {"red_flags_answered": 0, "red_flags_total": 9, "answered": 0},
                    "assessment": None,
                }
            ]
        }
    )

    done: bool
    question: QuestionOut | None
    progress: ProgressOut
    assessment: AssessmentOut | None
