"""Every back decision on synthetic numbers: single clip, reference, setup, rep to rep."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcheck.video import decisions as D
from backcheck.video.decisions import BackNumbers, Call, Setup

NEUTRAL = BackNumbers(D.NEUTRAL_WHOLE, D.NEUTRAL_VALLEY)
ROUNDED = BackNumbers(D.NEUTRAL_WHOLE + 2 * D.SPREAD_WHOLE, D.NEUTRAL_VALLEY - 2 * D.SPREAD_VALLEY)
FLAT_BACK = BackNumbers(
    D.NEUTRAL_WHOLE - 2 * D.SPREAD_WHOLE, D.NEUTRAL_VALLEY + 2 * D.SPREAD_VALLEY
)

whole_values = st.floats(-0.2, 0.2)
valley_values = st.floats(-0.1, 0.2)
qualities = st.floats(0.0, 1.0)


def test_score_is_zero_at_the_typical_neutral_back() -> None:
    assert D.single_clip_score(NEUTRAL) == pytest.approx(0.0)
    assert D.single_clip_score(ROUNDED) == pytest.approx(2.0)
    assert D.single_clip_score(FLAT_BACK) == pytest.approx(-2.0)


def test_single_clip_possible_rounding_is_modest() -> None:
    call = D.single_clip_call([FLAT_BACK, ROUNDED], 1.0)
    assert call.value is True and call.basis == "single clip"
    assert call.confidence is not None and call.confidence <= D.SINGLE_MAX_CONFIDENCE
    assert call.confidence < D.CONFIDENT
    assert "check it" in call.reason


def test_single_clip_says_no_only_well_inside_the_neutral_range() -> None:
    assert D.single_clip_call([FLAT_BACK, FLAT_BACK], 1.0).value is False
    typical = D.single_clip_call([NEUTRAL], 1.0)
    assert typical.value is None and typical.confidence is None
    assert typical.reason == D.CANT_TELL_ONE_CLIP


def test_one_cue_cannot_hide_the_other() -> None:
    # a very negative bow but no lumbar hollow: never "no rounding seen"
    no_hollow = BackNumbers(D.NEUTRAL_WHOLE - 5 * D.SPREAD_WHOLE, D.NEUTRAL_VALLEY - 0.001)
    assert D.single_clip_score(no_hollow) <= D.CLEAR_SCORE
    assert D.single_clip_call([no_hollow], 1.0).value is not False


def test_single_clip_without_reps_abstains() -> None:
    assert D.single_clip_call([], 1.0).value is None


@given(whole_values, valley_values, qualities)
def test_single_clip_never_confident(whole: float, valley: float, q: float) -> None:
    call = D.single_clip_call([BackNumbers(whole, valley)], q)
    if call.value is None:
        assert call.confidence is None
    else:
        assert call.confidence is not None
        assert 0.5 <= call.confidence <= D.SINGLE_MAX_CONFIDENCE


@given(whole_values, valley_values, whole_values, valley_values)
def test_single_clip_false_is_monotone(w: float, v: float, dw: float, dv: float) -> None:
    """Rounder numbers (bow up, hollow down) never turn a "possible rounding" into a "no"."""
    base = D.single_clip_call([BackNumbers(w, v)], 1.0)
    rounder = D.single_clip_call([BackNumbers(w + abs(dw), v - abs(dv))], 1.0)
    if base.value is True:
        assert rounder.value is True
    if rounder.value is False:
        assert base.value is False


def test_reference_calls_rounding_past_either_threshold() -> None:
    ref = NEUTRAL
    by_bow = BackNumbers(ref.whole + D.REF_WHOLE_DELTA + 0.001, ref.valley)
    by_valley = BackNumbers(ref.whole, ref.valley - D.REF_VALLEY_DELTA - 0.001)
    for rep in (by_bow, by_valley):
        call = D.reference_call(rep, ref, 1.0)
        assert call.value is True and call.basis == "reference"
        assert call.confidence == pytest.approx(D.REF_CONFIDENCE)


def test_reference_contradicting_cues_do_not_call_rounding() -> None:
    rep = BackNumbers(NEUTRAL.whole + 0.05, NEUTRAL.valley + 0.05)  # bow up, hollow deeper
    assert D.reference_call(rep, NEUTRAL, 1.0).value is not True


def test_reference_no_only_when_neither_cue_moved_toward_rounded() -> None:
    rep = BackNumbers(NEUTRAL.whole - 0.01, NEUTRAL.valley + 0.01)
    call = D.reference_call(rep, NEUTRAL, 1.0)
    assert call.value is False and call.reason == "no more rounded than the reference"
    assert D.reference_call(NEUTRAL, NEUTRAL, 1.0).value is False


@pytest.mark.parametrize(("dw", "dv"), [(0.006, 0.011), (0.02, 0.03), (0.001, -0.01)])
def test_reference_small_change_is_not_called(dw: float, dv: float) -> None:
    """A mild rounding (a butt wink moved the cues by +0.006 / +0.011) is never a "no"."""
    rep = BackNumbers(NEUTRAL.whole + dw, NEUTRAL.valley - dv)
    call = D.reference_call(rep, NEUTRAL, 1.0)
    assert call.value is None and call.confidence is None


def test_a_rounded_reference_cannot_vouch_for_no() -> None:
    same = D.reference_call(ROUNDED, ROUNDED, 1.0)
    assert same.value is None and same.reason == D.REFERENCE_SUSPECT
    assert D.reference_call(NEUTRAL, ROUNDED, 1.0).value is None


@given(whole_values, valley_values, whole_values, valley_values)
def test_reference_both_ways(w: float, v: float, rw: float, rv: float) -> None:
    """If a clip rounds more than its reference, the reference never rounds more than it."""
    a, b = BackNumbers(w, v), BackNumbers(rw, rv)
    if D.reference_call(a, b, 1.0).value is True:
        assert D.reference_call(b, a, 1.0).value is not True


def test_reference_arching() -> None:
    deeper = BackNumbers(NEUTRAL.whole - 0.04, NEUTRAL.valley + 0.05)
    assert D.reference_arch_call([deeper], NEUTRAL, 1.0).value is True
    assert D.reference_arch_call([NEUTRAL], NEUTRAL, 1.0).value is False
    assert D.reference_arch_call([ROUNDED], NEUTRAL, 1.0).value is None
    flat_vs_rounded = D.reference_arch_call([NEUTRAL], ROUNDED, 1.0)
    assert flat_vs_rounded.value is None  # a flat rep against a rounded reference
    assert flat_vs_rounded.reason == D.REFERENCE_SUSPECT
    slightly = BackNumbers(NEUTRAL.whole - 0.01, NEUTRAL.valley + 0.01)
    assert D.reference_arch_call([slightly], NEUTRAL, 1.0).value is False
    assert D.reference_arch_call([], NEUTRAL, 1.0).value is None


def test_setup_mismatch() -> None:
    ref = Setup(150.0, -1.0, 0.40)
    assert D.setup_mismatch(Setup(160.0, -1.0, 0.42), ref) is None
    assert "other way" in (D.setup_mismatch(Setup(150.0, 1.0, 0.40), ref) or "")
    assert "camera spot" in (D.setup_mismatch(Setup(220.0, -1.0, 0.40), ref) or "")
    assert "smaller" in (D.setup_mismatch(Setup(100.0, -1.0, 0.40), ref) or "")
    assert "clothes" in (D.setup_mismatch(Setup(150.0, -1.0, 0.55), ref) or "")
    assert D.setup_mismatch(Setup(150.0, -1.0, 0.48), ref) is None  # a rounded rep's own change
    assert D.setup_mismatch(Setup(150.0, -1.0, None), ref) is None


def fatigue_set(n: int, grow_from: int, step_whole: float, step_valley: float) -> list[BackNumbers]:
    return [
        BackNumbers(
            NEUTRAL.whole + max(0, k - grow_from + 1) * step_whole,
            NEUTRAL.valley - max(0, k - grow_from + 1) * step_valley,
        )
        for k in range(n)
    ]


def test_rep_to_rep_finds_the_rep_where_rounding_grows() -> None:
    reps = fatigue_set(6, 4, 0.015, 0.015)  # reps 5 and 6 (index 4, 5) round more
    calls = D.rep_to_rep_calls(reps, 1.0)
    assert calls[:2] == [None, None]
    values = [c.value if c is not None else None for c in calls]
    assert values == [None, None, False, False, False, True]
    last = calls[-1]
    assert last is not None and last.basis == "rep to rep"


def test_rep_to_rep_needs_both_cues_past_the_noise() -> None:
    reps = [NEUTRAL, NEUTRAL, BackNumbers(NEUTRAL.whole + 0.05, NEUTRAL.valley)]
    calls = D.rep_to_rep_calls(reps, 1.0)
    assert calls[2] is not None and calls[2].value is False


def test_rep_to_rep_short_or_unstable_sets_are_not_compared() -> None:
    assert D.rep_to_rep_calls([NEUTRAL, ROUNDED], 1.0) == [None, None]
    jumpy = [NEUTRAL, BackNumbers(0.2, 0.0), NEUTRAL]
    assert not D.set_is_stable(jumpy)
    assert D.rep_to_rep_calls(jumpy, 1.0) == [None, None, None]


def test_rep_to_rep_noise_does_not_trigger() -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    false_alarms = 0
    sets = 200
    for _ in range(sets):
        reps = [
            BackNumbers(float(rng.normal(0, 0.011)), float(D.NEUTRAL_VALLEY + rng.normal(0, 0.010)))
            for _ in range(6)
        ]
        false_alarms += any(c is not None and c.value for c in D.rep_to_rep_calls(reps, 1.0))
    assert false_alarms / sets < 0.15


def test_rounding_call_order_of_trust() -> None:
    single = Call(None, None, "single clip", D.CANT_TELL_ONE_CLIP)
    grew = Call(True, 0.75, "rep to rep", "rounds more")
    ref_no = Call(False, 0.7, "reference", "no more rounded than the reference")
    ref_yes = Call(True, 0.8, "reference", "rounds more than the reference")
    assert D.rounding_call(single, [None, grew], None) is grew
    assert D.rounding_call(single, [None], None) is single
    assert D.rounding_call(single, [grew], [ref_no, ref_yes]) is ref_yes
    assert D.rounding_call(single, [grew], [ref_no, ref_no]) is ref_no
    mixed = D.rounding_call(single, [], [ref_no, Call(None, None, "reference", "small")])
    assert mixed.value is None and mixed.basis == "reference"


def test_lean_back_is_a_note_not_a_call() -> None:
    assert D.lean_back_note([2.0, 5.0]) is None
    note = D.lean_back_note([3.0, 14.0])
    assert note is not None and "reference" in note


def test_frame_state_colours() -> None:
    assert D.frame_state(ROUNDED.whole, ROUNDED.valley) == "red"
    assert D.frame_state(FLAT_BACK.whole, FLAT_BACK.valley) == "green"
    assert D.frame_state(NEUTRAL.whole, NEUTRAL.valley) == "amber"
    assert D.frame_state(float("nan"), 0.0) == "grey"


@given(st.floats(0.5, 1.0), qualities)
def test_shrink_stays_between_coin_toss_and_raw(raw: float, q: float) -> None:
    assert 0.5 <= D.shrink(raw, q) <= raw + 0.0005  # rounded to 3 digits
