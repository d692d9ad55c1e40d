"""Causes claimed honestly: a mechanical cause needs an observed fault; a fact counts once;
every question asked is used; causes read as words, not percentages."""

from __future__ import annotations

from backcheck.core.conditions import leaves
from backcheck.core.interview import _index
from tests.core.core_kit import KB, cause, run


def test_lift_and_phase_alone_make_a_mechanical_cause_possible_not_identified() -> None:
    result = run(
        {"lift": "deadlift", "phase": "bottom", "onset": "sudden", "pain_on_bending_forward": True,
         "onset_with_lift": True}
    )
    flexion = cause(result, "lumbar_flexion")
    assert flexion.likelihood >= KB.settings.identified_threshold  # the numbers alone would
    assert not flexion.identified and flexion.certainty == "possible"


def test_an_observed_fault_identifies_the_mechanical_cause() -> None:
    result = run({"lift": "deadlift", "phase": "bottom", "back_rounds_at_bottom": True})
    flexion = cause(result, "lumbar_flexion")
    assert flexion.identified and flexion.certainty == "likely"


def test_a_video_observation_counts_as_observed() -> None:
    video = {"findings": {"back_rounds_at_bottom": True},
             "finding_confidence": {"back_rounds_at_bottom": 0.9}}
    result = run({"lift": "deadlift", "phase": "bottom"}, video_analysis=video)
    assert cause(result, "lumbar_flexion").identified


def test_root_causes_need_no_observation_of_a_fault() -> None:
    result = run({"toe_touch": "knees", "back_rounds_at_bottom": True})
    assert cause(result, "tight_hamstrings").identified


def test_pressing_overhead_is_counted_once() -> None:
    """The overhead phase is the overhead press itself: only the lift counts for arching."""
    result = run({"lift": "overhead_press", "phase": "overhead"})
    arching = cause(result, "lumbar_hyperextension")
    assert [e.findings for e in arching.evidence_for] == [("lift",)]


def test_every_question_that_can_be_asked_is_used() -> None:
    """A question is asked only if a rule or a cause reads it (sex by the fracture rule);
    muscle_spasm is read by nothing, so it is never asked."""
    askable = {q.id for q in _index(KB).askable}
    read = {leaf.finding for rule in KB.rules for leaf in leaves(rule.when)}
    read |= {leaf.finding for c in KB.causes for e in c.evidence for leaf in leaves(e.when)}
    read |= {f.asked_as for f in KB.findings.values() if f.asked_as}
    assert "sex" in read and "sex" in askable
    assert "muscle_spasm" not in askable
    on_screens = {f for s in KB.screens for f in s.findings}
    assert askable <= read | on_screens


def test_cause_explanations_use_words_not_percentages() -> None:
    result = run({"lift": "deadlift", "phase": "bottom", "back_rounds_at_bottom": True})
    for c in result.causes:
        assert "%" not in c.explanation, c.id
