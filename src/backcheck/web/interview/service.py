"""The interview as stored state: answers so far, the next question, the assessment.

Red-flag questions come first, every one, in the knowledge base's order; then whichever
question still changes the outcome most. An emergency answer shows the emergency result at
once; the lifter may then go on with the remaining questions (the advice stays on top).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.core import (
    Assessment,
    Case,
    CaseError,
    Question,
    assess,
    load_knowledge,
    next_questions,
)
from backcheck.core.case import parse_findings, parse_text_answer
from backcheck.storage import Interview


@dataclass(frozen=True)
class Progress:
    """Where the lifter is in the interview."""

    red_flags_answered: int
    red_flags_total: int
    answered: int


def case_of(*, findings: dict[str, Any]) -> Case:
    """A validated case from stored or posted findings (raises CaseError)."""
    return Case(parse_findings(findings, load_knowledge()))


def pending_question(
    *, case: Case, asked: list[str] | set[str], past_emergency: bool = False
) -> Question | None:
    """The next question, or None when over; an emergency ends it unless ``past_emergency``."""
    kb = load_knowledge()
    if not past_emergency and assess(case, kb, question_limit=0).triage.level == "emergency":
        return None
    done = set(asked)
    for question in next_questions(case, kb, limit=len(kb.findings)):
        if question.id not in done:
            return question
    return None


def progress_of(*, case: Case, asked: list[str] | set[str]) -> Progress:
    """Counts for the progress line."""
    kb = load_knowledge()
    seen = set(asked) | set(case.findings)
    return Progress(sum(1 for f in kb.red_flags if f in seen), len(kb.red_flags), len(seen))


def start_interview(*, session: Session) -> Interview:
    """Create an empty interview."""
    interview = Interview(findings={}, asked=[])
    session.add(interview)
    session.flush()
    return interview


def get_interview(*, session: Session, interview_id: str) -> Interview | None:
    """Load an interview by id."""
    return session.get(Interview, interview_id)


def interview_level(interview: Interview) -> str:
    """The triage level of an interview's answers, recomputed: a stored level is never trusted
    (it may come from an import, an older knowledge base or a tampered database)."""
    try:
        case = case_of(findings=interview.findings)
    except CaseError:  # answers this knowledge base cannot read: assume the worst is unknown
        case = Case({})
    return assess(case, question_limit=0).triage.level


def latest_interview(*, session: Session) -> Interview | None:
    """The most recently updated interview, if any."""
    query = select(Interview).order_by(Interview.updated_at.desc()).limit(1)
    return session.scalars(query).first()


def record_answer(*, session: Session, interview: Interview, question_id: str, text: str) -> None:
    """Store one typed or tapped answer ("unknown" leaves it unanswered); raises CaseError."""
    kb = load_knowledge()
    definition = kb.findings.get(question_id)
    if definition is None:
        raise CaseError(question_id, "unknown question")
    value = parse_text_answer(definition, text)
    findings = dict(interview.findings)
    if value is None:
        findings.pop(question_id, None)
    else:
        findings[question_id] = value
    asked = [q for q in interview.asked if q != question_id] + [question_id]
    interview.findings = findings
    interview.asked = asked
    _refresh(interview)


def go_back(*, interview: Interview) -> None:
    """Forget the last answer so its question is asked again."""
    if not interview.asked:
        return
    last = interview.asked[-1]
    interview.asked = interview.asked[:-1]
    interview.findings = {k: v for k, v in interview.findings.items() if k != last}
    _refresh(interview)


def _refresh(interview: Interview) -> None:
    case = case_of(findings=interview.findings)
    interview.finished = pending_question(case=case, asked=interview.asked) is None
    interview.level = assess(case, question_limit=0).triage.level


@dataclass(frozen=True)
class Step:
    """One stateless interview step (the API's answer)."""

    done: bool
    question: Question | None
    progress: Progress
    assessment: Assessment | None


def interview_step(*, findings: dict[str, Any], skipped: list[str]) -> Step:
    """Next question for answers given so far; the assessment once done or an emergency."""
    case = case_of(findings=findings)
    asked = set(skipped) | set(case.findings)
    question = pending_question(case=case, asked=asked)
    a = assess(case)
    show = question is None or a.triage.level == "emergency"
    return Step(
        question is None, question, progress_of(case=case, asked=asked), a if show else None
    )
