"""The journal: a response per activity, the full warning-sign set, and the programme it runs."""

from __future__ import annotations

from datetime import date, timedelta

from backcheck.core import Case, assess
from backcheck.core.journal import (
    SYMPTOMS,
    Entry,
    derive_findings,
    journal_programme,
    merge_findings,
    warning_signs,
)
from backcheck.core.programme import SessionLog
from tests.core.core_kit import BASELINE, KB

TODAY = date(2025, 6, 10)


def day(n: int) -> date:
    """``n`` days before TODAY."""
    return TODAY - timedelta(days=n)


def level(entries: list[Entry]) -> str:
    reading = derive_findings(entries, today=TODAY)
    return assess(Case(merge_findings(BASELINE, reading.findings)), KB).triage.level


REST_WALK = frozenset({"rest", "walking"})


def test_one_answer_for_rest_and_walking_is_not_read_as_rest_made_it_worse() -> None:
    # the reported defect: three "rest, walking -> worse" entries escalated to urgent
    entries = [Entry(day(n), 4, REST_WALK, "worse") for n in (3, 2, 1)]
    reading = derive_findings(entries, today=TODAY)
    assert "worse_with_rest" not in reading.findings
    assert level(entries) != "urgent"


def test_rest_alone_with_one_answer_still_counts() -> None:
    reading = derive_findings([Entry(day(1), 4, frozenset({"rest"}), "worse")], today=TODAY)
    assert reading.findings["worse_with_rest"] is True


def test_per_activity_responses_are_read_each_for_its_activity() -> None:
    helped_by_walking = Entry(
        day(2), 4, REST_WALK, responses={"rest": "better", "walking": "worse"}
    )
    reading = derive_findings([helped_by_walking], today=TODAY)
    assert reading.findings["worse_with_rest"] is False
    rest_worse = Entry(day(1), 4, REST_WALK, responses={"rest": "worse", "walking": "better"})
    reading = derive_findings([rest_worse], today=TODAY)
    assert reading.findings["worse_with_rest"] is True
    assert level([rest_worse]) == "urgent"


def test_self_care_per_activity() -> None:
    care = frozenset({"heat", "walking"})
    entries = [
        Entry(day(n), 5, care, responses={"heat": "same", "walking": "same"}) for n in (4, 3, 2)
    ]
    reading = derive_findings(entries, today=TODAY)
    assert reading.findings["relieved_by_conservative_care"] is False
    entries = [Entry(day(n), 5, care, responses={"heat": "better"}) for n in (4, 3, 2)]
    assert derive_findings(entries, today=TODAY).findings["relieved_by_conservative_care"] is True


def test_old_single_answer_with_training_is_not_read_as_self_care() -> None:
    entries = [Entry(day(n), 5, frozenset({"walking", "training"}), "worse") for n in (4, 3, 2)]
    assert "relieved_by_conservative_care" not in derive_findings(entries, today=TODAY).findings


def test_the_full_warning_sign_set_with_complete_labels() -> None:
    findings = {finding for finding, _value, _label in SYMPTOMS.values()}
    assert {
        "saddle_numbness", "bladder_sensation_reduced", "difficulty_passing_urine",
        "urinary_incontinence_new", "bowel_incontinence_new", "new_sexual_dysfunction",
        "bilateral_leg_symptoms", "leg_weakness", "foot_drop", "numbness_tingling",
        "fever_or_unwell", "constant_night_pain", "pain_worse_cough_sneeze", "gait_disturbance",
    } <= findings
    saddle = SYMPTOMS["saddle_numbness"][2].lower()
    assert "back passage" in saddle and "wiping" in saddle
    values = {SYMPTOMS[key][1] for key in ("leg_weakness_new", "leg_weakness_progressive")}
    assert values == {"new_stable", "progressive"}
    for _finding, value, label in SYMPTOMS.values():
        assert label.strip() and value is not None


def test_every_warning_sign_raises_the_level_on_its_own() -> None:
    for key, (finding, _value, label) in SYMPTOMS.items():
        entry = Entry(day(1), 2, symptoms=frozenset({key}))
        assert level([entry]) in ("see_clinician", "urgent", "emergency"), key
        assert label in warning_signs([entry])
        assert finding in derive_findings([entry], today=TODAY).findings


def session_entry(n: int, before: int, during: int, morning: int | None, **kw: object) -> Entry:
    return Entry(day(n), before, frozenset({"training"}),
                 session=SessionLog(during, during, morning), **kw)  # type: ignore[arg-type]


def test_journal_sessions_advance_the_programme() -> None:
    entries = [session_entry(5, 2, 2, 2), session_entry(4, 2, 1, 1)]
    state = journal_programme(entries, KB.programme, level="self_care")
    assert (state.phase, state.status) == ("rebuild", "advanced")


def test_journal_session_above_the_level_holds_it() -> None:
    entries = [session_entry(5, 2, 2, 2), session_entry(4, 2, 5, 2)]
    state = journal_programme(entries, KB.programme, level="self_care")
    assert (state.phase, state.status) == ("settle", "held")


def test_pain_past_the_knee_in_a_session_steps_back() -> None:
    entries = [session_entry(n, 1, 1, 1) for n in (9, 8)]
    entries.append(session_entry(7, 1, 1, 1, radiates="past_knee"))
    state = journal_programme(entries, KB.programme, level="see_clinician")
    assert (state.phase, state.status) == ("settle", "stepped_back")


def test_a_warning_sign_in_the_journal_stops_the_programme_and_names_it() -> None:
    entries = [session_entry(n, 1, 1, 1) for n in (9, 8, 7)]
    entries.append(Entry(day(2), 3, symptoms=frozenset({"bladder_sensation_reduced"})))
    state = journal_programme(entries, KB.programme, level=level(entries))
    assert state.status == "stopped"
    assert "bladder" in state.why
    assert state.stopped_by == (SYMPTOMS["bladder_sensation_reduced"][2],)
