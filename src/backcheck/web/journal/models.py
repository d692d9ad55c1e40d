"""Journal entry bodies: one validated shape for the form and the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Location = Literal["centre", "left", "right", "buttock", "thigh", "leg_below_knee"]
Activity = Literal["rest", "heat", "ice", "walking", "stretching", "training"]
Symptom = Literal[
    "saddle_numbness",
    "difficulty_passing_urine",
    "urinary_incontinence_new",
    "bowel_incontinence_new",
    "bilateral_leg_symptoms",
    "leg_weakness_progressive",
    "foot_drop",
    "numbness_tingling",
    "fever_or_unwell",
    "constant_night_pain",
]


class EntryIn(BaseModel):
    """A new or edited journal entry."""

    model_config = ConfigDict(extra="forbid")

    day: date = Field(default_factory=date.today, description="the day the entry is about")
    pain: int = Field(ge=0, le=10, description="0 = no pain, 10 = worst imaginable")
    locations: list[Location] = Field(default_factory=list)
    radiates: Literal["no", "buttock_thigh", "past_knee"] = "no"
    activities: list[Activity] = Field(default_factory=list)
    training: str = Field(default="", max_length=200, description="what training, if any")
    response: Literal["better", "same", "worse"] | None = Field(
        default=None, description="how the pain responded to what was done"
    )
    symptoms: list[Symptom] = Field(default_factory=list, description="warning signs noticed")
    note: str = Field(default="", max_length=1000)

    @field_validator("day")
    @classmethod
    def _not_future(cls, value: date) -> date:
        if value > date.today() + timedelta(days=1):
            raise ValueError("the date cannot be in the future")
        if value < date.today() - timedelta(days=3650):
            raise ValueError("the date is more than ten years ago")
        return value

    @field_validator("locations", "activities", "symptoms")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class EntryOut(EntryIn):
    """A stored entry."""

    id: int
    uid: str


class JournalTriageOut(BaseModel):
    """The triage re-run with the journal's findings."""

    derived_findings: dict[str, bool | int | float | str]
    reasons: list[str]
    interview_id: str | None
    interview_level: str | None
    assessment: dict[str, object]
