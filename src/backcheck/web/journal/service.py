"""Journal entries in the database, and the triage re-run from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Text, and_, distinct, func, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from backcheck.core import CaseError, assess, load_knowledge
from backcheck.core.case import Case, merge_video, parse_findings
from backcheck.core.journal import (
    CONSERVATIVE,
    SYMPTOMS,
    Entry,
    JournalSummary,
    journal_programme,
    merge_findings,
    read_summary,
)
from backcheck.core.programme import ProgrammeState, SessionLog
from backcheck.jobs import JobStatus
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.web.interview.service import interview_level
from backcheck.web.journal.chart import DayPain
from backcheck.web.journal.schemas import EntryIn, EntryOut

PAGE_SIZE = 30  # entries on one journal page: a couple of weeks for most, a thumb's scroll


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


@dataclass(frozen=True)
class Cursor:
    """A place in the journal (newest first: by day, then by id), carried in page links."""

    day: date
    id: int

    @classmethod
    def of(cls, entry: JournalEntry) -> Cursor:
        """The place of one entry."""
        return cls(entry.day, entry.id)

    @classmethod
    def parse(cls, text: str) -> Cursor:
        """``2026-05-03.1234`` back to a place; ValueError when it is not one."""
        day, _, number = text.partition(".")
        if not number.isdigit():
            raise ValueError(f"not a place in the journal: {text!r}")
        return cls(date.fromisoformat(day), int(number))

    def __str__(self) -> str:
        return f"{self.day.isoformat()}.{self.id}"

    def newer(self) -> ColumnElement[bool]:
        """The entries after this place."""
        return or_(
            JournalEntry.day > self.day,
            and_(JournalEntry.day == self.day, JournalEntry.id > self.id),
        )

    def older(self) -> ColumnElement[bool]:
        """The entries before this place."""
        return or_(
            JournalEntry.day < self.day,
            and_(JournalEntry.day == self.day, JournalEntry.id < self.id),
        )


@dataclass(frozen=True)
class EntryPage:
    """One page of the journal, newest first, and the links around it."""

    entries: list[JournalEntry]
    total: int
    newer_count: int  # entries newer than this page's first one
    older: Cursor | None  # the link to the next older page (None: this is the oldest)
    newer: Cursor | None  # the link to the next newer page (None: this is the latest)
    first_day: date | None  # of the whole journal
    last_day: date | None


def entry_page(
    *,
    session: Session,
    older: Cursor | None = None,
    newer: Cursor | None = None,
    until: date | None = None,
    size: int = PAGE_SIZE,
) -> EntryPage:
    """At most ``size`` entries: the latest, those just before ``older``, just after
    ``newer``, or the latest on or before the day ``until``. A few indexed queries, whatever
    the journal's length; every entry is on some page (the links step by day, then id)."""
    newest_first = (JournalEntry.day.desc(), JournalEntry.id.desc())
    rows: list[JournalEntry]
    if newer is not None:
        ahead = select(JournalEntry).where(newer.newer())
        ahead = ahead.order_by(JournalEntry.day, JournalEntry.id).limit(size + 1)
        rows = list(session.scalars(ahead))
        if len(rows) <= size:  # the newest entries are reached: the latest page, as /journal
            return entry_page(session=session, size=size)
        rows = list(reversed(rows[:size]))
        behind = select(JournalEntry.id).where(Cursor.of(rows[-1]).older()).limit(1)
        has_older = session.scalar(behind) is not None
    else:
        query = select(JournalEntry)
        if older is not None:
            query = query.where(older.older())
        if until is not None:
            query = query.where(JournalEntry.day <= until)
        rows = list(session.scalars(query.order_by(*newest_first).limit(size + 1)))
        has_older = len(rows) > size
        rows = rows[:size]
    total, first_day, last_day = session.execute(
        select(func.count(), func.min(JournalEntry.day), func.max(JournalEntry.day))
    ).one()
    newer_count = 0
    if rows:
        ahead_count = select(func.count()).select_from(JournalEntry)
        newer_count = session.scalar(ahead_count.where(Cursor.of(rows[0]).newer())) or 0
    elif until is not None or older is not None:  # nothing that old: all entries are newer
        newer_count = total
    return EntryPage(
        entries=rows,
        total=total,
        newer_count=newer_count,
        older=Cursor.of(rows[-1]) if rows and has_older else None,
        newer=Cursor.of(rows[0]) if rows and newer_count else None,
        first_day=first_day,
        last_day=last_day,
    )


