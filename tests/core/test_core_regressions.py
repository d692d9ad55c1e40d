"""Regression tests for defects found in the knowledge base while writing the core tests.

Each test states what a careful reading of the spec and the guidance expects; both defects
are fixed (onset age is derived, the contradiction is reported) and must stay fixed.
"""

from __future__ import annotations

from tests.core.core_kit import rule_ids, run


def test_inflammatory_pattern_uses_age_at_onset_not_current_age() -> None:
    """NICE NG65 asks whether the back pain *started* before 45. A 50-year-old with ten years
    of pain (onset at 40), an hour of morning stiffness that eases with movement fits the
    pattern, but the rule reads the current age (`age lt 45`), so it does not fire."""
    result = run(
        {
            "age": 50,
            "pain_months": 120,
            "morning_stiffness_minutes": 60,
            "improves_with_movement": True,
        }
    )
    assert "inflammatory_pattern" in rule_ids(result)


def test_better_with_movement_but_unchanged_by_movement_is_reported() -> None:
    """"Better once moving, worse after staying still" contradicts "the pain is the same
    whatever you do". The engine keeps the safer reading (urgent) but reports nothing, while the
    spec asks for contradictions to be resolved toward safety *and reported*."""
    result = run({"improves_with_movement": True, "pain_changes_with_movement": False})
    assert result.triage.level == "urgent"
    assert result.to_dict()["adjustments"], "the contradiction is not reported"
