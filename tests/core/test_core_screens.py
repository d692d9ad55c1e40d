"""The grouped-screen interview: context first, every red flag on a safety screen answered
explicitly, then only follow-ups that can still change the result, each screen one step."""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from backcheck.core import Case, assess, parse_case
from backcheck.core.conditions import FindingValue
from backcheck.core.interview import (
    FOLLOW_UPS_PER_SCREEN,
    InterviewStep,
    Question,
    Screen,
    interview_step,
    next_screen,
)
from backcheck.core.knowledge.schema import LEVEL_RANK
from tests.core.core_kit import BASELINE, KB, identified

CASES: list[dict[str, Any]] = yaml.safe_load(
    Path(__file__).with_name("cases.yaml").read_text(encoding="utf-8")
)
MAX_SCREENS = 60
Answer = Callable[[Question], Any]  # None means "don't know"


def walk(
    answer: Answer, volunteered: dict[str, Any] | None = None
) -> tuple[dict[str, Any], set[str], list[Screen]]:
    """Answer every screen until none is left; (answers, don't-knows, screens shown)."""
    findings: dict[str, Any] = dict(volunteered or {})
    skipped: set[str] = set()
    shown: list[Screen] = []
    for _ in range(MAX_SCREENS):
        screen = next_screen(parse_case({"findings": findings}, KB), skipped, KB)
        if screen is None:
            return findings, skipped, shown
        shown.append(screen)
        assert screen.questions, screen.id
        for question in screen.questions:
            assert question.id not in findings and question.id not in skipped, question.id
            value = answer(question)
            if value is None:
                skipped.add(question.id)
            else:
                findings[question.id] = value
    raise AssertionError(f"no end within {MAX_SCREENS} screens")


def dont_know(question: Question) -> Any:
    return None


def no_to_everything(question: Question) -> Any:
    if question.red_flag:
        return question.none_value
    if question.options:
        return question.options[-1][0]
    return question.minimum


# ------------------------------------------------------------------- order and grouping
def test_context_screens_come_first_then_the_safety_screens() -> None:
    _, _, shown = walk(dont_know)
    kinds = [s.kind for s in shown]
    fixed = [s.id for s in KB.screens]
    assert [s.id for s in shown[: len(fixed)]] == fixed
    assert kinds[: len(fixed)] == [s.kind for s in KB.screens]
    assert all(k == "follow_up" for k in kinds[len(fixed) :])
    assert [q.id for q in shown[0].questions] == ["lift", "phase", "onset"]


def test_every_red_flag_is_shown_once_never_skipped() -> None:
    """Answered "don't know" throughout: each red flag still appears, on its safety screen."""
    findings, _skipped, shown = walk(dont_know)
    asked = [q.id for s in shown for q in s.questions if q.red_flag]
    assert sorted(asked) == sorted(KB.red_flags)
    assert len(asked) == len(set(asked))
    for screen in shown:
        if screen.kind == "safety":
            assert all(q.red_flag and q.item for q in screen.questions), screen.id
            assert screen.none_of_these
    result = assess(Case(findings), KB)
    assert result.triage.level != "self_care" and not result.triage.complete


def test_none_of_these_answers_each_item_no() -> None:
    screen = next_screen(Case({"lift": "squat"}), {"phase", "onset"} | set(
        KB.screens[1].findings
    ), KB)
    assert screen is not None and screen.id == "safety_nerves"
    answers = screen.none_answers()
    assert set(answers) == {q.id for q in screen.questions}
    assert all(value is False for value in answers.values())
    pattern = next(s for s in KB.screens if s.id == "safety_pattern")
    assert "pain_changes_with_movement" in pattern.findings
    # "is it the same whatever you do?" - "no" is stored as "it changes" (true)
    assert KB.findings["pain_changes_with_movement"].safe_value is True


def test_a_partly_answered_screen_shows_only_the_open_items() -> None:
    findings: dict[str, FindingValue] = {"lift": "deadlift", "phase": "bottom", "onset": "sudden"}
    skipped = set(KB.screens[1].findings)
    findings["saddle_numbness"] = False
    screen = next_screen(Case(findings), skipped, KB)
    assert screen is not None and screen.id == "safety_nerves"
    assert "saddle_numbness" not in [q.id for q in screen.questions]


def test_follow_up_screens_share_a_topic_and_count_questions() -> None:
    _, _, shown = walk(no_to_everything)
    follow_ups = [s for s in shown if s.kind == "follow_up"]
    assert follow_ups, "a complete negative screen still has useful follow-ups"
    count = 0
    for screen in follow_ups:
        groups = {KB.findings[q.id].group for q in screen.questions}
        assert len(groups) == 1 and 1 <= len(screen.questions) <= FOLLOW_UPS_PER_SCREEN
        assert screen.follow_up_number == count + 1
        assert screen.follow_ups_of_about is not None
        assert screen.follow_up_number <= screen.follow_ups_of_about
        assert screen.counter.startswith(f"Question {count + 1} of about ")
        assert screen.number <= screen.of_about
        count += len(screen.questions)


