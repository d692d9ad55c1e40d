"""The journal → findings derivation (pure) and the triage it drives, on synthetic entries."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from backcheck.core import Case, assess, load_knowledge
from backcheck.core.journal import Entry, derive_findings, merge_findings, pain_trend
from backcheck.core.knowledge.schema import LEVEL_RANK

TODAY = date(2025, 6, 10)


def day(n: int) -> date:
    """``n`` days before TODAY."""
    return TODAY - timedelta(days=n)


def all_clear() -> dict[str, object]:
    """An interview with every red flag answered negatively."""
    kb = load_knowledge()
    return {f: kb.findings[f].safe_value for f in kb.red_flags}


def level(entries: list[Entry], interview: dict[str, object] | None = None) -> str:
    reading = derive_findings(entries, today=TODAY)
    merged = merge_findings(interview if interview is not None else all_clear(), reading.findings)  # type: ignore[arg-type]
    return assess(Case(merged)).triage.level


def test_no_entries_no_findings() -> None:
    assert derive_findings([], today=TODAY).findings == {}


def test_days_and_latest_pain() -> None:
    reading = derive_findings([Entry(day(5), 6), Entry(day(1), 4)], today=TODAY)
    assert reading.findings["days_since_onset"] == 5
    assert reading.findings["pain_score"] == 4
    assert reading.reasons


def test_onset_from_interview_counts_when_earlier() -> None:
    reading = derive_findings([Entry(day(1), 4)], today=TODAY, onset=day(9))
    assert reading.findings["days_since_onset"] == 9


def test_trend() -> None:
    assert pain_trend([Entry(day(3), 6)]) is None
    assert pain_trend([Entry(day(3), 6), Entry(day(0), 3)]) == "improving"
    assert pain_trend([Entry(day(3), 6), Entry(day(0), 6)]) == "same"
    assert pain_trend([Entry(day(3), 4), Entry(day(0), 6)]) == "worsening"
    assert pain_trend([Entry(day(3), 1), Entry(day(0), 0)]) == "improving"


def test_improving_strain_stays_self_care() -> None:
    entries = [
        Entry(day(2), 6, frozenset({"walking"}), "better"),
        Entry(day(1), 4, frozenset({"heat"}), "better"),
        Entry(day(0), 2, frozenset({"walking"}), "better"),
    ]
    assert level(entries) == "self_care"


def test_persisting_pain_escalates_to_see_clinician() -> None:
    entries = [Entry(day(n), 5) for n in (6, 4, 2, 0)]
    reading = derive_findings(entries, today=TODAY)
    assert reading.findings["pain_trend"] == "same"
    assert level(entries) == "see_clinician"


def test_worse_with_rest_escalates_to_urgent() -> None:
    entries = [Entry(day(1), 4), Entry(day(0), 6, frozenset({"rest"}), "worse")]
    assert derive_findings(entries, today=TODAY).findings["worse_with_rest"] is True
    assert level(entries) == "urgent"


def test_rest_that_helps_is_not_a_red_flag() -> None:
    entries = [Entry(day(0), 3, frozenset({"rest"}), "better")]
    assert derive_findings(entries, today=TODAY).findings["worse_with_rest"] is False


def test_self_care_not_helping_escalates() -> None:
    entries = [
        Entry(day(3), 5, frozenset({"heat"}), "same"),
        Entry(day(2), 5, frozenset({"walking"}), "same"),
        Entry(day(1), 4, frozenset({"ice"}), "worse"),
    ]
    found = derive_findings(entries, today=TODAY).findings
    assert found["tried_conservative_care"] is True
    assert found["relieved_by_conservative_care"] is False
    assert level(entries) == "see_clinician"


def test_one_day_of_self_care_is_not_yet_a_trial() -> None:
    found = derive_findings([Entry(day(0), 5, frozenset({"heat"}), "same")], today=TODAY).findings
    assert "tried_conservative_care" not in found
    assert "relieved_by_conservative_care" not in found


def test_red_flag_in_the_journal_shows_its_level_at_once() -> None:
    assert level([Entry(day(0), 3, symptoms=frozenset({"saddle_numbness"}))]) == "emergency"
    assert level([Entry(day(0), 3, symptoms=frozenset({"leg_weakness_progressive"}))]) == "urgent"
    assert level([Entry(day(0), 3, radiates="past_knee")]) == "see_clinician"


def test_journal_never_clears_an_interview_red_flag() -> None:
    interview = {**all_clear(), "worse_with_rest": True, "leg_weakness": "progressive"}
    merged = merge_findings(interview, {"worse_with_rest": False, "leg_weakness": "new_stable"})  # type: ignore[arg-type]
    assert merged["worse_with_rest"] is True
    assert merged["leg_weakness"] == "progressive"


def test_without_interview_a_journal_cannot_say_self_care() -> None:
    entries = [Entry(day(1), 3, frozenset({"walking"}), "better"), Entry(day(0), 1)]
    assert level(entries, interview={}) != "self_care"


SYMPTOM_KEYS = st.sampled_from(
    ["saddle_numbness", "foot_drop", "fever_or_unwell", "numbness_tingling"]
)
ENTRY = st.builds(
    Entry,
    day=st.integers(0, 30).map(day),
    pain=st.integers(0, 10),
    activities=st.frozensets(st.sampled_from(["rest", "heat", "ice", "walking", "training"])),
    response=st.sampled_from([None, "better", "same", "worse"]),
    radiates=st.sampled_from(["no", "buttock_thigh", "past_knee"]),
    symptoms=st.frozensets(SYMPTOM_KEYS, max_size=2),
)


@settings(deadline=None)  # a loaded machine took 1.3 s (wall) over the first example
@given(st.lists(ENTRY, max_size=8), ENTRY)
def test_adding_a_red_flag_entry_never_lowers_the_level(entries: list[Entry], extra: Entry) -> None:
    """Safety: a further entry with a warning sign can only keep or raise the level."""
    before = level(entries)
    flagged = Entry(
        TODAY,
        extra.pain,
        extra.activities,
        extra.response,
        "past_knee",
        extra.symptoms | {"numbness_tingling"},
    )
    after = level([*entries, flagged])
    assert LEVEL_RANK[after] >= min(LEVEL_RANK[before], LEVEL_RANK["see_clinician"])
    assert LEVEL_RANK[after] >= LEVEL_RANK["see_clinician"]
