"""Hypothesis property tests of the spec's safety invariants, over random valid cases."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from backcheck.core import assess, parse_case
from backcheck.core.case import VIDEO_FINDINGS
from backcheck.core.knowledge.schema import LEVEL_RANK
from tests.core.core_kit import BASELINE, KB, negative_value

SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TRAINING_SECTIONS = {"relief", "train_around", "fix"}


def value_strategy(finding_id: str) -> st.SearchStrategy[Any]:
    """Any valid answer to one finding."""
    definition = KB.findings[finding_id]
    if definition.type == "bool":
        return st.booleans()
    if definition.type == "enum":
        return st.sampled_from(definition.values or [])
    assert definition.min is not None and definition.max is not None
    low, high = int(definition.min), int(definition.max)
    if definition.type == "int":
        return st.integers(low, high)
    return st.one_of(
        st.integers(low, high),
        st.floats(definition.min, definition.max, allow_nan=False, allow_infinity=False),
    )


NON_RED = [
    fid for fid in KB.findings if fid not in KB.red_flags and not KB.findings[fid].derived
]


@st.composite
def findings_strategy(draw: st.DrawFn) -> dict[str, Any]:
    """A random subset of findings with random valid values.

    The red-flag screen is complete, missing exactly one question, or random, so complete
    and nearly complete screens (where the invariants bite) are common.
    """
    mode = draw(st.sampled_from(["complete", "one_missing", "random", "negative"]))
    findings: dict[str, Any] = {}
    skip = draw(st.sampled_from(KB.red_flags)) if mode == "one_missing" else None
    for fid in KB.red_flags:
        if fid == skip:
            continue
        if mode == "random" and draw(st.booleans()):
            continue
        negative_bias = mode in ("negative", "one_missing") and draw(
            st.integers(0, 9)
        ) > 0
        findings[fid] = negative_value(fid) if negative_bias else draw(value_strategy(fid))
    for fid in NON_RED:
        if draw(st.integers(0, 2)) == 0:
            findings[fid] = draw(value_strategy(fid))
    return findings


@st.composite
def case_strategy(draw: st.DrawFn) -> dict[str, Any]:
    """A case document, sometimes with a video analysis weighted by confidence."""
    doc: dict[str, Any] = {"findings": draw(findings_strategy())}
    if draw(st.booleans()):
        video: dict[str, Any] = {}
        confidence: dict[str, float] = {}
        for fid in VIDEO_FINDINGS:
            choice = draw(st.sampled_from([None, True, False, "absent"]))
            if choice == "absent":
                continue
            video[fid] = choice
            if draw(st.booleans()):
                confidence[fid] = draw(st.floats(0, 1, allow_nan=False))
        doc["video_analysis"] = {"findings": video, "finding_confidence": confidence}
    return doc


def escalations(fid: str, current: Any) -> list[Any]:
    """Positive answers to a red flag at least as severe as the current one."""
    definition = KB.findings[fid]
    if definition.type == "bool":
        return [True]
    positive = list(definition.positive or [])
    if current in positive:
        return positive[positive.index(current) :]
    return positive


@st.composite
def escalation_strategy(draw: st.DrawFn) -> tuple[dict[str, Any], str, Any]:
    findings = draw(findings_strategy())
    fid = draw(st.sampled_from(KB.red_flags))
    value = draw(st.sampled_from(escalations(fid, findings.get(fid))))
    return findings, fid, value


def level_of(findings: dict[str, Any]) -> str:
    return assess(parse_case({"findings": findings}, KB), KB).triage.level


# (a) ----------------------------------------------------------------------------------
@SETTINGS
@given(findings_strategy())
def test_unanswered_red_flag_never_self_care(findings: dict[str, Any]) -> None:
    result = assess(parse_case({"findings": findings}, KB), KB)
    unanswered = tuple(fid for fid in KB.red_flags if fid not in findings)
    assert result.triage.missing == unanswered
    assert result.triage.complete is (not unanswered)
    if unanswered:
        assert result.triage.level != "self_care"
        assert result.to_dict()["triage"]["missing"] == list(unanswered)


# (b) ----------------------------------------------------------------------------------
# Explicit examples: the only unanswered red flag is answered "yes" on an otherwise clean
# screen. Answering a red flag positively must not make the result less cautious than
# leaving it unanswered.
_ONLY_IV_MISSING = {k: v for k, v in BASELINE.items() if k != "iv_drug_use"}
_ONLY_IMMUNO_MISSING = {k: v for k, v in BASELINE.items() if k != "immunosuppressed"}


@SETTINGS
@given(escalation_strategy())
@example((_ONLY_IV_MISSING, "iv_drug_use", True))
@example((_ONLY_IMMUNO_MISSING, "immunosuppressed", True))
def test_adding_a_red_flag_never_lowers_the_level(case: tuple[dict[str, Any], str, Any]) -> None:
    findings, fid, value = case
    before = level_of(findings)
    after = level_of({**findings, fid: value})
    assert LEVEL_RANK[after] >= LEVEL_RANK[before], (fid, value, before, after)


@SETTINGS
@given(findings_strategy(), st.sampled_from(KB.red_flags))
def test_positive_red_flag_never_lowers_level_from_negative(
    findings: dict[str, Any], fid: str
) -> None:
    """From a "no" answer to a "yes" answer (the answered-to-answered direction)."""
    before = level_of({**findings, fid: negative_value(fid)})
    for value in escalations(fid, None):
        after = level_of({**findings, fid: value})
        assert LEVEL_RANK[after] >= LEVEL_RANK[before], (fid, value, before, after)


# (c) ----------------------------------------------------------------------------------
@SETTINGS
@given(case_strategy())
def test_emergency_and_urgent_give_care_only(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc, KB), KB)
    level = result.triage.level
    sections = {step.section for step in result.plan}
    data = result.to_dict()
    if level == "emergency":
        first = result.triage.reasons[0]
        assert first.level == "emergency"
        assert KB.rule(first.rule).level == "emergency"
        assert first.message == KB.rule(first.rule).message
        assert data["triage"]["reasons"][0]["message"] == KB.rule(first.rule).message
        assert result.emergency_message == KB.rule(first.rule).message
        assert [s.id for s in result.plan if s.section == "care"] == ["emergency_care"]
        assert result.plan[0].id == "emergency_care"
        assert not sections & TRAINING_SECTIONS
    elif level == "urgent":
        assert result.triage.reasons[0].level == "urgent"
        assert [s.id for s in result.plan if s.section == "care"] == ["urgent_care"]
        assert not sections & TRAINING_SECTIONS
    else:
        assert result.emergency_message is None
        assert "emergency_care" not in {s.id for s in result.plan}
        assert "urgent_care" not in {s.id for s in result.plan}


# (d) + (e) ----------------------------------------------------------------------------
@SETTINGS
@given(case_strategy())
def test_assess_never_raises_and_causes_are_sound(doc: dict[str, Any]) -> None:
    result = assess(parse_case(doc, KB), KB)
    data = result.to_dict()
    likelihoods = [c.likelihood for c in result.causes]
    assert likelihoods == sorted(likelihoods, reverse=True)
    assert {c.id for c in result.causes} == {c.id for c in KB.causes}
    for cause in result.causes:
        assert 0.0 <= cause.likelihood <= 1.0
        if cause.identified:
            assert cause.evidence_for, cause.id
            assert cause.likelihood >= KB.settings.identified_threshold
        for ev in cause.evidence_for:
            assert ev.likelihood_ratio > 1
        for ev in cause.evidence_against:
            assert ev.likelihood_ratio < 1
    for cause in data["causes"]:
        assert 0.0 <= cause["likelihood"] <= 1.0
    assert data["triage"]["level"] in LEVEL_RANK
    assert data["disclaimer"]


@SETTINGS
@given(case_strategy())
@example({"findings": {**BASELINE, "pain_score": 0, "pain_trend": "worsening"}})
def test_next_questions_are_never_already_answered(doc: dict[str, Any]) -> None:
    case = parse_case(doc, KB)
    data = assess(case, KB).to_dict()
    for question in data["next_questions"]:
        assert question["id"] not in case.findings, question["id"]