def daily_pain(*, session: Session) -> list[DayPain]:
    """Each day's pain, added up by the database (one row a day, oldest first): the chart."""
    query = (
        select(
            JournalEntry.day,
            func.sum(JournalEntry.pain),
            func.count(),
            func.min(JournalEntry.pain),
            func.max(JournalEntry.pain),
        )
        .group_by(JournalEntry.day)
        .order_by(JournalEntry.day)
    )
    return [
        DayPain(day=day, total=int(total), entries=int(count), lowest=low, highest=high)
        for day, total, count, low, high in session.execute(query)
    ]


def _json_text(column: Any) -> ColumnElement[str]:
    """A JSON column as its stored text (the same words on SQLite and PostgreSQL)."""
    text: ColumnElement[str] = sql_cast(column, Text)
    return text


def journal_summary(*, session: Session) -> JournalSummary | None:
    """What reading the journal needs (core.journal.summarise), counted by the database with a
    few grouped queries instead of loading every entry; None without entries."""
    j = JournalEntry
    first, last = session.execute(select(func.min(j.day), func.max(j.day))).one()
    if first is None:
        return None
    latest_pain = session.scalar(select(j.pain).order_by(j.day.desc(), j.id.desc()).limit(1))

    def pain_on(day: date) -> tuple[int, int]:
        total, count = session.execute(
            select(func.coalesce(func.sum(j.pain), 0), func.count()).where(j.day == day)
        ).one()
        return int(total), int(count)

    # What was done and how the pain responded: a handful of distinct combinations, counted.
    done_query = select(j.activities, j.response, j.responses, func.count()).group_by(
        j.activities, j.response, j.responses
    )
    done = tuple(
        (
            Entry(
                day=first,
                pain=0,
                activities=frozenset(activities or ()),
                response=cast_response(response),
                responses=dict(responses or {}),
            ),
            int(count),
        )
        for activities, response, responses, count in session.execute(done_query)
    )
    # Self-care days: the activity ids are plain words, quoted in the stored JSON list.
    did_care = or_(*(_json_text(j.activities).like(f'%"{a}"%') for a in sorted(CONSERVATIVE)))
    care_days = session.scalar(select(func.count(distinct(j.day))).where(did_care)) or 0
    past_knee = session.scalar(select(j.id).where(j.radiates == "past_knee").limit(1))
    # Warning signs: a non-empty JSON list of words has a quote in it.
    marked_query = select(j).where(_json_text(j.symptoms).like('%"%')).order_by(j.day, j.id)
    return JournalSummary(
        first_day=first,
        last_day=last,
        latest_pain=int(latest_pain or 0),
        first_day_pain=pain_on(first),
        last_day_pain=pain_on(last),
        done=done,
        care_days=int(care_days),
        past_knee=past_knee is not None,
        marked=tuple(engine_entry(entry=e) for e in session.scalars(marked_query)),
    )


def cast_response(value: str | None) -> Any:
    """A stored single response as the engine's literal (validated when it was stored)."""
    return value if value in ("better", "same", "worse") else None


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
    entries = programme_entries(session=session)
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


def programme_entries(*, session: Session) -> list[JournalEntry]:
    """The entries the programme is replayed from, oldest first: the logged sessions and the
    entries with a warning sign (any stops it); the rest do not change where it stands."""
    j = JournalEntry
    logged = _json_text(j.session).like("{%")  # a JSON object; no session is NULL or null
    signs = _json_text(j.symptoms).like('%"%')
    query = select(j).where(or_(logged, signs)).order_by(j.day, j.id)
    return list(session.scalars(query))


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
    summary = journal_summary(session=session)
    if summary is None:
        return None
    interview = _latest_interview(session)
    base: dict[str, Any] = dict(interview.findings) if interview is not None else {}
    onset = None
    if interview is not None and isinstance(base.get("days_since_onset"), int):
        onset = interview.created_at.date() - timedelta(days=base["days_since_onset"])
    now = max(today or date.today(), summary.last_day)
    reading = read_summary(summary, today=now, onset=onset)
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
