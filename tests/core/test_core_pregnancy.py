"""Pregnancy or a recent birth: bracing while breathing out, never the breath-hold brace, and
no maximal lifting; the question asked once, on the pain-now screen; and questions asked only
after a given answer ("did self-care help?" only after "yes, I tried it")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcheck.core import Case, next_questions
from backcheck.core.interview import next_screen
from backcheck.core.knowledge.loader import KnowledgeError, load_knowledge_from
from backcheck.core.knowledge.schema import FindingDef
from tests.core.core_kit import KB, plan_ids, run

PREGNANT = "pregnant_or_recent_birth"
# what the lifter answers at once for a simple self-care strain
STRAIN = {"lift": "deadlift", "pain_score": 3, "days_since_onset": 3, "pain_trend": "improving"}
KNOWLEDGE = Path(__file__).resolve().parents[2] / "src" / "backcheck" / "core" / "knowledge"


def _breath_hold_steps(assessment: Any) -> list[str]:
    """Chosen plan steps that tell the lifter to hold their breath."""
    return [
        step.id
        for step in assessment.plan
        if any("hold the breath" in text.lower() for text in step.steps)
    ]


def test_a_pregnant_lifter_braces_breathing_out_and_is_told_why_not_the_breath_hold() -> None:
    a = run({**STRAIN, PREGNANT: True})
    assert a.triage.level == "self_care"
    ids = plan_ids(a)
    assert "bracing_breath_out" in ids and "bracing_360" not in ids
    assert "heavy_lifting_pregnancy" in ids
    held = {item.id: item.note for item in a.avoided}
    assert "pregnant" in held["bracing_360"] and "breathing out" in held["bracing_360"]
    assert _breath_hold_steps(a) == []
    step = next(s for s in a.plan if s.id == "bracing_breath_out")
    assert step.kind == "exercise" and step.stop_if and step.regression and step.progression
    assert any("midwife" in rule for rule in step.stop_if)
    assert step.illustrations == ("bracing_breath",)


def test_not_pregnant_keeps_the_360_brace_and_no_pregnancy_items() -> None:
    for answer in (False, None):
        findings: dict[str, Any] = dict(STRAIN)
        if answer is not None:
            findings[PREGNANT] = answer
        ids = plan_ids(run(findings))
        assert "bracing_360" in ids
        assert "bracing_breath_out" not in ids and "heavy_lifting_pregnancy" not in ids


def test_pregnancy_items_cite_acog_and_are_marked_for_review() -> None:
    items = {p.id: p for p in KB.plan_items}
    for item_id in ("bracing_breath_out", "heavy_lifting_pregnancy"):
        assert "acog.co804.2020" in items[item_id].source
        assert items[item_id].review
    assert "ACOG Committee Opinion No. 804" in KB.sources["acog.co804.2020"].citation
    assert KB.findings[PREGNANT].review


def test_heavy_lifting_note_rules_out_maximal_attempts() -> None:
    a = run({**STRAIN, PREGNANT: True})
    note = next(s for s in a.plan if s.id == "heavy_lifting_pregnancy")
    text = " ".join(note.steps).lower()
    assert "no maximal attempts" in text and "midwife" in text
    assert a.programme is not None  # the programme is still offered, with the note beside it


def test_care_only_results_get_no_pregnancy_exercise() -> None:
    a = run({**STRAIN, PREGNANT: True, "saddle_numbness": True})
    assert a.triage.level == "emergency"
    assert "bracing_breath_out" not in plan_ids(a) and "heavy_lifting_pregnancy" not in plan_ids(a)


def _answer(definition: FindingDef) -> st.SearchStrategy[Any]:
    if definition.type == "bool":
        return st.booleans()
    if definition.type == "enum":
        return st.sampled_from(definition.values or [])
    assert definition.min is not None and definition.max is not None
    if definition.type == "int":
        return st.integers(int(definition.min), int(definition.max))
    return st.floats(definition.min, definition.max, allow_nan=False)


ANSWERABLE = [f for f in KB.findings.values() if not f.derived and f.id != PREGNANT]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {}, optional={f.id: _answer(f) for f in ANSWERABLE}  # any other answers at all
    ),
    st.booleans(),
)
def test_property_a_pregnant_case_never_gets_the_breath_hold_brace(
    answers: dict[str, Any], baseline: bool
) -> None:
    a = run({**answers, PREGNANT: True}, baseline=baseline)
    assert "bracing_360" not in plan_ids(a)
    assert _breath_hold_steps(a) == []


# ---------------------------------------------------------------- the question, asked once
def _walk(answer: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Drive the interview: ``answer`` where given, "no" on safety screens, else don't know."""
    case = Case({})
    skipped: set[str] = set()
    screens: list[tuple[str, list[str]]] = []
    while (screen := next_screen(case, skipped, KB)) is not None:
        ids = [q.id for q in screen.questions]
        screens.append((screen.id, ids))
        for question in screen.questions:
            if question.id in answer:
                case = case.with_answer(question.id, answer[question.id])
            elif question.none_value is not None:
                case = case.with_answer(question.id, question.none_value)
            else:
                skipped.add(question.id)
        assert len(screens) < 40
    return screens


