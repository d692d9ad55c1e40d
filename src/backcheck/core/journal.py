"""The pain journal read as findings: pure, no I/O, no clock (``today`` is passed in).

From dated entries the engine derives the course of the episode: ``days_since_onset``,
``pain_score`` (the latest), ``pain_trend``, ``worse_with_rest``, ``tried_conservative_care`` and
``relieved_by_conservative_care``, plus any red-flag symptom ticked in an entry. These are merged
with the interview's answers and the case is assessed again, so pain that persists, worsens
with rest or does not respond to self-care escalates by itself.

Each activity has its own response ("rest: worse, walking: better"): one answer for several
activities cannot say which of them helped, so an old single answer is read only when it
cannot be misread (rest alone; self-care alone). An entry may also log a programme session
(pain during, after and the next morning); the programme is replayed from those sessions, and
any warning sign in the journal stops it.

Merge rule (safety first): the journal is newer than the interview, so its course findings
replace the interview's; a red-flag finding from the journal can only add or raise (a ticked
symptom), never clear a red flag the interview recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from statistics import fmean
from typing import Literal

from backcheck.core.conditions import FindingValue
from backcheck.core.knowledge.schema import ProgrammeDef
from backcheck.core.programme import ProgrammeState, Session, SessionLog, run_programme

Response = Literal["better", "same", "worse"]
Radiation = Literal["no", "buttock_thigh", "past_knee"]

ACTIVITIES: dict[str, str] = {
    "rest": "Rest (lying or sitting still)",
    "heat": "Heat",
    "ice": "Ice",
    "walking": "Gentle walking",
    "stretching": "Light stretching (e.g. child's pose)",
    "training": "Training",
}
# Self-care the plan recommends (prolonged rest is not one of them).
CONSERVATIVE = frozenset({"heat", "ice", "walking", "stretching"})
LOCATIONS: dict[str, str] = {
    "centre": "Low back, centre",
    "left": "Low back, left side",
    "right": "Low back, right side",
    "buttock": "Buttock",
    "thigh": "Thigh",
    "leg_below_knee": "Leg below the knee",
}
RADIATION: dict[str, str] = {
    "no": "No, it stays in the back",
    "buttock_thigh": "Into the buttock or thigh",
    "past_knee": "Down the leg past the knee",
}
RESPONSES: dict[str, str] = {
    "better": "Better",
    "same": "No change",
    "worse": "Worse",
}
# A symptom ticked in an entry → the red-flag finding (and value) it records, and its label.
# Labels follow the way the published cauda equina symptom cards ask (GIRFT 2023).
SYMPTOMS: dict[str, tuple[str, FindingValue, str]] = {
    "saddle_numbness": (
        "saddle_numbness",
        True,
        "Numbness, tingling or changed feeling in the groin, genitals, back passage, buttocks "
        "or inner thighs, or when wiping",
    ),
    "bladder_sensation_reduced": (
        "bladder_sensation_reduced",
        True,
        "Not knowing when your bladder is full or empty, or less feeling when passing urine",
    ),
    "difficulty_passing_urine": (
        "difficulty_passing_urine",
        True,
        "New difficulty passing urine (hard to start, weak stream, not emptying)",
    ),
    "urinary_incontinence_new": ("urinary_incontinence_new", True, "New leaking of urine"),
    "bowel_incontinence_new": (
        "bowel_incontinence_new",
        True,
        "New loss of bowel control, or not feeling the need to go",
    ),
    "new_sexual_dysfunction": (
        "new_sexual_dysfunction",
        True,
        "New changes in sexual function or feeling (erection, ejaculation, genital numbness)",
    ),
    "bilateral_leg_symptoms": (
        "bilateral_leg_symptoms",
        True,
        "Pain, numbness or weakness in both legs",
    ),
    "leg_weakness_progressive": (
        "leg_weakness",
        "progressive",
        "Leg or foot weakness that is getting worse or came on suddenly",
    ),
    "leg_weakness_new": (
        "leg_weakness",
        "new_stable",
        "New weakness in a leg or foot, even if it is not getting worse",
    ),
    "foot_drop": ("foot_drop", True, "Foot slapping or dragging (foot drop)"),
    "gait_disturbance": (
        "gait_disturbance",
        True,
        "Walking has changed: tripping, or a knee giving way",
    ),
    "numbness_tingling": ("numbness_tingling", True, "Numbness or pins and needles in a leg"),
    "fever_or_unwell": ("fever_or_unwell", True, "Fever or feeling generally unwell"),
    "constant_night_pain": (
        "constant_night_pain",
        True,
        "Constant pain through the night, whatever the position",
    ),
    "pain_worse_cough_sneeze": (
        "pain_worse_cough_sneeze",
        True,
        "Pain much worse when you cough or sneeze",
    ),
}
# Red-flag findings whose journal value can only raise the interview's (never clear it).
_LEG_WEAKNESS_ORDER = ("none", "longstanding", "new_stable", "progressive", "sudden")

# How the course is read; a reviewer may want to change these.
TREND_IMPROVING = -2  # the latest day's pain at least this much below the first day's
TREND_WORSENING = 1  # ... or at least this much above it
CARE_DAYS = 3  # self-care on this many distinct days counts as "tried for a few days"


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry, as the engine reads it.

    ``responses`` holds how the pain responded to each activity; ``response`` is the older
    single answer for the whole entry, read only where it cannot be misread.
    """

    day: date
    pain: int
    activities: frozenset[str] = frozenset()
    response: Response | None = None
    radiates: Radiation = "no"
    symptoms: frozenset[str] = frozenset()
    responses: Mapping[str, Response] = field(default_factory=dict)
    session: SessionLog | None = None

    def response_to(self, activity: str) -> Response | None:
        """How the pain responded to one activity (the single old answer only if it was alone)."""
        if activity not in self.activities:
            return None
        answer = self.responses.get(activity)
        if answer is not None:
            return answer
        if self.response is not None and self.activities == {activity}:
            return self.response
        return None


