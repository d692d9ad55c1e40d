"""Journal entry bodies: one validated shape for the form and the API."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from backcheck.core.journal import ACTIVITIES, LOCATIONS, RADIATION, RESPONSES, SYMPTOMS
from backcheck.web.interview.schemas import AssessmentOut


def _member_of(values: Mapping[str, object]) -> Callable[[str], str]:
    allowed = tuple(values)

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"use one of {', '.join(allowed)}")
        return value

    return check


def _vocabulary(values: Mapping[str, object]) -> Any:
    """Annotated-metadata for a string that must be a key of ``values`` (one source)."""
    return AfterValidator(_member_of(values))


def _enum(values: Mapping[str, object]) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "enum": list(values)})


# Each allowed value comes from backcheck.core.journal, the one place they are defined.
Location = Annotated[str, _vocabulary(LOCATIONS), _enum(LOCATIONS)]
Activity = Annotated[str, _vocabulary(ACTIVITIES), _enum(ACTIVITIES)]
Symptom = Annotated[str, _vocabulary(SYMPTOMS), _enum(SYMPTOMS)]
Radiation = Annotated[str, _vocabulary(RADIATION), _enum(RADIATION)]
PainResponse = Annotated[str, _vocabulary(RESPONSES), _enum(RESPONSES)]


PlanItemId = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,60}$")]


class SessionIn(BaseModel):
    """A programme session logged with an entry; the entry's ``pain`` is the pain before it."""

    model_config = ConfigDict(extra="forbid")

    done: list[PlanItemId] = Field(
        default_factory=list, max_length=40, description="the plan's exercises done"
    )
    load: str = Field(default="", max_length=200, description="the weights used, in words")
    pain_during: int = Field(ge=0, le=10, description="the worst pain during the session")
    pain_after: int | None = Field(default=None, ge=0, le=10, description="pain just after")
    pain_next_morning: int | None = Field(
        default=None, ge=0, le=10, description="pain on getting up the next morning"
    )
    spread_down_leg: bool = Field(default=False, description="pain spread down a leg")


class EntryIn(BaseModel):
    """A new or edited journal entry."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "day": "2025-03-01",
                    "pain": 4,
                    "locations": ["centre"],
                    "radiates": "no",
                    "activities": ["walking", "heat", "rest"],
                    "training": "",
                    "responses": {"walking": "better", "heat": "better", "rest": "worse"},
                    "symptoms": [],
                    "note": "stiff in the morning",
                }
            ]
        },
    )

    day: date = Field(default_factory=date.today, description="the day the entry is about")
    pain: int = Field(ge=0, le=10, description="0 = no pain, 10 = worst imaginable")
    locations: list[Location] = Field(default_factory=list)
    radiates: Radiation = "no"
    activities: list[Activity] = Field(default_factory=list)
    training: str = Field(default="", max_length=200, description="what training, if any")
    response: PainResponse | None = Field(
        default=None,
        description="older single answer for the whole entry; prefer 'responses'",
    )
    responses: dict[Activity, PainResponse] = Field(
        default_factory=dict, description="how the pain responded to each activity"
    )
    session: SessionIn | None = Field(default=None, description="a programme session")
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

    @field_validator("training", "note")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        if "\x00" in value:  # PostgreSQL text cannot hold it, and no person types it
            raise ValueError("the text contains a NUL character")
        return value

    @field_validator("locations", "activities", "symptoms")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _activities_answered(self) -> EntryIn:
        """An activity with a response, or a logged session, was done that day."""
        done = [*self.activities, *self.responses]
        if self.session is not None:
            done.append("training")
        self.activities = list(dict.fromkeys(done))
        return self


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
    assessment: AssessmentOut