def test_the_pregnancy_question_is_asked_once_on_the_pain_now_screen() -> None:
    for answer in ({}, {PREGNANT: True}, {PREGNANT: False}):
        screens = _walk({**answer, "lift": "deadlift"})
        asked = [sid for sid, ids in screens if PREGNANT in ids]
        assert asked == ["the_pain_now"], (answer, asked)
    question = next(q for q in next_screen(Case({"lift": "squat"}), {"phase", "onset"}, KB)
                    .questions if q.id == PREGNANT)  # type: ignore[union-attr]
    assert [label for _, label in question.options] == ["Yes", "No"]
    assert "pregnant" in question.text and "_" not in question.text


def test_the_pregnancy_question_is_not_asked_of_someone_who_said_male() -> None:
    screen = next_screen(Case({"lift": "squat", "sex": "male"}), {"phase", "onset"}, KB)
    assert screen is not None and screen.id == "the_pain_now"
    assert PREGNANT not in [q.id for q in screen.questions]
    screen = next_screen(Case({"lift": "squat", "sex": "female"}), {"phase", "onset"}, KB)
    assert screen is not None and PREGNANT in [q.id for q in screen.questions]


# ---------------------------------------------------------------- asked only after an answer
TRIED, RELIEVED = "tried_conservative_care", "relieved_by_conservative_care"


def test_did_self_care_help_is_asked_only_after_yes_i_tried_it() -> None:
    for tried, asked in ((False, False), (None, False), (True, True)):
        answers: dict[str, Any] = {"lift": "squat", PREGNANT: False}
        if tried is not None:
            answers[TRIED] = tried
        screens = _walk(answers)
        shown_after = [ids for _sid, ids in screens if RELIEVED in ids]
        if asked:
            # shown on the pain-now screen (after the question it depends on), and only there
            assert len(shown_after) == 1 and shown_after[0].index(RELIEVED) > shown_after[0].index(
                TRIED
            )
        else:
            # the pain-now screen lists it (a page shows it only once "yes" is picked), but no
            # later screen asks it again once "no" or "don't know" settled it
            later = [ids for sid, ids in screens if RELIEVED in ids and sid != "the_pain_now"]
            assert later == [], (tried, later)


def test_a_settled_conditional_question_is_left_off_the_screen_and_the_follow_ups() -> None:
    seen = {"phase", "onset", "days_since_onset", "pain_score", "pain_trend",
            "daily_activities_stopped", "not_coping", PREGNANT}
    screen = next_screen(Case({"lift": "squat", TRIED: False}), seen, KB)
    assert screen is not None and screen.kind == "safety"
    screen = next_screen(Case({"lift": "squat", TRIED: True}), seen, KB)
    assert screen is not None and [q.id for q in screen.questions] == [RELIEVED]
    suggested = [q.id for q in next_questions(Case({TRIED: False}), KB, limit=60)]
    assert RELIEVED not in suggested
    question = next(q for q in next_screen(Case({"lift": "squat"}), {"phase", "onset"}, KB)
                    .questions if q.id == RELIEVED)  # type: ignore[union-attr]
    assert question.shown_if == (TRIED, True)
    assert question.to_dict()["ask_when"] == {"finding": TRIED, "is": True}


def test_left_out_needs_the_question_it_reads_settled() -> None:
    relieved = KB.findings[RELIEVED]
    assert not relieved.left_out({}, set())  # not yet answered: still to be shown
    assert relieved.left_out({}, {TRIED})  # "don't know": left out
    assert relieved.left_out({TRIED: False}, {TRIED})
    assert not relieved.left_out({TRIED: True}, {TRIED})


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    for source in KNOWLEDGE.glob("*.yaml"):
        (folder / source.name).write_text(source.read_text())
    return folder


def _edit_finding(folder: Path, finding_id: str, key: str, value: Any) -> None:
    path = folder / "findings.yaml"
    items = yaml.safe_load(path.read_text())
    next(item for item in items if item["id"] == finding_id)[key] = value
    path.write_text(yaml.safe_dump(items, sort_keys=False))


def test_loader_refuses_ask_when_on_a_red_flag(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_finding(folder, "saddle_numbness", "ask_when", {"finding": "age", "gte": 50})
    with pytest.raises(KnowledgeError, match="always asked"):
        load_knowledge_from(folder)


def test_loader_refuses_ask_when_reading_a_question_asked_later(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_finding(folder, "tried_conservative_care", "ask_when", {"finding": RELIEVED, "is": True})
    _edit_finding(folder, RELIEVED, "ask_when", None)
    with pytest.raises(KnowledgeError, match="put relieved_by_conservative_care first"):
        load_knowledge_from(folder)


def test_loader_refuses_ask_when_on_an_unknown_finding(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_finding(folder, RELIEVED, "ask_when", {"finding": "no_such_question", "is": True})
    with pytest.raises(KnowledgeError, match="unknown finding"):
        load_knowledge_from(folder)
