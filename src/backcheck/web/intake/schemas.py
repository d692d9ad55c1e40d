"""Request and response bodies of the intake API."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backcheck.core.intake import MAX_STORY_CHARACTERS
from backcheck.web.interview.schemas import AssessmentOut


class IntakeIn(BaseModel):
    """A story in the lifter's own words, optionally with answers already given."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "felt something go on a deadlift PR, now my groin feels numb",
                    "today": "2026-12-01",
                }
            ]
        },
    )

    text: str = Field(min_length=1, max_length=MAX_STORY_CHARACTERS)
    today: date | None = Field(
        default=None, description='the day "since Thursday" counts from (default: today)'
    )
    findings: dict[str, Any] = Field(
        default_factory=dict, description="answers already given; they win over the story"
    )


class EvidenceOut(BaseModel):
    """The words in the story behind one finding, and how sure the story is about it."""

    finding: str
    value: Any
    text: str
    start: int
    end: int
    certainty: str


class IntakeOut(BaseModel):
    """What the story said."""

    findings: dict[str, Any]
    evidence: list[EvidenceOut]
    needs_confirmation: list[str] = Field(
        description="red flags the story mentioned: the interview still asks each"
    )


class UnderstoodOut(BaseModel):
    """One thing understood, in plain words, for a screen to show."""

    finding: str
    about: str
    answer: str
    words: list[str]
    asked_again: bool


class StoryAssessmentOut(AssessmentOut):
    """The assessment of the story (merged with any answers), with the intake."""

    intake: IntakeOut
    understood: list[UnderstoodOut]
