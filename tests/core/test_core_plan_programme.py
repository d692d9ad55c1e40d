"""The plan fitted to lift × cause × what the lifter already does, and the staged programme."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import backcheck.core.knowledge as knowledge_package
from backcheck.core import KnowledgeError
from backcheck.core.knowledge.loader import load_knowledge_from
from backcheck.core.programme import Session, judge, run_programme
from tests.core.core_kit import KB, plan_ids, run

KNOWLEDGE_DIR = Path(knowledge_package.__file__).parent
ITEMS = {item.id: item for item in KB.plan_items}
LIFTS = ("deadlift", "squat", "overhead_press", "bench_press", "row", "good_morning", "other")
# Items that only make sense for a hinge (a pull from the floor or a bent-over position).
HINGE_ONLY = {
    item.id
    for item in KB.plan_items
    if item.lifts is not None and "squat" not in item.lifts and "deadlift" in item.lifts
}

ROUNDS = {"back_rounds_at_bottom": True, "phase": "bottom", "onset_with_lift": True}
ARCHES_AT_LOCKOUT = {"back_arches_at_lockout": True, "phase": "lockout", "onset_with_lift": True}
ARCHES_OVERHEAD = {"arches_when_pressing_overhead": True, "phase": "overhead"}
MILD = {"pain_score": 3, "days_since_onset": 1, "pain_trend": "improving"}


def plan_for(lift: str, mechanics: dict[str, Any]) -> list[str]:
    return plan_ids(run({"lift": lift, **MILD, **mechanics}))


# ------------------------------------------------------------------ lift × cause
def test_squatter_rounding_gets_squat_depth_work_not_deadlift_substitutes() -> None:
    plan = plan_for("squat", ROUNDS)
    assert "box_squat" in plan and "tempo_pause_squat" in plan
    assert not HINGE_ONLY & set(plan), plan


def test_deadlifter_rounding_gets_hinge_substitutes_not_squat_work() -> None:
    plan = plan_for("deadlift", ROUNDS)
    assert {"rdl_substitution", "block_pulls"} <= set(plan)
    assert "box_squat" not in plan and "tempo_pause_squat" not in plan


def test_deadlifter_arching_at_lockout_gets_the_lockout_cue() -> None:
    plan = plan_for("deadlift", ARCHES_AT_LOCKOUT)
    assert "lockout_glutes" in plan
    assert "press_ribs_down" not in plan and "rdl_substitution" not in plan


def test_overhead_presser_arching_gets_ribs_down_and_no_hinge_or_lockout_items() -> None:
    plan = plan_for("overhead_press", ARCHES_OVERHEAD)
    assert "press_ribs_down" in plan
    assert not {"lockout_glutes", "rdl_substitution", "block_pulls", "box_squat"} & set(plan)


def test_bench_presser_arching_gets_a_moderate_arch() -> None:
    arching = {"back_arches_at_setup": True, "pain_on_back_extension": True, "phase": "setup"}
    result = run({"lift": "bench_press", **MILD, **arching})
    assert "lumbar_hyperextension" in {c.id for c in result.causes if c.identified}
    assert "bench_moderate_arch" in plan_ids(result)
    assert "press_ribs_down" not in plan_ids(result)


def test_lifter_who_already_braces_well_is_not_taught_bracing() -> None:
    already = {"braces_before_lift": "always", "bracing_style": "belly_360",
               "loses_brace_mid_rep": False}
    result = run({"lift": "deadlift", **MILD, **ROUNDS, **already})
    assert "bracing_360" not in plan_ids(result)
    assert [a.id for a in result.already_doing] == ["bracing_360"]
    assert "keep doing" in result.already_doing[0].note
    # losing the brace mid-rep brings it back
    result = run({"lift": "deadlift", **MILD, **ROUNDS, **already, "loses_brace_mid_rep": True})
    assert "bracing_360" in plan_ids(result)


@settings(max_examples=150, deadline=None)
@given(
    lift=st.sampled_from(LIFTS),
    mechanics=st.fixed_dictionaries(
        {},
        optional={
            "back_rounds_at_bottom": st.booleans(),
            "back_arches_at_lockout": st.booleans(),
            "back_arches_at_setup": st.booleans(),
            "arches_when_pressing_overhead": st.booleans(),
            "toe_touch": st.sampled_from(["palms", "fingertips", "shins", "knees"]),
            "glutes_hard_to_activate": st.booleans(),
            "hip_flexor_tight": st.booleans(),
            "phase": st.sampled_from(["setup", "bottom", "lockout", "overhead"]),
            "pain_score": st.integers(0, 10),
        },
    ),
)
def test_every_chosen_item_fits_the_lift(lift: str, mechanics: dict[str, Any]) -> None:
    result = run({"lift": lift, **mechanics})
    for step in result.plan:
        lifts = ITEMS[step.id].lifts
        assert lifts is None or lift in lifts, (lift, step.id)
    if lift == "squat":
        assert not HINGE_ONLY & set(plan_ids(result))


def test_hinge_only_items_exist() -> None:
    assert {"rdl_substitution", "block_pulls"} <= HINGE_ONLY


# ------------------------------------------------------------------ exercise items
def test_every_exercise_has_steps_dose_stop_rules_regression_progression_picture() -> None:
    exercises = [item for item in KB.plan_items if item.kind == "exercise"]
    assert len(exercises) >= 14
    for item in exercises:
        assert item.steps and item.dose.strip(), item.id
        assert item.stop_if and all(rule.strip() for rule in item.stop_if), item.id
        assert (item.regression or "").strip() and (item.progression or "").strip(), item.id
        assert item.illustrations, item.id
        assert not any("{" in rule for rule in item.stop_if), item.id


def test_strap_stretch_stops_on_pain_down_the_leg() -> None:
    rules = " ".join(ITEMS["hamstring_mobility"].stop_if).lower()
    assert "down the leg" in rules


def test_plan_json_carries_the_exercise_fields() -> None:
    data = run({"lift": "squat", **MILD, **ROUNDS}).to_dict()
    box = next(item for item in data["plan"] if item["id"] == "box_squat")
    assert box["stop_if"] and box["regression"] and box["progression"]
    assert box["illustration"] == "/static/illustrations/box_squat.svg"
    heat = next(item for item in data["plan"] if item["id"] == "heat_ice")
    assert "stop_if" not in heat and heat["kind"] == "advice"


def _copy(tmp_path: Path) -> Path:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit_item(folder: Path, item_id: str, key: str, value: Any) -> None:
    path = folder / "plan_items.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    item = next(entry for entry in data if entry["id"] == item_id)
    if value is None:
        item.pop(key)
    else:
        item[key] = value
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize("field", ["stop_if", "regression", "progression", "illustrations"])
def test_loader_refuses_an_exercise_missing_a_safety_field(tmp_path: Path, field: str) -> None:
    folder = _copy(tmp_path)
    load_knowledge_from(folder)
    _edit_item(folder, "core_endurance", field, None)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_from(folder)
    assert "plan_items.yaml" in str(info.value) and "core_endurance" in str(info.value)
    assert field in str(info.value)


def test_loader_refuses_an_unknown_placeholder(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    _edit_item(folder, "core_endurance", "stop_if", ["Pain above {agreed}/10."])
    with pytest.raises(KnowledgeError, match="placeholder"):
        load_knowledge_from(folder)


def test_loader_refuses_a_programme_for_urgent(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    path = folder / "programme.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["levels"].append("urgent")
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"programme\.yaml"):
        load_knowledge_from(folder)


# ------------------------------------------------------------------ programme
def test_programme_phases_from_settle_to_heavy_with_sources() -> None:
    programme = run({"lift": "deadlift", **MILD, **ROUNDS}).to_dict()["programme"]
    phases = programme["phases"]
    assert len(phases) >= 3
    assert phases[0]["id"] == "settle" and phases[-1]["id"] == "heavy"
    for phase in phases:
        assert {"id", "title", "goal", "sessions", "progress_when", "step_back_when"} <= set(phase)
        assert phase["progress_when"] and phase["step_back_when"] and phase["source"]
        assert not any("{" in text for text in phase["progress_when"] + phase["step_back_when"])
    assert "floor" in phases[-1]["title"].lower()
    assert {"silbernagel.2007", "thomee.1997"} <= set(programme["rule"]["source"])
    assert programme["rule"]["during_max"] == 3
    # the settle phase's sessions use gentle exercises, the later ones the modified lifts
    assert "rdl_substitution" not in phases[0]["items"]
    assert "rdl_substitution" in phases[1]["items"]


@pytest.mark.parametrize(
    ("findings", "level"),
    [({"saddle_numbness": True}, "emergency"), ({"fever_or_unwell": True}, "urgent")],
)
def test_care_only_results_get_no_programme(findings: dict[str, Any], level: str) -> None:
    result = run({"lift": "deadlift", **MILD, **ROUNDS, **findings})
    assert result.triage.level == level
    assert result.to_dict()["programme"] is None


def test_see_clinician_gets_a_programme() -> None:
    result = run({"lift": "squat", **MILD, "pain_below_knee": True})
    assert result.triage.level == "see_clinician"
    assert result.to_dict()["programme"] is not None


START = date(2025, 3, 3)
RULE = KB.programme.rule


def session(n: int, during: int, morning: int | None, before: int = 2, **kw: Any) -> Session:
    return Session(
        day=START + timedelta(days=n), pain_before=before, pain_during=during,
        pain_after=during, pain_next_morning=morning, **kw,
    )


def test_rule_verdicts() -> None:
    assert judge(session(0, 2, 2), RULE)[0] == "progress"
    assert judge(session(0, 3, 1), RULE)[0] == "progress"
    assert judge(session(0, 4, 2), RULE)[0] == "hold"
    assert judge(session(0, 2, 3), RULE)[0] == "hold"
    assert judge(session(0, 6, None), RULE)[0] == "step_back"
    assert judge(session(0, 2, 4), RULE)[0] == "step_back"
    assert judge(session(0, 1, 1, spread_down_leg=True), RULE)[0] == "step_back"
    assert judge(session(0, 2, None), RULE)[0] == "waiting"


def test_within_rule_sessions_advance_the_programme() -> None:
    state = run_programme([session(0, 2, 2), session(1, 1, 1)], KB.programme, level="self_care")
    assert (state.phase, state.status) == ("rebuild", "advanced")
    assert "Rebuild" in state.why and "within the pain rule" in state.why
    one = run_programme([session(0, 2, 2)], KB.programme, level="self_care")
    assert (one.phase, one.status, one.streak) == ("settle", "on_track", 1)


def test_pain_a_little_over_holds_and_restarts_the_count() -> None:
    state = run_programme(
        [session(0, 2, 2), session(1, 4, 2)], KB.programme, level="self_care"
    )
    assert (state.phase, state.status, state.streak) == ("settle", "held", 0)
    assert "4/10" in state.why and "3/10" in state.why


def test_bad_next_morning_steps_back_a_phase() -> None:
    sessions = [session(0, 2, 2), session(1, 2, 2), session(3, 2, 5)]
    state = run_programme(sessions, KB.programme, level="self_care")
    assert (state.phase, state.status) == ("settle", "stepped_back")
    assert "3 points worse" in state.why
    assert [v.verdict for v in state.history] == ["progress", "progress", "step_back"]
    assert state.history[-1].phase == "rebuild"


def test_full_run_reaches_the_last_phase_and_completes() -> None:
    needed = sum(phase.sessions_to_progress for phase in KB.programme.phases)
    sessions = [session(n, 1, 1) for n in range(needed)]
    state = run_programme(sessions, KB.programme, level="self_care")
    assert (state.phase, state.status) == ("heavy", "complete")


def test_waiting_for_the_morning() -> None:
    state = run_programme([session(0, 2, None)], KB.programme, level="self_care")
    assert state.status == "waiting" and "tomorrow morning" in state.why


def test_a_red_flag_in_the_journal_stops_the_programme() -> None:
    sessions = [session(n, 1, 1) for n in range(4)]
    state = run_programme(
        sessions, KB.programme, level="emergency",
        warning_signs=("New difficulty passing urine",),
    )
    assert state.status == "stopped"
    assert "difficulty passing urine" in state.why and "Do not train" in state.why
    urgent = run_programme(sessions, KB.programme, level="urgent")
    assert urgent.status == "stopped"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10), st.integers(0, 10)),
                max_size=25))
def test_programme_never_moves_on_after_a_session_outside_the_rule(
    pains: list[tuple[int, int, int]],
) -> None:
    sessions = [session(n, during, morning, before) for n, (before, during, morning) in
                enumerate(pains)]
    state = run_programme(sessions, KB.programme, level="self_care")
    assert 0 <= state.phase_index < len(KB.programme.phases)
    if sessions and judge(sessions[-1], RULE)[0] != "progress":
        assert state.status in ("held", "stepped_back")