@dataclass(frozen=True)
class JournalReading:
    """Findings derived from the journal, and why, in plain words."""

    findings: dict[str, FindingValue] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class JournalSummary:
    """What reading the journal needs, small whatever the journal's length, so a database can
    count it instead of handing over every row (:func:`summarise` is the reference).

    ``done`` holds each distinct way entries recorded what was done and how the pain responded
    (only ``activities``, ``response`` and ``responses`` of its entry are read) with how many
    entries recorded it; ``care_days`` the distinct days with self-care; ``marked`` every entry
    that ticks a warning sign, in day order. Pain on the first and last day is (total, entries).
    """

    first_day: date
    last_day: date
    latest_pain: int
    first_day_pain: tuple[int, int]
    last_day_pain: tuple[int, int]
    done: tuple[tuple[Entry, int], ...] = ()
    care_days: int = 0
    past_knee: bool = False
    marked: tuple[Entry, ...] = ()


def summarise(entries: Iterable[Entry]) -> JournalSummary | None:
    """The journal's summary (None without entries); the latest entry is the last one given
    on the latest day."""
    ordered = sorted(entries, key=lambda e: e.day)
    if not ordered:
        return None
    first, last = ordered[0].day, ordered[-1].day

    def pain_on(day: date) -> tuple[int, int]:
        pains = [e.pain for e in ordered if e.day == day]
        return sum(pains), len(pains)

    first_of: dict[tuple[object, ...], Entry] = {}
    counts: Counter[tuple[object, ...]] = Counter()
    for entry in ordered:
        key = (entry.activities, entry.response, tuple(sorted(entry.responses.items())))
        first_of.setdefault(key, entry)
        counts[key] += 1
    return JournalSummary(
        first_day=first,
        last_day=last,
        latest_pain=ordered[-1].pain,
        first_day_pain=pain_on(first),
        last_day_pain=pain_on(last),
        done=tuple((first_of[key], n) for key, n in counts.items()),
        care_days=len({e.day for e in ordered if e.activities & CONSERVATIVE}),
        past_knee=any(e.radiates == "past_knee" for e in ordered),
        marked=tuple(e for e in ordered if e.symptoms),
    )


def derive_findings(
    entries: Iterable[Entry], *, today: date, onset: date | None = None
) -> JournalReading:
    """Read the journal as findings; ``onset`` is the episode's start if known otherwise."""
    return read_summary(summarise(entries), today=today, onset=onset)


def read_summary(
    summary: JournalSummary | None, *, today: date, onset: date | None = None
) -> JournalReading:
    """Read a journal's summary as findings, with the reasons in plain words."""
    if summary is None:
        return JournalReading()
    findings: dict[str, FindingValue] = {}
    reasons: list[str] = []

    start = min(summary.first_day, onset) if onset is not None else summary.first_day
    days = max(0, (today - start).days)
    findings["days_since_onset"] = days
    reasons.append(f"Pain first recorded {days} day{'s' if days != 1 else ''} ago.")
    findings["pain_score"] = summary.latest_pain
    reasons.append(f"Latest pain: {summary.latest_pain}/10 on {summary.last_day.isoformat()}.")

    if summary.first_day != summary.last_day:
        (first_total, first_n), (last_total, last_n) = summary.first_day_pain, summary.last_day_pain
        trend = _trend(first_total / first_n, last_total / last_n)
        findings["pain_trend"] = trend
        reasons.append(f"Pain trend over the entries: {trend}.")

    rest = _worse_with_rest(summary.done)
    if rest is not None:
        findings["worse_with_rest"] = rest
        if rest:
            reasons.append("Rest did not ease the pain, or made it worse.")
        else:
            reasons.append("Rest eased the pain.")

    tried, relieved = _conservative_care(summary)
    if tried is not None:
        findings["tried_conservative_care"] = tried
    if relieved is not None:
        findings["relieved_by_conservative_care"] = relieved
        reasons.append(
            "Self-care (heat, ice, walking, stretching) helped."
            if relieved
            else "Self-care (heat, ice, walking, stretching) has not helped."
        )

    if summary.past_knee:
        findings["pain_below_knee"] = True
        reasons.append("Pain recorded travelling past the knee.")
    for entry in summary.marked:
        for symptom in sorted(entry.symptoms):
            if symptom not in SYMPTOMS:
                continue
            finding, value, label = SYMPTOMS[symptom]
            findings[finding] = _raise(findings.get(finding), value)
            text = f"Recorded on {entry.day.isoformat()}: {label.lower()}."
            if text not in reasons:
                reasons.append(text)
    return JournalReading(findings, tuple(reasons))


