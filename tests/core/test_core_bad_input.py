"""parse_case rejects bad input with a CaseError naming the field; contradictions are
resolved toward safety and reported."""

from __future__ import annotations

from typing import Any

import pytest

from backcheck.core import CaseError, parse_case
from tests.core.core_kit import BASELINE, KB, rule_ids, run

BAD_CASES: list[tuple[str, Any, str]] = [
    ("unknown finding id", {"findings": {"pain_level": 3}}, "pain_level"),
    ("wrong type: pain_score as text", {"findings": {"pain_score": "high"}}, "pain_score"),
    ("wrong type: age as a boolean", {"findings": {"age": True}}, "age"),
    ("wrong type: bool as string", {"findings": {"foot_drop": "yes"}}, "foot_drop"),
    ("wrong type: bool as 1", {"findings": {"saddle_numbness": 1}}, "saddle_numbness"),
    ("wrong type: enum as number", {"findings": {"leg_weakness": 2}}, "leg_weakness"),
    ("out of range: pain 14/10", {"findings": {"pain_score": 14}}, "pain_score"),
    ("out of range: pain -1", {"findings": {"pain_score": -1}}, "pain_score"),
    ("out of range: negative days", {"findings": {"days_since_onset": -1}}, "days_since_onset"),
    ("out of range: sitting 25 h", {"findings": {"sitting_hours_per_day": 25}},
     "sitting_hours_per_day"),
    ("not a whole number", {"findings": {"age": 30.5}}, "age"),
    ("not finite", {"findings": {"plank_hold_s": float("nan")}}, "plank_hold_s"),
    ("not finite: infinity", {"findings": {"plank_hold_s": float("inf")}}, "plank_hold_s"),
    ("enum value not allowed", {"findings": {"leg_weakness": "a bit"}}, "leg_weakness"),
    ("enum value not allowed: lift", {"findings": {"lift": "clean_and_jerk"}}, "lift"),
    ("enum is case-sensitive", {"findings": {"pain_trend": "Improving"}}, "pain_trend"),
    ("case is a list", [{"findings": {}}], "case"),
    ("case is a string", "saddle_numbness", "case"),
    ("case is null", None, "case"),
    ("unknown top-level key", {"findings": {}, "answers": {}}, "answers"),
    ("findings is a list", {"findings": ["pain_score"]}, "findings"),
    ("video_analysis is a list", {"findings": {}, "video_analysis": []}, "video_analysis"),
    (
        "video findings not an object",
        {"findings": {}, "video_analysis": {"findings": ["back_rounds_at_bottom"]}},
        "video_analysis.findings",
    ),
    (
        "video sets a finding it may not set",
        {"findings": {}, "video_analysis": {"findings": {"saddle_numbness": False}}},
        "saddle_numbness",
    ),
    (
        "video finding not a boolean",
        {"findings": {}, "video_analysis": {"findings": {"back_rounds_at_bottom": "yes"}}},
        "back_rounds_at_bottom",
    ),
    (
        "video confidence above 1",
        {
            "findings": {},
            "video_analysis": {
                "findings": {"back_rounds_at_bottom": True},
                "finding_confidence": {"back_rounds_at_bottom": 1.5},
            },
        },
        "finding_confidence",
    ),
    (
        "video confidence not a number",
        {
            "findings": {},
            "video_analysis": {
                "findings": {"back_rounds_at_bottom": True},
                "finding_confidence": {"back_rounds_at_bottom": "high"},
            },
        },
        "finding_confidence",
    ),
]


