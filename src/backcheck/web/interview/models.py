"""Request and response bodies of the assess and interview API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class CaseIn(BaseModel):
    """A case: ``{"findings": {id: value}, "video_analysis": {...}?}``."""

    model_config = ConfigDict(extra="forbid")

    findings: dict[str, Any] = Field(default_factory=dict, description="finding id → value")
    video_analysis: dict[str, Any] | None = Field(
        default=None, description="the JSON `backcheck analyze` writes"
    )


class StepIn(BaseModel):
    """Answers so far and the questions answered "don't know"."""

    model_config = ConfigDict(extra="forbid")

    findings: dict[str, Any] = Field(default_factory=dict)
    skipped: list[str] = Field(default_factory=list, description="asked, answered don't know")


class ProgressOut(BaseModel):
    """How far the interview is."""

    red_flags_answered: int
    red_flags_total: int
    answered: int


class StepOut(BaseModel):
    """The next question, or the assessment when the interview is over (or an emergency)."""

    done: bool
    question: dict[str, Any] | None
    progress: ProgressOut
    assessment: dict[str, Any] | None
