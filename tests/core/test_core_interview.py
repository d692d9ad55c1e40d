"""The adaptive interview: red flags first (never skipped), then only questions that can still
change the answer, stopping when none can."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from backcheck.core import Case, assess, next_questions, parse_case
from backcheck.core.conditions import Tri, leaves
from backcheck.core.interview import Question
from backcheck.core.knowledge.schema import LEVEL_RANK
from tests.core.core_kit import BASELINE, KB, identified

Policy = Callable[[Question, random.Random], Any]
MAX_STEPS = 70


def _case(findings: dict[str, Any]) -> Case:
    return parse_case({"findings": findings}, KB)


def _thresholds() -> dict[str, set[float]]:
    conditions = [r.when for r in KB.rules]
    conditions += [e.when for c in KB.causes for e in c.evidence]
    conditions += [c for p in KB.plan_items for c in (p.when, p.avoid_when) if c is not None]
    found: dict[str, set[float]] = {}
    for condition in conditions:
        for leaf in leaves(condition):
            if isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool):
                found.setdefault(leaf.finding, set()).add(float(leaf.value))
    return found


THRESHOLDS = _thresholds()


def possible_answers(fid: str) -> list[Any]:
    """Every answer that could matter: all choices, or numbers around each threshold."""
    definition = KB.findings[fid]
    if definition.type == "bool":
        return [True, False]
    if definition.type == "enum":
        return list(definition.values or [])
    assert definition.min is not None and definition.max is not None
    points = {definition.min, definition.max}
    for t in THRESHOLDS.get(fid, set()):
        points |= {t - 1, t, t + 1}
    values = sorted(p for p in points if definition.min <= p <= definition.max)
    return [int(p) for p in values] if definition.type == "int" else values


def negative_policy(q: Question, rng: random.Random) -> Any:
    if q.type == "bool":
        return False
    if q.type == "enum":
        positive = set(KB.findings[q.id].positive or [])
        return next(c for c in q.choices if c not in positive)
    return q.minimum


def positive_policy(q: Question, rng: random.Random) -> Any:
    if q.red_flag:
        return negative_policy(q, rng)  # a lifter with no red flags but every other sign
    if q.type == "bool":
        return True
    if q.type == "enum":
        return q.choices[-1]
    return q.maximum


def random_policy(q: Question, rng: random.Random) -> Any:
    if q.red_flag and rng.random() < 0.9:
        return negative_policy(q, rng)
    if q.type == "bool":
        return rng.random() < 0.5
    if q.type == "enum":
        return rng.choice(q.choices)
    return rng.choice(possible_answers(q.id))


def interview(
    policy: Policy, seed: int = 0, volunteered: dict[str, Any] | None = None
) -> tuple[dict[str, Any], list[list[Question]]]:
    """Answer the first question each time until the interview stops; return the answers."""
    rng = random.Random(seed)
    findings: dict[str, Any] = dict(volunteered or {})
    asked: list[list[Question]] = []
    for _ in range(MAX_STEPS):
        questions = next_questions(_case(findings), KB)
        asked.append(questions)
        if not questions:
            return findings, asked
        for q in questions:
            assert q.id not in findings, f"{q.id} was already answered"
        q = questions[0]
        findings[q.id] = policy(q, rng)
    raise AssertionError(f"the interview did not stop within {MAX_STEPS} answers: {findings}")


# ------------------------------------------------------------------- red flags first
def test_empty_case_lists_every_red_flag_first_in_order() -> None:
    questions = next_questions(_case({}), KB)
    red = [q.id for q in questions if q.red_flag]
    assert [q.id for q in questions[: len(KB.red_flags)]] == list(KB.red_flags)
    assert red == list(KB.red_flags)


def test_remaining_red_flags_come_first_in_knowledge_order() -> None:
    answered = {fid: BASELINE[fid] for fid in KB.red_flags[::2]}
    answered["lift"] = "deadlift"
    questions = next_questions(_case(answered), KB)
    expected = [fid for fid in KB.red_flags if fid not in answered]
    assert [q.id for q in questions[: len(expected)]] == expected
    assert not any(q.red_flag for q in questions[len(expected) :])


def test_red_flags_never_skipped_even_when_emergency() -> None:
    questions = next_questions(_case({"saddle_numbness": True}), KB)
    assert [q.id for q in questions if q.red_flag] == [
        fid for fid in KB.red_flags if fid != "saddle_numbness"
    ]


def test_limit_applies_to_the_rest_not_the_red_flags() -> None:
    questions = next_questions(_case({}), KB, limit=0)
    assert [q.id for q in questions] == list(KB.red_flags)


def test_question_json_shape() -> None:
    data = assess(_case({}), KB).to_dict()["next_questions"]
    assert data[0]["id"] == KB.red_flags[0]
    for question in data:
        assert question["text"].strip()
        assert question["id"] in KB.findings


# ------------------------------------------------------------------- after the red flags
def test_after_red_flags_questions_are_unanswered_and_not_red_flags() -> None:
    questions = next_questions(_case(dict(BASELINE)), KB)
    assert questions, "a bare complete screen still has useful questions"
    for q in questions:
        assert not q.red_flag
        assert q.id not in BASELINE


def _undecided_rule_findings(findings: dict[str, Any]) -> set[str]:
    """Findings of rules above the current level that the answers so far leave open."""
    case = _case(findings)
    level = LEVEL_RANK[assess(case, KB).triage.level]
    open_findings: set[str] = set()
    for rule in KB.rules:
        if LEVEL_RANK[rule.level] > level and rule.when.status(findings, False) is Tri.UNKNOWN:
            open_findings |= set(rule.when.findings_in())
    return open_findings


def test_questions_after_red_flags_can_change_something() -> None:
    findings = dict(BASELINE)
    base = assess(_case(findings), KB)
    undecided = _undecided_rule_findings(findings)
    for q in next_questions(_case(findings), KB, limit=10):
        if q.id in undecided:
            continue  # decides a higher rule together with other open answers
        changes = False
        for value in possible_answers(q.id):
            after = assess(_case({**findings, q.id: value}), KB)
            moved = {c.id: c.likelihood for c in after.causes}
            if (
                after.triage.level != base.triage.level
                or identified(after) != identified(base)
                or any(abs(moved[c.id] - c.likelihood) > 1e-9 for c in base.causes)
            ):
                changes = True
                break
        assert changes, f"{q.id} cannot change anything"


@pytest.mark.parametrize(
    ("policy", "seed"),
    [(negative_policy, 0), (positive_policy, 0)] + [(random_policy, s) for s in range(8)],
    ids=["negative", "positive"] + [f"random{s}" for s in range(8)],
)
def test_interview_stops_and_red_flags_come_first(policy: Policy, seed: int) -> None:
    findings, asked = interview(policy, seed)
    answered_order = list(findings)
    assert answered_order[: len(KB.red_flags)] == list(KB.red_flags)
    assert asked[-1] == []
    assert set(KB.red_flags) <= set(findings)


@pytest.mark.parametrize(
    ("policy", "seed"),
    [(negative_policy, 0), (positive_policy, 0), (random_policy, 1), (random_policy, 2)],
    ids=["negative", "positive", "random1", "random2"],
)
def test_when_the_interview_stops_no_single_answer_changes_the_result(
    policy: Policy, seed: int
) -> None:
    findings, _ = interview(policy, seed)
    final = assess(_case(findings), KB)
    for fid in KB.findings:
        if KB.findings[fid].derived:
            continue
        if fid in findings:
            continue
        for value in possible_answers(fid):
            after = assess(_case({**findings, fid: value}), KB)
            # Safe by design: unanswered questions that could only LOWER the level are
            # not asked; none may raise it.
            assert LEVEL_RANK[after.triage.level] <= LEVEL_RANK[final.triage.level], (fid, value)
            if LEVEL_RANK[final.triage.level] < LEVEL_RANK["urgent"]:
                # Urgent and emergency give care advice only: causes no longer change it.
                assert identified(after) == identified(final), (fid, value)


def test_an_answered_question_is_never_asked_again_after_a_contradiction() -> None:
    """pain_score 0 with a worsening trend is set aside for triage, but it was answered."""
    findings = {**BASELINE, "pain_score": 0, "pain_trend": "worsening"}
    asked = [q.id for q in next_questions(_case(findings), KB, limit=50)]
    assert "pain_score" not in asked
    assert "pain_trend" not in asked
    listed = [q["id"] for q in assess(_case(findings), KB).to_dict()["next_questions"]]
    assert "pain_score" not in listed


def test_no_follow_up_questions_once_care_only() -> None:
    findings: dict[str, Any] = {fid: False for fid in KB.red_flags}
    findings = {fid: False for fid in KB.red_flags}
    findings["leg_weakness"] = "progressive"
    questions = next_questions(_case(findings), KB, limit=5)
    assert questions == []
    del findings["chest_pain"]
    assert [q.id for q in next_questions(_case(findings), KB, limit=5)] == ["chest_pain"]
