"""The journal read through its summary (core.journal.summarise → read_summary, what the web
app has the database count) gives exactly what the entry-by-entry reading gave before the
summary existed: same findings, same reasons, same order, on random journals.

``reference_reading`` below is that earlier implementation, kept verbatim as the reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from statistics import fmean

from hypothesis import given, settings
from hypothesis import strategies as st

from backcheck.core.conditions import FindingValue
from backcheck.core.journal import (
    ACTIVITIES,
    CARE_DAYS,
    CONSERVATIVE,
    SYMPTOMS,
    TREND_IMPROVING,
    TREND_WORSENING,
    Entry,
    JournalReading,
    Response,
    _care_answers,
    _raise,
    derive_findings,
    read_summary,
    summarise,
)

TODAY = date(2025, 6, 10)
ANSWERS: tuple[Response, ...] = ("better", "same", "worse")


def _trend(entries: list[Entry]) -> str | None:
    by_day: dict[date, list[int]] = {}
    for entry in entries:
        by_day.setdefault(entry.day, []).append(entry.pain)
    if len(by_day) < 2:
        return None
    days = sorted(by_day)
    first, last = fmean(by_day[days[0]]), fmean(by_day[days[-1]])
    if last == 0 and first > 0:
        return "improving"
    change = last - first
    if change <= TREND_IMPROVING:
        return "improving"
    if change >= TREND_WORSENING:
        return "worsening"
    return "same"


def _worse_with_rest(entries: list[Entry]) -> bool | None:
    responses = [r for e in entries if (r := e.response_to("rest")) is not None]
    if "worse" in responses:
        return True
    if responses.count("same") >= 2 and "better" not in responses:
        return True
    if "better" in responses:
        return False
    return None


def _conservative_care(entries: list[Entry]) -> tuple[bool | None, bool | None]:
    """(tried for a few days, relieved) from the entries that record self-care."""
    care = [e for e in entries if e.activities & CONSERVATIVE]
    if not care:
        return None, None
    tried = len({e.day for e in care}) >= CARE_DAYS
    answers = [answer for e in care for answer in _care_answers(e)]
    if not answers:
        return tried or None, None
    better = answers.count("better")
    if better * 2 >= len(answers):
        return tried or None, True
    if len(answers) >= 2 and tried:
        return True, False
    return tried or None, None


def reference_reading(
    entries: Iterable[Entry], *, today: date, onset: date | None = None
) -> JournalReading:
    """Read the journal as findings; ``onset`` is the episode's start if known otherwise."""
    ordered = sorted(entries, key=lambda e: e.day)
    if not ordered:
        return JournalReading()
    findings: dict[str, FindingValue] = {}
    reasons: list[str] = []

    start = min(ordered[0].day, onset) if onset is not None else ordered[0].day
    days = max(0, (today - start).days)
    findings["days_since_onset"] = days
    reasons.append(f"Pain first recorded {days} day{'s' if days != 1 else ''} ago.")
    latest = ordered[-1]
    findings["pain_score"] = latest.pain
    reasons.append(f"Latest pain: {latest.pain}/10 on {latest.day.isoformat()}.")

    trend = _trend(ordered)
    if trend is not None:
        findings["pain_trend"] = trend
        reasons.append(f"Pain trend over the entries: {trend}.")

    rest = _worse_with_rest(ordered)
    if rest is not None:
        findings["worse_with_rest"] = rest
        if rest:
            reasons.append("Rest did not ease the pain, or made it worse.")
        else:
            reasons.append("Rest eased the pain.")

    tried, relieved = _conservative_care(ordered)
    if tried is not None:
        findings["tried_conservative_care"] = tried
    if relieved is not None:
        findings["relieved_by_conservative_care"] = relieved
        reasons.append(
            "Self-care (heat, ice, walking, stretching) helped."
            if relieved
            else "Self-care (heat, ice, walking, stretching) has not helped."
        )

    if any(e.radiates == "past_knee" for e in ordered):
        findings["pain_below_knee"] = True
        reasons.append("Pain recorded travelling past the knee.")
    for entry in ordered:
        for symptom in sorted(entry.symptoms):
            if symptom not in SYMPTOMS:
                continue
            finding, value, label = SYMPTOMS[symptom]
            findings[finding] = _raise(findings.get(finding), value)
            text = f"Recorded on {entry.day.isoformat()}: {label.lower()}."
            if text not in reasons:
                reasons.append(text)
    return JournalReading(findings, tuple(reasons))



def journal_entries() -> st.SearchStrategy[Entry]:
    did = st.frozensets(st.sampled_from(sorted(ACTIVITIES)), max_size=3)
    return did.flatmap(
        lambda activities: st.builds(
            Entry,
            day=st.integers(0, 10).map(lambda n: TODAY - timedelta(days=n)),
            pain=st.integers(0, 10),
            activities=st.just(activities),
            response=st.sampled_from([None, *ANSWERS]),
            radiates=st.sampled_from(["no", "no", "buttock_thigh", "past_knee"]),
            symptoms=st.one_of(
                st.just(frozenset()), st.frozensets(st.sampled_from(sorted(SYMPTOMS)), max_size=2)
            ),
            responses=st.dictionaries(st.sampled_from(sorted(activities)), st.sampled_from(ANSWERS))
            if activities
            else st.just({}),
        )
    )


@settings(max_examples=400)
@given(journal=st.lists(journal_entries(), max_size=30), onset_days=st.none() | st.integers(0, 40))
def test_the_summary_reads_like_every_entry(journal: list[Entry], onset_days: int | None) -> None:
    onset = TODAY - timedelta(days=onset_days) if onset_days is not None else None
    expected = reference_reading(journal, today=TODAY, onset=onset)
    assert derive_findings(journal, today=TODAY, onset=onset) == expected
    assert read_summary(summarise(journal), today=TODAY, onset=onset) == expected


def test_no_entries_no_summary() -> None:
    assert summarise([]) is None
    assert read_summary(None, today=TODAY) == JournalReading()