@pytest.mark.parametrize(("label", "raw", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_raises_case_error_naming_the_field(label: str, raw: Any, field: str) -> None:
    with pytest.raises(CaseError) as info:
        parse_case(raw, KB)
    assert field in str(info.value), label
    assert field in info.value.field or info.value.field in field, label
    assert "\n" not in str(info.value), "one-line error"


@pytest.mark.parametrize(
    ("fid", "value"),
    [("pain_score", 14), ("age", True), ("leg_weakness", "a bit"), ("days_since_onset", -1)],
)
def test_error_says_what_is_allowed(fid: str, value: Any) -> None:
    with pytest.raises(CaseError) as info:
        parse_case({"findings": {fid: value}}, KB)
    assert KB.findings[fid].allowed() in str(info.value)


def test_null_means_unanswered() -> None:
    case = parse_case({"findings": {"pain_score": None, "saddle_numbness": None}}, KB)
    assert case.findings == {}


def test_empty_case_is_valid_and_incomplete() -> None:
    result = run({}, baseline=False)
    assert result.triage.complete is False
    assert result.triage.level == "see_clinician"


def test_boundaries_are_accepted() -> None:
    case = parse_case(
        {"findings": {"pain_score": 10, "days_since_onset": 0, "age": 10, "plank_hold_s": 0.5}},
        KB,
    )
    assert case.findings["pain_score"] == 10
    assert case.findings["days_since_onset"] == 0
    assert case.findings["age"] == 10
    assert case.findings["plank_hold_s"] == 0.5


# ---------------------------------------------------------------------- contradictions
def adjustments(result: Any) -> dict[str, dict[str, Any]]:
    return {a["rule"]: a for a in result.to_dict()["adjustments"]}


def test_no_weakness_but_foot_drop_is_urgent_and_reported() -> None:
    result = run({"leg_weakness": "none", "foot_drop": True})
    assert result.triage.level == "urgent"
    assert "foot_drop" in rule_ids(result)
    assert "new_leg_weakness" in rule_ids(result)
    reported = adjustments(result)
    assert "foot_drop_means_new_weakness" in reported
    assert reported["foot_drop_means_new_weakness"]["changed"] == {"leg_weakness": "new_stable"}
    assert reported["foot_drop_means_new_weakness"]["message"]


def test_longstanding_weakness_but_foot_drop_is_treated_as_new() -> None:
    result = run({"leg_weakness": "longstanding", "foot_drop": True, "history_of_cancer": True})
    assert result.triage.level == "emergency"
    assert "cancer_with_neurological_signs" in rule_ids(result)
    assert "foot_drop_means_new_weakness" in adjustments(result)


def test_not_tried_but_not_relieved_means_tried_and_failed() -> None:
    result = run({"tried_conservative_care": False, "relieved_by_conservative_care": False})
    assert result.triage.level == "see_clinician"
    assert "not_relieved_by_self_care" in rule_ids(result)
    assert "self_care_outcome_means_tried" in adjustments(result)


def test_not_tried_but_relieved_is_reported_without_escalation() -> None:
    result = run({"tried_conservative_care": False, "relieved_by_conservative_care": True})
    assert result.triage.level == "self_care"
    assert "self_care_outcome_means_tried" in adjustments(result)


def test_zero_pain_but_worsening_keeps_pain_present() -> None:
    result = run({"pain_score": 0, "pain_trend": "worsening", "days_since_onset": 5})
    assert result.triage.level == "see_clinician"
    assert "persistent_not_improving" in rule_ids(result)
    reported = adjustments(result)
    assert "zero_pain_but_worsening" in reported
    assert reported["zero_pain_but_worsening"]["changed"] == {"pain_score": None}


def test_months_of_pain_but_few_days_is_taken_as_long_standing() -> None:
    result = run({"pain_months": 4, "days_since_onset": 2, "pain_trend": "improving"})
    assert result.triage.level == "see_clinician"
    assert "persistent_two_weeks" in rule_ids(result)
    assert "long_standing_pain_days" in adjustments(result)


def test_consistent_answers_report_no_adjustment() -> None:
    result = run({"leg_weakness": "none", "foot_drop": False, "pain_score": 3,
                  "pain_trend": "worsening", "tried_conservative_care": True,
                  "relieved_by_conservative_care": True})
    assert result.to_dict()["adjustments"] == []


def test_adjustment_does_not_change_the_lifters_answers() -> None:
    findings = {**BASELINE, "leg_weakness": "none", "foot_drop": True}
    case = parse_case({"findings": findings}, KB)
    run(findings, baseline=False)
    assert case.findings["leg_weakness"] == "none"


def test_video_disagreeing_with_the_lifter_is_noted_and_lifter_wins() -> None:
    result = run(
        {"back_rounds_at_bottom": False},
        video_analysis={"findings": {"back_rounds_at_bottom": True}},
    )
    assert result.to_dict()["notes"]
    assert "back_rounds_at_bottom" in result.to_dict()["notes"][0]
