"""The intake API: a story in, the assessment with what was understood out."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter

from backcheck.core import Case, assess, load_knowledge, parse_findings
from backcheck.core.intake import apply_story, read_story
from backcheck.core.intake.summary import understood
from backcheck.web.errors import error_responses
from backcheck.web.intake.schemas import IntakeIn, StoryAssessmentOut

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["assess"], responses=error_responses(422))


@api.post(
    "/intake",
    summary="Read a story in the lifter's own words: triage, what was understood",
    response_model=StoryAssessmentOut,
)
def api_intake(body: IntakeIn) -> Any:
    """The assessment of the story: a red flag it mentions counts at once (an emergency
    comes first in ``triage``); red flags it denies stay in ``triage.missing`` and in
    ``intake.needs_confirmation`` until answered."""
    kb = load_knowledge()
    case = Case(parse_findings(body.findings, kb))
    intake = read_story(body.text, body.today or date.today(), kb)
    merged, _ = apply_story(case, intake, kb)
    out = assess(merged, kb).to_dict()
    out["intake"] = intake.to_dict()
    out["understood"] = understood(kb, intake)
    return out
