"""Cause inference, cause by cause: evidence moves a cause the right way, no evidence claims
nothing, video evidence counts by its confidence."""

from __future__ import annotations

from typing import Any

import pytest

from backcheck.core import parse_case
from backcheck.core.inference import infer_causes
from tests.core.core_kit import KB, cause, identified, plan_ids, run

# cause -> (evidence for it, evidence against it), each enough to identify / rule it out
# when combined as given.
PER_CAUSE: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "insufficient_bracing": (
        {"braces_before_lift": "never", "bracing_style": "no_breath_hold",
         "loses_brace_mid_rep": True},
        {"braces_before_lift": "always", "bracing_style": "belly_360",
         "loses_brace_mid_rep": False},
    ),
    "lumbar_flexion": (
        {"back_rounds_at_bottom": True, "phase": "bottom", "lift": "deadlift"},
        {"back_rounds_at_bottom": False, "phase": "lockout", "pain_on_bending_forward": False},
    ),
    "lumbar_hyperextension": (
        {"back_arches_at_lockout": True, "pain_on_back_extension": True, "phase": "lockout"},
        {"back_arches_at_lockout": False, "arches_when_pressing_overhead": False,
         "pain_on_back_extension": False},
    ),
    "weak_core": (
        {"core_feels_weak": True, "low_back_fatigues_first": True, "plank_hold_s": 30},
        {"core_feels_weak": False, "plank_hold_s": 150, "side_plank_hold_s": 90},
    ),
    "glute_weakness": (
        {"glutes_hard_to_activate": True, "feels_lifts_in_low_back": True,
         "sitting_hours_per_day": 9},
        {"glutes_hard_to_activate": False, "feels_lifts_in_low_back": False,
         "sitting_hours_per_day": 2},
    ),
    "tight_hip_flexors": (
        {"hip_flexor_tight": True, "anterior_pelvic_tilt": True},
        {"hip_flexor_tight": False, "anterior_pelvic_tilt": False},
    ),
    "tight_hamstrings": (
        {"toe_touch": "knees", "straight_leg_raise_deg": 50},
        {"toe_touch": "palms", "straight_leg_raise_deg": 95},
    ),
    "limited_hip_thoracic_mobility": (
        {"thoracic_mobility_limited": True, "overhead_mobility_limited": True,
         "arches_when_pressing_overhead": True},
        {"thoracic_mobility_limited": False, "overhead_mobility_limited": False},
    ),
}
PRIORS = {c.id: c.prior for c in KB.causes}


def test_every_cause_has_unit_tests() -> None:
    assert set(PER_CAUSE) == {c.id for c in KB.causes}


@pytest.mark.parametrize("cause_id", list(PER_CAUSE))
def test_no_evidence_means_prior_and_not_identified(cause_id: str) -> None:
    result = cause(run({}), cause_id)
    assert result.identified is False
    assert result.likelihood == pytest.approx(PRIORS[cause_id])
    assert result.evidence_for == () and result.evidence_against == ()


@pytest.mark.parametrize("cause_id", list(PER_CAUSE))
def test_supporting_evidence_identifies_the_cause(cause_id: str) -> None:
    supporting, _ = PER_CAUSE[cause_id]
    result = cause(run(supporting), cause_id)
    assert result.identified, (cause_id, result.likelihood)
    assert result.likelihood > PRIORS[cause_id]
    assert result.evidence_for
    used = {fid for ev in result.evidence_for for fid in ev.findings}
    assert used <= set(supporting)
    assert result.explanation.startswith("Likely")


@pytest.mark.parametrize("cause_id", list(PER_CAUSE))
def test_opposing_evidence_lowers_the_cause(cause_id: str) -> None:
    _, opposing = PER_CAUSE[cause_id]
    result = cause(run(opposing), cause_id)
    assert not result.identified
    assert result.likelihood < PRIORS[cause_id]
    assert result.evidence_against
    assert not result.evidence_for


@pytest.mark.parametrize("cause_id", list(PER_CAUSE))
def test_each_supporting_item_moves_the_cause_up(cause_id: str) -> None:
    supporting, _ = PER_CAUSE[cause_id]
    for fid, value in supporting.items():
        alone = cause(run({fid: value}), cause_id)
        assert alone.likelihood > PRIORS[cause_id], (fid, value)


@pytest.mark.parametrize("cause_id", list(PER_CAUSE))
def test_against_outweighs_for(cause_id: str) -> None:
    supporting, opposing = PER_CAUSE[cause_id]
    for_only = cause(run(supporting), cause_id).likelihood
    mixed_findings = {**supporting, **{k: v for k, v in opposing.items() if k not in supporting}}
    mixed = cause(run(mixed_findings), cause_id).likelihood
    assert mixed <= for_only


