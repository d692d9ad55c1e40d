"""The story screen ("Tell us what happened") and the intake API.

The screen is an optional first step before the safety questions: the lifter's words are
read, any emergency shows at once at the top, the phrases used are marked, and each thing
understood can be removed with one tap before the interview goes on from it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from backcheck.core import Case, assess, load_knowledge, parse_findings
from backcheck.core.intake import apply_story, read_story
from backcheck.core.intake.summary import understood
from backcheck.web.context import render
from backcheck.web.deps import FormDep, SessionDep
from backcheck.web.errors import error_responses
from backcheck.web.forms import MAX_FIELD_CHARS
from backcheck.web.intake import story
from backcheck.web.intake.schemas import IntakeIn, StoryAssessmentOut
from backcheck.web.interview import service as interview_service

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["assess"], responses=error_responses(422))


@pages.get("/story")
def story_page(request: Request) -> Response:
    """The empty story form."""
    return render(request, "intake/story.html", reading=None, limit=MAX_FIELD_CHARS, error=None)


@pages.post("/story")
def story_read(request: Request, form: FormDep) -> Response:
    """Read the story (again, after a removal) and show what was understood."""
    text = form.get("text")
    if not text:
        return render(
            request,
            "intake/story.html",
            status_code=422,
            reading=None,
            limit=MAX_FIELD_CHARS,
            error="Write a few words about what happened, or skip to the questions.",
        )
    removed = form.getlist("removed")
    if form.get("remove"):
        removed = [*removed, form.get("remove")]
    reading = story.read(text, removed)
    return render(
        request,
        "intake/story.html",
        reading=reading,
        a=reading.assessment,
        limit=MAX_FIELD_CHARS,
        error=None,
    )


@pages.post("/story/start")
def story_start(form: FormDep, session: SessionDep) -> Response:
    """Start the interview from what the lifter kept: the questions ask only the rest, and
    every safety question the story did not answer with a yes."""
    reading = story.read(form.get("text"), form.getlist("removed"))
    interview = interview_service.start_interview(session=session)
    interview.findings = dict(reading.findings)
    session.flush()
    return RedirectResponse(f"/interview/{interview.id}", status_code=303)


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
