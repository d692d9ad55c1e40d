"""Every triage rule fires on its finding and stays silent on a near miss.

Each case starts from a complete red-flag-negative baseline (every red-flag question answered
"no") and adds only the findings under test, so the rule under test is the only thing that
can raise the level.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.core.core_kit import BASELINE, KB, rule_ids, run

# (rule id, findings added to the baseline, expected level). Several per rule where the
# rule has several ways in.
FIRES: list[tuple[str, dict[str, Any], str]] = [
    ("cauda_equina_symptoms", {"saddle_numbness": True}, "emergency"),
    ("cauda_equina_symptoms", {"bladder_sensation_reduced": True}, "emergency"),
    ("cauda_equina_symptoms", {"difficulty_passing_urine": True}, "emergency"),
    ("cauda_equina_symptoms", {"urinary_incontinence_new": True}, "emergency"),
    ("cauda_equina_symptoms", {"bowel_incontinence_new": True}, "emergency"),
    ("cauda_equina_symptoms", {"new_sexual_dysfunction": True}, "emergency"),
    ("bilateral_leg_symptoms", {"bilateral_leg_symptoms": True}, "emergency"),
    ("major_trauma", {"significant_trauma": True}, "emergency"),
    ("possible_spinal_infection", {"fever_or_unwell": True, "iv_drug_use": True}, "emergency"),
    (
        "possible_spinal_infection",
        {"fever_or_unwell": True, "immunosuppressed": True},
        "emergency",
    ),
    (
        "cancer_with_neurological_signs",
        {"history_of_cancer": True, "leg_weakness": "new_stable"},
        "emergency",
    ),
    (
        "cancer_with_neurological_signs",
        {"history_of_cancer": True, "leg_weakness": "progressive"},
        "emergency",
    ),
    (
        "cancer_with_neurological_signs",
        {"history_of_cancer": True, "leg_weakness": "sudden"},
        "emergency",
    ),
    ("cancer_with_neurological_signs", {"history_of_cancer": True, "foot_drop": True}, "emergency"),
    (
        "cancer_with_neurological_signs",
        {"history_of_cancer": True, "numbness_tingling": True},
        "emergency",
    ),
    (
        "possible_spinal_infection",
        {"fever_or_unwell": True, "long_term_steroids": True},
        "emergency",
    ),
    (
        "cancer_with_neurological_signs",
        {"history_of_cancer": True, "gait_disturbance": True},
        "emergency",
    ),
    ("chest_pain", {"chest_pain": True}, "emergency"),
    ("new_leg_weakness", {"leg_weakness": "new_stable"}, "urgent"),
    ("new_leg_weakness", {"leg_weakness": "progressive"}, "urgent"),
    ("new_leg_weakness", {"leg_weakness": "sudden"}, "urgent"),
    ("foot_drop", {"foot_drop": True}, "urgent"),
    ("changed_gait", {"gait_disturbance": True}, "urgent"),
    ("fever_or_unwell", {"fever_or_unwell": True}, "urgent"),
    ("unexplained_weight_loss", {"unexplained_weight_loss": True}, "urgent"),
    ("history_of_cancer", {"history_of_cancer": True}, "urgent"),
    ("fragile_bones", {"osteoporosis": True}, "urgent"),
    ("fragile_bones", {"long_term_steroids": True}, "urgent"),
    ("pain_worse_at_rest", {"worse_with_rest": True}, "urgent"),
    ("constant_night_pain", {"constant_night_pain": True}, "urgent"),
    ("pain_unchanged_by_movement", {"pain_changes_with_movement": False}, "urgent"),
    ("pain_worse_cough_sneeze", {"pain_worse_cough_sneeze": True}, "urgent"),
    ("thoracic_pain", {"thoracic_pain": True}, "urgent"),
    ("back_swelling_or_deformity", {"back_swelling_or_deformity": True}, "urgent"),
    ("pain_past_knee", {"pain_below_knee": True}, "see_clinician"),
    ("burning_leg_pain", {"burning_or_electric_leg_pain": True}, "see_clinician"),
    ("numbness_tingling", {"numbness_tingling": True}, "see_clinician"),
    ("nerve_tension_sign", {"leg_raise_brings_leg_pain": True}, "see_clinician"),
    ("infection_risk_factor", {"iv_drug_use": True}, "see_clinician"),
    ("infection_risk_factor", {"immunosuppressed": True}, "see_clinician"),
    (
        "persistent_not_improving",
        {"days_since_onset": 4, "pain_trend": "same", "pain_score": 4},
        "see_clinician",
    ),
    (
        "persistent_not_improving",
        {"days_since_onset": 6, "pain_trend": "worsening", "pain_score": 5},
        "see_clinician",
    ),
    # pain_score unanswered: the pain is taken as present (safer reading).
    ("persistent_not_improving", {"days_since_onset": 5, "pain_trend": "same"}, "see_clinician"),
    (
        "persistent_two_weeks",
        {"days_since_onset": 14, "pain_trend": "improving", "pain_score": 2},
        "see_clinician",
    ),
    ("persistent_two_weeks", {"days_since_onset": 40, "pain_trend": "improving"}, "see_clinician"),
    (
        "not_relieved_by_self_care",
        {"tried_conservative_care": True, "relieved_by_conservative_care": False},
        "see_clinician",
    ),
    (
        "inflammatory_pattern",
        {
            "age": 30,
            "pain_months": 6,
            "morning_stiffness_minutes": 60,
            "improves_with_movement": True,
        },
        "see_clinician",
    ),
    (
        "inflammatory_pattern",
        {
            "age": 44,
            "pain_months": 3,
            "morning_stiffness_minutes": 30,
            "improves_with_movement": True,
        },
        "see_clinician",
    ),
    ("age_outside_usual_range", {"age": 60, "onset_with_lift": False}, "see_clinician"),
    ("age_outside_usual_range", {"age": 17, "onset_with_lift": False}, "see_clinician"),
]

# (rule id, narrative, findings added to the baseline, expected level): the rule must NOT fire.
NEAR_MISSES: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "cauda_equina_symptoms",
        "tingling in one foot, not the saddle area",
        {"numbness_tingling": True},
        "see_clinician",
    ),
    (
        "cauda_equina_symptoms",
        "sore glutes after squats, normal feeling and bladder",
        {"muscle_spasm": True, "lift": "squat", "onset_with_lift": True},
        "self_care",
    ),
    (
        "bilateral_leg_symptoms",
        "pain past the knee in one leg only",
        {"pain_below_knee": True},
        "see_clinician",
    ),
    (
        "major_trauma",
        "sudden pain on a max deadlift is a lifting strain, not a serious accident",
        {"onset": "sudden", "max_effort_attempt": True, "onset_with_lift": True,
         "lift": "deadlift"},
        "self_care",
    ),
    (
        "possible_spinal_infection",
        "fever without IV drug use or immunosuppression is urgent, not emergency",
        {"fever_or_unwell": True},
        "urgent",
    ),
    (
        "possible_spinal_infection",
        "immunosuppressed, no fever (osteoporosis too)",
        {"immunosuppressed": True, "osteoporosis": True},
        "urgent",
    ),
    (
        "cancer_with_neurological_signs",
        "cancer history with an old, unchanged leg weakness",
        {"history_of_cancer": True, "leg_weakness": "longstanding"},
        "urgent",
    ),
    (
        "cancer_with_neurological_signs",
        "new numbness without any cancer history",
        {"numbness_tingling": True, "leg_weakness": "new_stable"},
        "urgent",
    ),
    ("chest_pain", "pain between the shoulder blades is not chest pain", {"thoracic_pain": True},
     "urgent"),
    (
        "new_leg_weakness",
        "an old weakness from a childhood injury, unchanged",
        {"leg_weakness": "longstanding"},
        "self_care",
    ),
    (
        "foot_drop",
        "calf pain, but the foot lifts and heel-walking is fine",
        {"pain_below_knee": True, "foot_drop": False},
        "see_clinician",
    ),
    (
        "changed_gait",
        "walks stiffly from spasm but no tripping or giving way",
        {"muscle_spasm": True, "gait_disturbance": False},
        "self_care",
    ),
    (
        "fever_or_unwell",
        "tired after a heavy, long session, no fever",
        {"heavy_or_high_volume_session": True, "fever_or_unwell": False},
        "self_care",
    ),
    (
        "unexplained_weight_loss",
        "lost weight on purpose while cutting",
        {"unexplained_weight_loss": False},
        "self_care",
    ),
    (
        "history_of_cancer",
        "no cancer history",
        {"history_of_cancer": False, "age": 40},
        "self_care",
    ),
    (
        "fragile_bones",
        "anabolic steroids are not long_term_steroids (prescribed tablets)",
        {"long_term_steroids": False},
        "self_care",
    ),
    (
        "pain_worse_at_rest",
        "morning stiffness that loosens once moving is not pain worse at rest",
        {"worse_with_rest": False, "morning_stiffness_minutes": 10, "improves_with_movement": True},
        "self_care",
    ),
    (
        "constant_night_pain",
        "pain only when turning over in bed",
        {"constant_night_pain": False},
        "self_care",
    ),
    (
        "pain_unchanged_by_movement",
        "pain that changes with movement",
        {"pain_changes_with_movement": True},
        "self_care",
    ),
    (
        "pain_worse_cough_sneeze",
        "coughing does not change the pain",
        {"pain_worse_cough_sneeze": False},
        "self_care",
    ),
    (
        "thoracic_pain",
        "pain low in the back, not between the shoulder blades",
        {"thoracic_pain": False, "phase": "bottom"},
        "self_care",
    ),
    (
        "back_swelling_or_deformity",
        "muscles feel locked up (spasm), no swelling",
        {"muscle_spasm": True},
        "self_care",
    ),
    (
        "pain_past_knee",
        "pain into the back of the thigh, stopping above the knee",
        {"pain_below_knee": False},
        "self_care",
    ),
    (
        "burning_leg_pain",
        "dull ache in the buttock, not burning or electric",
        {"burning_or_electric_leg_pain": False},
        "self_care",
    ),
    (
        "numbness_tingling",
        "no numbness or pins and needles",
        {"numbness_tingling": False, "pain_below_knee": True},
        "see_clinician",
    ),
    (
        "persistent_not_improving",
        "two days of improving soreness is not persistent",
        {"days_since_onset": 2, "pain_trend": "improving", "pain_score": 3},
        "self_care",
    ),
    (
        "persistent_not_improving",
        "two days of the same pain is not yet 'more than a few days'",
        {"days_since_onset": 2, "pain_trend": "same", "pain_score": 3},
        "self_care",
    ),
    (
        "infection_risk_factor",
        "oral supplements only, no injections, normal immune system",
        {"iv_drug_use": False, "immunosuppressed": False, "long_term_steroids": False},
        "self_care",
    ),
    (
        "nerve_tension_sign",
        "a tight straight-leg raise felt only in the back of the thigh",
        {"leg_raise_brings_leg_pain": False, "straight_leg_raise_deg": 50},
        "self_care",
    ),
    (
        "persistent_not_improving",
        "ten days, improving, still under two weeks",
        {"days_since_onset": 10, "pain_trend": "improving", "pain_score": 2},
        "self_care",
    ),
    (
        "persistent_not_improving",
        "a week ago, pain now gone (score 0, trend same)",
        {"days_since_onset": 7, "pain_trend": "same", "pain_score": 0},
        "self_care",
    ),
    (
        "persistent_two_weeks",
        "13 days is not two weeks",
        {"days_since_onset": 13, "pain_trend": "improving", "pain_score": 2},
        "self_care",
    ),
    (
        "persistent_two_weeks",
        "three weeks ago but the pain has gone",
        {"days_since_onset": 21, "pain_trend": "improving", "pain_score": 0},
        "self_care",
    ),
    (
        "not_relieved_by_self_care",
        "self-care tried and it helped",
        {"tried_conservative_care": True, "relieved_by_conservative_care": True},
        "self_care",
    ),
    (
        "not_relieved_by_self_care",
        "self-care not tried yet, outcome unknown",
        {"tried_conservative_care": False},
        "self_care",
    ),
    (
        "inflammatory_pattern",
        "started after 45 (age 50 now, 4 months)",
        {
            "age": 50,
            "pain_months": 4,
            "morning_stiffness_minutes": 60,
            "improves_with_movement": True,
        },
        "see_clinician",  # months of pain: persistent_two_weeks
    ),
    (
        "inflammatory_pattern",
        "short morning stiffness",
        {
            "age": 30,
            "pain_months": 6,
            "morning_stiffness_minutes": 10,
            "improves_with_movement": True,
        },
        "see_clinician",  # months of pain: persistent_two_weeks
    ),
    (
        "inflammatory_pattern",
        "only two months of pain",
        {
            "age": 30,
            "pain_months": 2,
            "morning_stiffness_minutes": 60,
            "improves_with_movement": True,
        },
        "see_clinician",  # months of pain: persistent_two_weeks
    ),
    (
        "inflammatory_pattern",
        "stiffness not eased by moving",
        {
            "age": 30,
            "pain_months": 6,
            "morning_stiffness_minutes": 60,
            "improves_with_movement": False,
        },
        "see_clinician",  # months of pain: persistent_two_weeks
    ),
    (
        "age_outside_usual_range",
        "a 60-year-old who strained it on a deadlift",
        {"age": 60, "onset_with_lift": True},
        "self_care",
    ),
    (
        "age_outside_usual_range",
        "55 is not over 55",
        {"age": 55, "onset_with_lift": False},
        "self_care",
    ),
    (
        "age_outside_usual_range",
        "a 20-year-old is not under 20",
        {"age": 20, "onset_with_lift": False},
        "self_care",
    ),
    (
        "incomplete_red_flag_screen",
        "every red-flag question answered no",
        {},
        "self_care",
    ),
]


def _fire_id(case: tuple[str, dict[str, Any], str]) -> str:
    return case[0] + "-" + "-".join(f"{k}={v}" for k, v in case[1].items())


@pytest.mark.parametrize(("rule", "added", "level"), FIRES, ids=[_fire_id(c) for c in FIRES])
def test_rule_fires(rule: str, added: dict[str, Any], level: str) -> None:
    result = run(added)
    assert rule in rule_ids(result)
    assert result.triage.level == level
    assert LEVEL_ORDER[level] >= LEVEL_ORDER[KB.rule(rule).level]
    reason = next(r for r in result.triage.reasons if r.rule == rule)
    assert reason.message == KB.rule(rule).message
    assert reason.level == KB.rule(rule).level


LEVEL_ORDER = {"self_care": 0, "see_clinician": 1, "urgent": 2, "emergency": 3}


@pytest.mark.parametrize(
    ("rule", "narrative", "added", "level"),
    NEAR_MISSES,
    ids=[f"{c[0]}-{c[1][:40]}" for c in NEAR_MISSES],
)
def test_rule_near_miss(rule: str, narrative: str, added: dict[str, Any], level: str) -> None:
    result = run(added)
    assert rule not in rule_ids(result), narrative
    assert result.triage.level == level, narrative


def test_incomplete_screen_fires_for_each_missing_red_flag() -> None:
    for fid in KB.red_flags:
        findings = {k: v for k, v in BASELINE.items() if k != fid}
        result = run(findings, baseline=False)
        assert "incomplete_red_flag_screen" in rule_ids(result), fid
        assert result.triage.level == "see_clinician", fid
        assert result.triage.missing == (fid,)
        assert result.triage.complete is False


def test_every_rule_has_a_firing_test() -> None:
    covered = {rule for rule, _, _ in FIRES} | {"incomplete_red_flag_screen"}
    assert {rule.id for rule in KB.rules} <= covered, "a rule has no test that fires it"
    assert covered <= {rule.id for rule in KB.rules}, "a test names a rule that does not exist"


def test_every_rule_has_a_near_miss() -> None:
    covered = {rule for rule, _, _, _ in NEAR_MISSES}
    assert {rule.id for rule in KB.rules} <= covered, "a rule has no near-miss test"


def test_baseline_alone_is_self_care() -> None:
    result = run({})
    assert result.triage.level == "self_care"
    assert result.triage.complete is True
    assert result.triage.missing == ()
    assert rule_ids(result) == ["no_red_flags"]


def test_reasons_are_ordered_most_severe_first() -> None:
    result = run(
        {
            "saddle_numbness": True,
            "fever_or_unwell": True,
            "pain_below_knee": True,
            "days_since_onset": 20,
        }
    )
    levels = [LEVEL_ORDER[r.level] for r in result.triage.reasons]
    assert levels == sorted(levels, reverse=True)
    assert result.triage.reasons[0].rule == "cauda_equina_symptoms"
