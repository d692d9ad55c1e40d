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
)
from backcheck.core.case import parse_findings, parse_text_answer
from backcheck.core.interview import FOLLOW_UPS_PER_SCREEN, Screen, next_screen
from backcheck.core.interview import interview_step as core_interview_step
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


def pending_screen(
    *, case: Case, asked: list[str] | set[str], past_emergency: bool = False
) -> Screen | None:
    """The next screen, or None when over; an emergency ends it unless ``past_emergency``
    (after an emergency only the remaining safety screens are left, offered)."""
    kb = load_knowledge()
    if not past_emergency and assess(case, kb, question_limit=0).triage.level == "emergency":
        return None
    return next_screen(case, set(asked), kb)


def pending_question(
    *, case: Case, asked: list[str] | set[str], past_emergency: bool = False
) -> Question | None:
    """The first question of the next screen (see ``pending_screen``)."""
    screen = pending_screen(case=case, asked=asked, past_emergency=past_emergency)
    return screen.questions[0] if screen else None


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


class ScreenAnswerError(ValueError):
    """Some answers on a screen could not be used: question id -> what to do."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def record_screen(
    *, interview: Interview, question_ids: list[str], answers: dict[str, str], none_of_these: bool
) -> None:
    """Store a whole screen's answers as one step.

    ``answers`` maps question ids to the typed or tapped text ("unknown" = don't know). On a
    safety screen each item must be answered, unless ``none_of_these``: that answers every
    item left open "no". Nothing is stored unless every answer is usable.
    """
    kb = load_knowledge()
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question_id in question_ids:
        definition = kb.findings.get(question_id)
        if definition is None:
            raise CaseError(question_id, "unknown question")
        text = answers.get(question_id, "").strip()
        if not text:
            if none_of_these and definition.red_flag:
                values[question_id] = definition.safe_value
                continue
            if definition.red_flag:
                problems[question_id] = "Answer yes, no or I don't know (or tap None of these)."
                continue
            text = "?"  # a follow-up left blank: don't know
        try:
            values[question_id] = parse_text_answer(definition, text)
        except CaseError:
            problems[question_id] = _plain_problem(definition.type, definition.min, definition.max)
    if problems:
        raise ScreenAnswerError(problems)
    # a question left blank that an answer on this screen made unnecessary ("did self-care
    # help?" after "no, not tried") is not asked: it is not recorded as "don't know" either
    answered = {**interview.findings, **{q: v for q, v in values.items() if v is not None}}
    seen = set(interview.asked) | set(values)
    for question_id in question_ids:
        definition = kb.findings[question_id]
        if (
            not answers.get(question_id, "").strip()
            and values.get(question_id) is None
            and definition.left_out(answered, seen - {question_id})
        ):
            values.pop(question_id, None)
    findings = dict(interview.findings)
    for question_id, value in values.items():
        if value is None:
            findings.pop(question_id, None)
        else:
            findings[question_id] = value
    asked = [q for q in interview.asked if q not in values] + list(values)
    interview.findings = findings
    interview.asked = asked
    _refresh(interview)


def _plain_problem(kind: str, low: float | None, high: float | None) -> str:
    if kind in ("int", "number") and low is not None and high is not None:
        whole = "a whole number" if kind == "int" else "a number"
        return f"Enter {whole} from {low:g} to {high:g}, or leave it blank if you don't know."
    return "Choose one of the answers."


def go_back(*, interview: Interview) -> None:
    """Forget the last screen's answers so that screen is shown again."""
    if not interview.asked:
        return
    kb = load_knowledge()
    where = {f: s.id for s in kb.screens for f in s.findings}
    last = interview.asked[-1]
    same: list[str] = []
    for question_id in reversed(interview.asked):
        if question_id in where:
            if where[question_id] != where.get(last):
                break
        elif (
            last in where
            or kb.findings[question_id].group != kb.findings[last].group
            or len(same) >= FOLLOW_UPS_PER_SCREEN
        ):
            break
        same.append(question_id)
    interview.asked = interview.asked[: len(interview.asked) - len(same)]
    interview.findings = {k: v for k, v in interview.findings.items() if k not in same}
    _refresh(interview)


def _refresh(interview: Interview) -> None:
    case = case_of(findings=interview.findings)
    interview.finished = pending_screen(case=case, asked=interview.asked) is None
    interview.level = assess(case, question_limit=0).triage.level


@dataclass(frozen=True)
class Step:
    """One stateless interview step (the API's answer).

    ``screen`` is the next screen; ``question`` its first question (kept for clients that ask
    one at a time). At an emergency the interview is ``done`` (the advice is what matters) and
    the remaining safety screen is only ``offered``; ``alert`` is set once the level is urgent
    or emergency, with the assessment, so the advice is shown at once.
    """

    done: bool
    question: Question | None
    screen: Screen | None
    offered: Screen | None
    alert: bool
    progress: Progress
    assessment: Assessment | None


def interview_step(*, findings: dict[str, Any], skipped: list[str]) -> Step:
    """The next screen for the answers so far; the assessment once done or urgent/emergency."""
    case = case_of(findings=findings)
    asked = set(skipped) | set(case.findings)
    step = core_interview_step(case, asked, load_knowledge())
    a = step.assessment
    emergency = a.triage.level == "emergency"
    screen = None if emergency else step.screen
    done = screen is None
    return Step(
        done,
        screen.questions[0] if screen else None,
        screen,
        step.screen if emergency else None,
        step.alert,
        progress_of(case=case, asked=asked),
        a if done or step.alert else None,
    )
