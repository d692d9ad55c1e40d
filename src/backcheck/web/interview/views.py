"""Interview pages (a few grouped screens, no JavaScript needed) and the assess API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from backcheck.core import CaseError, assess, load_knowledge, parse_case
from backcheck.storage import Interview
from backcheck.storage.errors import StorageError, saving, storage_errors
from backcheck.web.context import model_json, render
from backcheck.web.deps import FormDep, InterviewDep, SessionDep
from backcheck.web.errors import error_responses, storage_failure
from backcheck.web.interview import service
from backcheck.web.interview.schemas import AssessmentOut, CaseIn, ProgressOut, StepIn, StepOut
from backcheck.web.journal.service import journal_assessment, with_chosen_video

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["assess"], responses=error_responses(422))


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@pages.get("/interview")
def interview_start_page(request: Request, session: SessionDep) -> Response:
    """Explain the interview; offer to start or resume."""
    latest = service.latest_interview(session=session)
    resume = latest.id if latest is not None and not latest.finished else None
    return render(request, "interview/start.html", resume=resume)


@pages.post("/interview")
def interview_create(_form: FormDep, session: SessionDep) -> Response:
    """Start a new interview."""
    interview = service.start_interview(session=session)
    return _see_other(f"/interview/{interview.id}")


def _screen_page(
    request: Request,
    interview: Interview,
    problems: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    past_emergency: bool = False,
    status: int | None = None,
    unsaved: dict[str, Any] | None = None,
) -> Response:
    case = service.case_of(findings=interview.findings)
    screen = service.pending_screen(case=case, asked=interview.asked, past_emergency=past_emergency)
    if screen is None:
        return _see_other(f"/interview/{interview.id}/result")
    # Answers that could not be saved still raise the alarm they carry (emergency first).
    alert_case = case if unsaved is None else service.case_of(findings=unsaved)
    return render(
        request,
        "interview/question.html",
        status or (422 if problems else 200),
        interview_id=interview.id,
        screen=screen,
        problems=problems or {},
        entered=entered or {},
        can_go_back=bool(interview.asked),
        a=assess(alert_case, question_limit=0).to_dict(),
        past_emergency=past_emergency,
    )


@pages.get("/interview/{interview_id}")
def interview_question(request: Request, interview: InterviewDep, go_on: int = 0) -> Response:
    """The current screen (or the result when there is none left)."""
    return _screen_page(request, interview, past_emergency=bool(go_on))


@pages.post("/interview/{interview_id}/answer")
def interview_answer(
    request: Request, form: FormDep, interview: InterviewDep, session: SessionDep
) -> Response:
    """Record a whole screen and move on; bad answers re-show the screen with the messages."""
    go_on = form.get("go_on") == "1"
    question_ids = [q for q in form.get("questions").split(",") if q]
    answers = {q: form.get(f"q_{q}") for q in question_ids}
    unsaved: dict[str, Any] = {}
    try:
        with saving(session):
            service.record_screen(
                interview=interview,
                question_ids=question_ids,
                answers=answers,
                none_of_these=form.get("none_of_these") == "1",
            )
            unsaved = dict(interview.findings)
    except StorageError as exc:  # not saved: the same screen, the answers kept, and why
        status, message = storage_failure(exc, method="POST", path=request.url.path)
        with storage_errors():
            return _screen_page(
                request,
                interview,
                {"": message},
                answers,
                past_emergency=go_on,
                status=status,
                unsaved=unsaved or None,
            )
    except service.ScreenAnswerError as exc:
        return _screen_page(request, interview, exc.problems, answers, past_emergency=go_on)
    except CaseError as exc:
        return _screen_page(request, interview, {"": exc.message}, answers, past_emergency=go_on)
    return _see_other(f"/interview/{interview.id}" + ("?go_on=1" if go_on else ""))


@pages.post("/interview/{interview_id}/back")
def interview_back(_form: FormDep, interview: InterviewDep) -> Response:
    """Undo the last screen."""
    service.go_back(interview=interview)
    return _see_other(f"/interview/{interview.id}")


def _result_context(session: Session, interview: Interview) -> dict[str, Any]:
    case, video_label = with_chosen_video(
        session=session, case=service.case_of(findings=interview.findings), interview=interview
    )
    more = service.pending_question(
        case=service.case_of(findings=interview.findings),
        asked=interview.asked,
        past_emergency=True,
    )
    return {
        "interview_id": interview.id,
        "a": assess(case).to_dict(),
        "unfinished": not interview.finished,
        "journal": journal_assessment(session=session),
        "video_label": video_label,
        "video_id": interview.analysis_id if video_label else None,
        "more_questions": more is not None,
    }


@pages.get("/interview/{interview_id}/result")
def interview_result(request: Request, interview: InterviewDep, session: SessionDep) -> Response:
    """The assessment: emergency advice first, then triage, causes and the plan."""
    return render(request, "interview/result.html", **_result_context(session, interview))


@api.post(
    "/assess",
    summary="Assess a case: triage, causes, plan, next questions",
    response_model=AssessmentOut,
)
async def api_assess(body: CaseIn) -> Any:
    """The assessment JSON for a case document (422 names the bad field).

    Async: the assessment is pure computation (no I/O) of well under a millisecond, cheaper
    on the event loop than the hop to the thread pool and back, which cost about as much
    again and, with many requests at once, made the threads fight for the GIL.
    """
    case = parse_case(body.model_dump(exclude_none=True), load_knowledge())
    return model_json(AssessmentOut, assess(case).to_dict())


@api.post("/interview/step", summary="One interview step", response_model=StepOut)
def api_interview_step(body: StepIn) -> Any:
    """The next question for the answers so far, or the assessment when done."""
    step = service.interview_step(findings=body.findings, skipped=body.skipped)
    p = step.progress
    return {
        "done": step.done,
        "question": step.question.to_dict() if step.question else None,
        "screen": step.screen.to_dict() if step.screen else None,
        "offered": step.offered.to_dict() if step.offered else None,
        "alert": step.alert,
        "progress": ProgressOut(
            red_flags_answered=p.red_flags_answered,
            red_flags_total=p.red_flags_total,
            answered=p.answered,
        ),
        "assessment": step.assessment.to_dict() if step.assessment else None,
    }