def test_identified_causes_call_their_plan_items() -> None:
    expected = {
        "insufficient_bracing": "bracing_360",
        "lumbar_flexion": "rdl_substitution",
        "lumbar_hyperextension": "glute_activation",
        "weak_core": "core_endurance",
        "glute_weakness": "glute_activation",
        "tight_hip_flexors": "hip_flexor_mobility",
        "tight_hamstrings": "hamstring_mobility",
        "limited_hip_thoracic_mobility": "hip_thoracic_warmup",
    }
    for cause_id, item in expected.items():
        result = run(PER_CAUSE[cause_id][0])
        assert cause_id in identified(result)
        assert item in plan_ids(result), cause_id
        step = next(p for p in result.plan if p.id == item)
        assert cause_id in step.because


def test_causes_are_not_in_the_plan_without_identification() -> None:
    result = run({})
    assert not identified(result)
    for item in ("rdl_substitution", "block_pulls", "hamstring_mobility", "hip_flexor_mobility",
                 "glute_activation", "core_endurance", "press_ribs_down"):
        assert item not in plan_ids(result)


# ------------------------------------------------------------------- video confidence
def _flexion(confidence: float | None, **findings: Any) -> float:
    video: dict[str, Any] = {"findings": {"back_rounds_at_bottom": True}}
    if confidence is not None:
        video["finding_confidence"] = {"back_rounds_at_bottom": confidence}
    case = parse_case({"findings": findings, "video_analysis": video}, KB)
    causes = infer_causes(case.findings, case.confidence, KB)
    return next(c.likelihood for c in causes if c.id == "lumbar_flexion")


def test_video_confidence_scales_the_evidence() -> None:
    prior = PRIORS["lumbar_flexion"]
    half = _flexion(0.5)
    full = _flexion(1.0)
    assert prior < half < full
    assert _flexion(None) == pytest.approx(full)  # no confidence given: taken as sure
    assert _flexion(0.0) == pytest.approx(prior)


def test_video_weight_is_reported() -> None:
    result = run(
        {},
        video_analysis={
            "findings": {"back_rounds_at_bottom": True},
            "finding_confidence": {"back_rounds_at_bottom": 0.5},
        },
    )
    ev = cause(result, "lumbar_flexion").evidence_for[0]
    assert ev.weight == pytest.approx(0.5)
    assert ev.findings == ("back_rounds_at_bottom",)


def test_video_half_confidence_alone_does_not_claim_a_cause() -> None:
    result = run(
        {},
        video_analysis={
            "findings": {"back_rounds_at_bottom": True},
            "finding_confidence": {"back_rounds_at_bottom": 0.5},
        },
    )
    assert "lumbar_flexion" not in identified(result)


def test_the_lifters_answer_beats_the_video() -> None:
    result = run(
        {"back_rounds_at_bottom": False},
        video_analysis={"findings": {"back_rounds_at_bottom": True}},
    )
    flexion = cause(result, "lumbar_flexion")
    assert not flexion.identified
    assert flexion.likelihood < PRIORS["lumbar_flexion"]


def test_null_video_finding_adds_nothing() -> None:
    result = run({}, video_analysis={"findings": {"back_rounds_at_bottom": None}})
    assert cause(result, "lumbar_flexion").likelihood == pytest.approx(PRIORS["lumbar_flexion"])


def test_video_overhead_arch_moves_hyperextension() -> None:
    low = run({}, video_analysis={
        "findings": {"arches_when_pressing_overhead": True},
        "finding_confidence": {"arches_when_pressing_overhead": 0.3},
    })
    high = run({}, video_analysis={
        "findings": {"arches_when_pressing_overhead": True},
        "finding_confidence": {"arches_when_pressing_overhead": 0.9},
    })
    assert (cause(low, "lumbar_hyperextension").likelihood
            < cause(high, "lumbar_hyperextension").likelihood)


# ------------------------------------------------------------------- ranking & explanation
def test_causes_ranked_and_explained() -> None:
    result = run({**PER_CAUSE["lumbar_flexion"][0], **PER_CAUSE["tight_hamstrings"][0]})
    likelihoods = [c.likelihood for c in result.causes]
    assert likelihoods == sorted(likelihoods, reverse=True)
    assert result.causes[0].id in {"lumbar_flexion", "tight_hamstrings"}
    for c in result.causes:
        assert c.explanation.strip()
        if not c.evidence_for:
            assert c.explanation.startswith("No evidence")
    data = result.to_dict()["causes"]
    assert [c["id"] for c in data] == [c.id for c in result.causes]
    assert {"id", "kind", "identified", "likelihood", "evidence_for", "evidence_against",
            "explanation"} <= set(data[0])


def test_no_cause_claimed_on_evidence_against_only() -> None:
    everything_against: dict[str, Any] = {}
    for _, against in PER_CAUSE.values():
        everything_against.update(against)
    result = run(everything_against)
    assert not identified(result)
