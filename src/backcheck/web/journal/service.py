"""Journal entries in the database, and the triage re-run from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.core import CaseError, assess, load_knowledge
from backcheck.core.case import Case, merge_video, parse_findings
from backcheck.core.journal import (
    SYMPTOMS,
    Entry,
    derive_findings,
    journal_programme,
    merge_findings,
)
from backcheck.core.programme import ProgrammeState, SessionLog
from backcheck.jobs import JobStatus
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.web.interview.service import interview_level
from backcheck.web.journal.schemas import EntryIn, EntryOut


def add_entry(*, session: Session, data: EntryIn) -> JournalEntry:
    """Store a new entry (committed when the caller's session block ends)."""
    entry = JournalEntry(**data.model_dump())
    session.add(entry)
    session.flush()
    return entry


def list_entries(*, session: Session) -> list[JournalEntry]:
    """Every entry, oldest day first."""
    query = select(JournalEntry).order_by(JournalEntry.day, JournalEntry.id)
    return list(session.scalars(query))


def get_entry(*, session: Session, entry_id: int) -> JournalEntry | None:
    """One entry by id."""
    return session.get(JournalEntry, entry_id)


def update_entry(*, entry: JournalEntry, data: EntryIn) -> None:
    """Replace an entry's fields."""
    for key, value in data.model_dump().items():
        setattr(entry, key, value)


def delete_entry(*, session: Session, entry: JournalEntry) -> None:
    """Remove an entry."""
    session.delete(entry)


def entry_out(*, entry: JournalEntry) -> EntryOut:
    """The API shape of a stored entry."""
    return EntryOut(
        id=entry.id,
        uid=entry.uid,
        day=entry.day,
        pain=entry.pain,
        locations=cast(Any, entry.locations),
        radiates=cast(Any, entry.radiates),
        activities=cast(Any, entry.activities),
        training=entry.training,
        response=cast(Any, entry.response),
        symptoms=cast(Any, entry.symptoms),
        note=entry.note,
        responses=cast(Any, entry.responses or {}),
        session=cast(Any, entry.session),
    )


def engine_entry(*, entry: JournalEntry) -> Entry:
    """The engine's view of a stored entry."""
    return Entry(
        day=entry.day,
        pain=entry.pain,
        activities=frozenset(entry.activities),
        response=cast(Any, entry.response),
        radiates=cast(Any, entry.radiates),
        symptoms=frozenset(entry.symptoms),
        responses=cast(Any, dict(entry.responses or {})),
        session=_session_log(entry.session),
    )


def _session_log(raw: dict[str, Any] | None) -> SessionLog | None:
    if not raw:
        return None
    return SessionLog(
        pain_during=int(raw["pain_during"]),
        pain_after=raw.get("pain_after"),
        pain_next_morning=raw.get("pain_next_morning"),
        spread_down_leg=bool(raw.get("spread_down_leg")),
        done=tuple(raw.get("done") or ()),
        load=str(raw.get("load") or ""),
    )


def set_next_morning(*, entry: JournalEntry, pain: int) -> None:
    """Record the next morning's pain on a logged session (the rule's last number)."""
    if entry.session is None:
        raise ValueError("this entry has no session")
    entry.session = {**entry.session, "pain_next_morning": pain}


def warning_labels(*, entry: JournalEntry) -> list[str]:
    """The plain labels of the warning signs an entry records."""
    return [SYMPTOMS[s][2] for s in entry.symptoms if s in SYMPTOMS]


@dataclass(frozen=True)
class Today:
    """This session: where the programme stands, its phase, and the plan's exercises for it."""

    state: ProgrammeState | None
    assessment: dict[str, Any]
    phase: dict[str, Any] | None
    items: list[dict[str, Any]]
    waiting: JournalEntry | None  # the last session, still without its next-morning pain
    interview_id: str | None


def today_view(*, session: Session, today: date | None = None) -> Today | None:
    """The programme replayed from the journal, for the today page (None: no interview yet)."""
    interview = _latest_interview(session)
    entries = list_entries(session=session)
    triage = journal_assessment(session=session, today=today)
    if triage is not None:
        assessment = triage.assessment
    elif interview is not None:
        case, _label = with_chosen_video(
            session=session,
            case=Case(parse_findings(dict(interview.findings), load_knowledge())),
            interview=interview,
        )
        assessment = assess(case).to_dict()
    else:
        return None
    level = assessment["triage"]["level"]
    state = journal_programme(
        [engine_entry(entry=e) for e in entries], load_knowledge().programme, level=level
    )
    programme = assessment.get("programme")
    phase = programme["phases"][state.phase_index] if programme else None
    by_id = {item["id"]: item for item in assessment["plan"]}
    items = [by_id[i] for i in (phase or {}).get("items", []) if i in by_id]
    sessions = [e for e in entries if e.session]
    waiting = (
        sessions[-1]
        if sessions and sessions[-1].session is not None
        and sessions[-1].session.get("pain_next_morning") is None
        else None
    )
    return Today(
        state, assessment, phase, items, waiting, interview.id if interview is not None else None
    )


@dataclass(frozen=True)
class JournalTriage:
    """The journal's reading and the assessment re-run with it."""

    derived: dict[str, Any]
    reasons: tuple[str, ...]
    interview_id: str | None
    interview_level: str | None
    assessment: dict[str, Any]
    video_label: str | None = None


def _latest_interview(session: Session) -> Interview | None:
    query = select(Interview).order_by(Interview.updated_at.desc()).limit(1)
    return session.scalars(query).first()


def journal_assessment(*, session: Session, today: date | None = None) -> JournalTriage | None:
    """Triage from the latest interview merged with the journal (None without entries)."""
    entries = list_entries(session=session)
    if not entries:
        return None
    interview = _latest_interview(session)
    base: dict[str, Any] = dict(interview.findings) if interview is not None else {}
    onset = None
    if interview is not None and isinstance(base.get("days_since_onset"), int):
        onset = interview.created_at.date() - timedelta(days=base["days_since_onset"])
    now = max(today or date.today(), entries[-1].day)
    reading = derive_findings([engine_entry(entry=e) for e in entries], today=now, onset=onset)
    kb = load_knowledge()
    merged = merge_findings(parse_findings(base, kb), reading.findings)
    case, video_label = with_chosen_video(session=session, case=Case(merged), interview=interview)
    assessment = assess(case, kb).to_dict()
    return JournalTriage(
        derived=dict(reading.findings),
        reasons=reading.reasons,
        interview_id=interview.id if interview is not None else None,
        interview_level=interview_level(interview) if interview is not None else None,
        assessment=assessment,
        video_label=video_label,
    )


def with_chosen_video(
    *, session: Session, case: Case, interview: Interview | None
) -> tuple[Case, str | None]:
    """The case with the video analysis the lifter chose for this interview merged in (the
    lifter's answers win). None chosen: no video, never silently the newest one."""
    if interview is None or not interview.analysis_id:
        return case, None
    job = session.get(AnalysisJob, interview.analysis_id)
    if job is None or job.status != JobStatus.DONE or job.result is None:
        return case, None
    try:
        return merge_video(case, job.result), job.label
    except CaseError:
        return case, None