def pain_trend(entries: list[Entry]) -> str | None:
    """Improving, same or worsening: the latest day's mean pain against the first day's."""
    by_day: dict[date, list[int]] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append(entry.pain)
    if len(by_day) < 2:
        return None
    days = sorted(by_day)
    return _trend(fmean(by_day[days[0]]), fmean(by_day[days[-1]]))


def _trend(first: float, last: float) -> str:
    if last == 0 and first > 0:
        return "improving"
    change = last - first
    if change <= TREND_IMPROVING:
        return "improving"
    if change >= TREND_WORSENING:
        return "worsening"
    return "same"


def _worse_with_rest(done: Iterable[tuple[Entry, int]]) -> bool | None:
    """True when rest made it worse once, or failed to ease it twice with no relief at all."""
    responses: Counter[Response] = Counter()
    for entry, count in done:
        answer = entry.response_to("rest")
        if answer is not None:
            responses[answer] += count
    if responses["worse"]:
        return True
    if responses["same"] >= 2 and not responses["better"]:
        return True
    if responses["better"]:
        return False
    return None


def _care_answers(entry: Entry) -> list[Response]:
    """The responses to self-care in one entry: per activity, or the old single answer when
    everything done that day was self-care (then it answers for all of it)."""
    answers = [r for a in sorted(entry.activities & CONSERVATIVE) if (r := entry.responses.get(a))]
    if answers:
        return answers
    if entry.response is not None and entry.activities and entry.activities <= CONSERVATIVE:
        return [entry.response]
    return []


def _conservative_care(summary: JournalSummary) -> tuple[bool | None, bool | None]:
    """(tried for a few days, relieved) from the entries that record self-care."""
    if not summary.care_days:
        return None, None
    tried = summary.care_days >= CARE_DAYS
    answers: Counter[Response] = Counter()
    for entry, count in summary.done:
        for answer in _care_answers(entry):  # none for an entry without self-care
            answers[answer] += count
    total, better = answers.total(), answers["better"]
    if not total:
        return tried or None, None
    if better * 2 >= total:
        return tried or None, True
    if total >= 2 and tried:
        return True, False
    return tried or None, None


def _raise(current: FindingValue | None, new: FindingValue) -> FindingValue:
    if current is None:
        return new
    if isinstance(new, str) and isinstance(current, str) and new in _LEG_WEAKNESS_ORDER:
        return max(current, new, key=_LEG_WEAKNESS_ORDER.index)
    return new if new is True else current


RED_FLAG_RAISE_ONLY = frozenset(
    {finding for finding, _value, _label in SYMPTOMS.values()}
    | {"pain_below_knee", "worse_with_rest"}
)


def merge_findings(
    interview: Mapping[str, FindingValue], journal: Mapping[str, FindingValue]
) -> dict[str, FindingValue]:
    """The interview's answers updated by the journal; red flags can only be added or raised."""
    merged = dict(interview)
    for key, value in journal.items():
        if key in RED_FLAG_RAISE_ONLY and key in merged:
            current = merged[key]
            if key == "leg_weakness" and isinstance(current, str) and isinstance(value, str):
                known = current in _LEG_WEAKNESS_ORDER and value in _LEG_WEAKNESS_ORDER
                merged[key] = (
                    max(current, value, key=_LEG_WEAKNESS_ORDER.index) if known else current
                )
            elif value is True:
                merged[key] = True
            continue
        merged[key] = value
    return merged


def warning_signs(entries: Iterable[Entry]) -> tuple[str, ...]:
    """The plain labels of every warning sign ticked in the journal, first seen first."""
    labels: list[str] = []
    for entry in sorted(entries, key=lambda e: e.day):
        for symptom in sorted(entry.symptoms):
            if symptom in SYMPTOMS and SYMPTOMS[symptom][2] not in labels:
                labels.append(SYMPTOMS[symptom][2])
    return tuple(labels)


def sessions(entries: Iterable[Entry]) -> list[Session]:
    """The programme sessions logged in the journal, the entry's pain as the pain before."""
    return [
        Session(
            day=e.day,
            pain_before=e.pain,
            pain_during=e.session.pain_during,
            pain_after=e.session.pain_after,
            pain_next_morning=e.session.pain_next_morning,
            spread_down_leg=e.session.spread_down_leg or e.radiates == "past_knee",
            done=e.session.done,
            load=e.session.load,
        )
        for e in entries
        if e.session is not None
    ]


def journal_programme(
    entries: Iterable[Entry], programme: ProgrammeDef, *, level: str
) -> ProgrammeState:
    """Where the programme stands from the journal's sessions; a warning sign stops it."""
    ordered = sorted(entries, key=lambda e: e.day)
    return run_programme(
        sessions(ordered), programme, level=level, warning_signs=warning_signs(ordered)
    )