def test_screen_json_shape() -> None:
    screen = next_screen(Case({}), (), KB)
    assert screen is not None
    data = screen.to_dict()
    assert {"id", "title", "questions", "kind", "none_of_these", "counter"} <= set(data)
    assert data["id"] == "the_lift" and data["questions"][0]["id"] == "lift"
    lift = data["questions"][0]
    assert {"value": "overhead_press", "label": "Overhead press"} in lift["options"]


# ------------------------------------------------------------------- emergency and care
def test_emergency_is_known_the_moment_it_is_certain() -> None:
    findings: dict[str, FindingValue] = {"saddle_numbness": True}
    step = interview_step(Case(findings), (), KB)
    assert step.alert and step.assessment.triage.level == "emergency"
    assert step.assessment.emergency_message is not None
    # what is left is only offered: the remaining safety screens, no context, no follow-ups
    assert step.screen is not None and step.screen.kind == "safety"
    kinds: list[str] = []
    skipped: set[str] = set()
    current: InterviewStep = step
    while current.screen is not None:
        kinds.append(current.screen.kind)
        skipped |= {q.id for q in current.screen.questions}
        current = interview_step(Case(findings), skipped, KB)
    assert set(kinds) == {"safety"}


def test_urgent_alert_and_no_follow_ups_after_it() -> None:
    findings = {**BASELINE, "leg_weakness": "progressive", "lift": "deadlift"}
    step = interview_step(Case(findings), (), KB)
    assert step.alert and step.assessment.triage.level == "urgent"
    assert step.done


def test_a_complete_answered_walk_ends_with_nothing_that_changes_the_result() -> None:
    """When no screen is left, no single unanswered question could change the outcome."""
    rng = random.Random(4)

    def random_answer(question: Question) -> Any:
        if question.red_flag:
            return question.none_value if rng.random() < 0.95 else question.options[0][0]
        if question.options:
            return rng.choice(question.options)[0]
        assert question.minimum is not None and question.maximum is not None
        return rng.choice([question.minimum, question.maximum, 0.5 * question.maximum])

    for _ in range(3):
        findings, skipped, _ = walk(random_answer)
        final = assess(Case(findings), KB)
        for fid, definition in KB.findings.items():
            if fid in findings or fid in skipped or definition.derived or definition.asked_as:
                continue
            values: list[Any] = (
                [True, False]
                if definition.type == "bool"
                else list(definition.values or [])
                if definition.type == "enum"
                else [definition.min, definition.max]
            )
            for value in values:
                after = assess(parse_case({"findings": {**findings, fid: value}}, KB), KB)
                assert LEVEL_RANK[after.triage.level] <= LEVEL_RANK[final.triage.level], fid
                if LEVEL_RANK[final.triage.level] < LEVEL_RANK["urgent"]:
                    assert identified(after) == identified(final), (fid, value)


# ------------------------------------------------------------------- length over the cases
def _lifter_walk(case: dict[str, Any]) -> tuple[int, str]:
    """A lifter who knows the case's answers (and says "don't know" to anything else).

    Returns the screens shown before the result (an emergency result shows at once) and
    the level the answers given lead to.
    """
    known = dict(case.get("findings") or {})
    if case.get("screen", "negative") == "negative":
        known = {**BASELINE, **known}
    known = parse_case({"findings": known}, KB).findings
    findings: dict[str, Any] = {}
    skipped: set[str] = set()
    screens = 0
    while True:
        step = interview_step(Case(dict(findings)), skipped, KB)
        if step.screen is None or step.assessment.triage.level == "emergency":
            break
        screens += 1
        for question in step.screen.questions:
            if question.id in known:
                findings[question.id] = known[question.id]
            else:
                skipped.add(question.id)
    doc: dict[str, Any] = {"findings": findings}
    if "video" in case:
        doc["video_analysis"] = case["video"]
    return screens, assess(parse_case(doc, KB), KB).triage.level


def screen_counts() -> dict[str, list[int]]:
    """Screens per case, by expected level (also printed by ``python test_core_screens.py``)."""
    counts: dict[str, list[int]] = {}
    for case in CASES:
        screens, _ = _lifter_walk(case)
        counts.setdefault(case["level"], []).append(screens)
    return counts


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_the_interview_reaches_each_case_level(case: dict[str, Any]) -> None:
    _, level = _lifter_walk(case)
    assert level == case["level"], case["id"]


def test_interview_length_goal() -> None:
    """Goal of issue 8: median at most 25 screens for self-care and see-clinician cases."""
    counts = screen_counts()
    for level in ("self_care", "see_clinician"):
        assert statistics.median(counts[level]) <= 25, (level, counts[level])
    assert max(counts["emergency"]) <= len(KB.screens)


if __name__ == "__main__":
    for level, numbers in screen_counts().items():
        print(f"{level:14s} n={len(numbers):2d} median {statistics.median(numbers):4.1f} "
              f"max {max(numbers)}")
