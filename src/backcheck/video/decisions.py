"""Back decisions: small pure functions from measured numbers to calls (no arrays of frames).

Every threshold is named here, with where its number comes from (docs/video.md has the
tables). The rules, in order of trust:

1. Against the lifter's own reference set (same camera spot, clothes): the person's offsets
   cancel, so changes beyond the measured noise of two neutral clips of one lifter are called
   both ways, over-arching included.
2. Rep to rep within a set: a later rep whose back flattens or bows beyond the rep-to-rep noise,
   against the set's own first reps (fatigue). Only ever adds "rounds more"; a set rounded from
   its first rep shows no change.
3. One clip, across people: weak (per-person offsets are as large as the effect). At most
   "possible rounding — check it", a "no rounding seen" only well inside the neutral range, and
   otherwise no call: "can't tell from one clip". Never an over-arching call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Basis = Literal["single clip", "reference", "rep to rep"]

# --- one clip, across people (calibrated leave-one-lifter-out on the dev clips) -------------
# The score is how far the bottom-of-rep measures sit toward "rounded", in units of the spread
# between neutral lifters: whole-back bow up, lumbar hollow (valley) gone. The lumbar bow is
# not used: across people it ranked rounded above neutral with AUC 0.83 against 0.96 for this
# score (15 neutral, 5 rounded judged side-view lifting clips, 13 lifters; bench/back_calibration).
NEUTRAL_WHOLE = 0.003  # |HS|: median bottom whole-back bow of the neutral dev lifters
NEUTRAL_VALLEY = 0.026  # |HS|: median bottom valley of the neutral dev lifters
SPREAD_WHOLE = 0.022  # |HS|: SD of the whole-back bow between neutral lifters
SPREAD_VALLEY = 0.020  # |HS|: SD of the valley between neutral lifters
POSSIBLE_ROUNDING_SCORE = 1.0  # score ≥ this: "possible rounding — check it"
CLEAR_SCORE = -0.5  # score ≤ this (and each cue on the neutral side): "no rounding seen"
# Leave-one-lifter-out on dev: 4 of 5 "possible rounding" calls were on rounded backs (0.80),
# 4 of 4 "no rounding seen" on neutral ones; both capped at SINGLE_MAX_CONFIDENCE because five
# rounded clips cannot support more.
SINGLE_POSSIBLE_CONFIDENCE = 0.65
SINGLE_CLEAR_CONFIDENCE = 0.65
SINGLE_MAX_CONFIDENCE = 0.65  # no call from one clip goes above this (below CONFIDENT)

# --- against a reference set (same lifter, camera, clothes) -----------------------------------
# Two neutral clips of one lifter differ by up to 0.015 whole / 0.028 valley (study 2).
REF_WHOLE_DELTA = 0.03  # |HS|: whole-back bow increase that reads as rounding
REF_VALLEY_DELTA = 0.04  # |HS|: loss of the lumbar hollow that reads as rounding
REF_NOISE_WHOLE = 0.015  # |HS|: what two neutral clips of one lifter may differ by
REF_NOISE_VALLEY = 0.028
# "No more rounded" only when neither cue moved toward rounded at all: a mild rounding (a butt
# wink) moved them by +0.006 / +0.011 on dev, inside the neutral-pair noise, so any positive
# change is "can't tell", never a "no".
REF_NO_CHANGE = 0.0
REF_CONFIDENCE = 0.8  # a change past the reference thresholds (same-lifter pairs on dev)
REF_SAME_CONFIDENCE = 0.7
REF_ARCH_CONFIDENCE = 0.7  # more hollow than the reference: ordered right 4/4 within lifters
# A reference is only comparable when the setup matches:
SETUP_SIZE_RATIO = 1.25  # torso size in px may differ by at most this factor (camera distance)
# Trunk depth ratio above this means other clothes or camera angle. Coarse on purpose: one
# lifter's own trunk depth changed by up to 1.19x between a rounded and a flat rep on dev.
SETUP_THICKNESS_RATIO = 1.3

# --- rep to rep within a set (rep-to-rep SD in neutral sets: 0.011 whole, 0.010 valley) -------
REP_WHOLE_DELTA = 0.025  # |HS|: one-sided 95 % single-rep change of the whole-back bow
REP_VALLEY_DELTA = 0.023  # |HS|: one-sided 95 % single-rep loss of the valley
REP_BASELINE_REPS = 2  # the set's first reps that form its baseline
REP_MIN_REPS = 3  # a set needs this many judged reps for a rep-to-rep call
REP_CONFIDENCE = 0.75
SET_MAX_JUMP = 0.08  # |HS|: a set whose whole-back bow jumps more is unstable (racks, plates)

# --- quality --------------------------------------------------------------------------------
MIN_BOTTOM_FRAMES = 4  # bottom frames with a usable edge a rep needs to be judged
CONFIDENT = 0.7  # documented meaning of "a confident call"

CANT_TELL_ONE_CLIP = "can't tell from one clip: film a reference set"


@dataclass(frozen=True)
class Call:
    """One finding: value (None = not called), confidence (None when not called), basis, why."""

    value: bool | None
    confidence: float | None
    basis: Basis
    reason: str


@dataclass(frozen=True)
class BackNumbers:
    """A rep's (or a clip's) bottom-of-rep measures: the inputs of every rounding decision."""

    whole: float
    valley: float


def shrink(raw: float, quality: float) -> float:
    """Pull a confidence toward 0.5 (a coin toss) as quality drops; never below 0.5."""
    return round(0.5 + (raw - 0.5) * float(np.clip(quality, 0.0, 1.0)), 3)


def single_clip_score(b: BackNumbers) -> float:
    """How far toward "rounded" a bottom sits, in between-lifter spreads (mean of both cues)."""
    whole_z = (b.whole - NEUTRAL_WHOLE) / SPREAD_WHOLE
    valley_z = (NEUTRAL_VALLEY - b.valley) / SPREAD_VALLEY
    return float((whole_z + valley_z) / 2.0)


def single_clip_call(reps: list[BackNumbers], quality: float) -> Call:
    """`back_rounds_at_bottom` from one clip: possible rounding / no rounding seen / can't tell.

    The worst rep decides "possible rounding"; "no rounding seen" needs every rep well inside
    the neutral range on the score and on each cue alone, so one cue cannot hide the other.
    """
    if not reps:
        return Call(None, None, "single clip", "no rep could be judged")
    scores = [single_clip_score(b) for b in reps]
    worst = max(scores)
    if worst >= POSSIBLE_ROUNDING_SCORE:
        conf = shrink(min(SINGLE_POSSIBLE_CONFIDENCE, SINGLE_MAX_CONFIDENCE), quality)
        return Call(True, conf, "single clip", "possible rounding at the bottom: check it")
    clear = all(
        s <= CLEAR_SCORE and b.whole <= NEUTRAL_WHOLE and b.valley >= NEUTRAL_VALLEY
        for s, b in zip(scores, reps, strict=True)
    )
    if clear:
        conf = shrink(min(SINGLE_CLEAR_CONFIDENCE, SINGLE_MAX_CONFIDENCE), quality)
        return Call(False, conf, "single clip", "no rounding seen: well inside the neutral range")
    return Call(None, None, "single clip", CANT_TELL_ONE_CLIP)


def reference_change(rep: BackNumbers, ref: BackNumbers) -> tuple[float, float]:
    """(whole-bow increase, valley loss) of a rep against the reference: + = rounder."""
    return rep.whole - ref.whole, ref.valley - rep.valley


REFERENCE_SUSPECT = (
    "your reference set itself reads toward rounded, so it can't show that a clip is not"
)


def reference_reads_rounded(ref: BackNumbers) -> bool:
    """A reference that itself reads as possible rounding cannot vouch for "no more rounded"
    or "more arched" (a flat rep looks arched next to a rounded one)."""
    return single_clip_score(ref) >= POSSIBLE_ROUNDING_SCORE


def reference_call(rep: BackNumbers, ref: BackNumbers, quality: float) -> Call:
    """Rounds more than the reference / no more / can't tell, for one rep.

    "Rounds more": one cue past its threshold while the other does not point the other way
    by more than the neutral-pair noise. "No more": neither cue moved toward rounded.
    """
    d_whole, d_valley = reference_change(rep, ref)
    suspect = reference_reads_rounded(ref)
    past = d_whole >= REF_WHOLE_DELTA or d_valley >= REF_VALLEY_DELTA
    if past and d_whole > -REF_NOISE_WHOLE and d_valley > -REF_NOISE_VALLEY:
        return Call(
            True, shrink(REF_CONFIDENCE, quality), "reference", "rounds more than the reference"
        )
    if d_whole <= REF_NO_CHANGE and d_valley <= REF_NO_CHANGE and suspect:
        return Call(None, None, "reference", REFERENCE_SUSPECT)
    if d_whole <= REF_NO_CHANGE and d_valley <= REF_NO_CHANGE:
        return Call(
            False,
            shrink(REF_SAME_CONFIDENCE, quality),
            "reference",
            "no more rounded than the reference",
        )
    return Call(
        None, None, "reference", "a small change against the reference, within filming noise"
    )


def reference_arch_call(reps: list[BackNumbers], ref: BackNumbers, quality: float) -> Call:
    """`back_arches_at_setup` (bottom of the pull, where setup arching shows) vs the reference:
    more hollow and less bowed than the reference beyond the noise → arched. The rep must also
    read hollower than a typical neutral back, so a flat rep against a rounded reference is
    not called arched."""
    if not reps:
        return Call(None, None, "reference", "no rep could be compared with the reference")
    if reference_reads_rounded(ref):
        return Call(None, None, "reference", REFERENCE_SUSPECT)
    changes = [reference_change(r, ref) for r in reps]
    arched = [
        dw <= -REF_WHOLE_DELTA or dv <= -REF_VALLEY_DELTA
        for r, (dw, dv) in zip(reps, changes, strict=True)
        if dw < REF_NOISE_WHOLE and dv < REF_NOISE_VALLEY and single_clip_score(r) < 0.0
    ]
    if any(arched):
        return Call(
            True,
            shrink(REF_ARCH_CONFIDENCE, quality),
            "reference",
            "more arched than the reference",
        )
    if all(abs(dw) <= REF_NOISE_WHOLE and abs(dv) <= REF_NOISE_VALLEY for dw, dv in changes):
        return Call(
            False,
            shrink(REF_SAME_CONFIDENCE, quality),
            "reference",
            "no more arched than the reference",
        )
    return Call(None, None, "reference", "can't tell against the reference")


@dataclass(frozen=True)
class Setup:
    """What must match between a clip and its reference for a comparison to mean anything."""

    torso_px: float
    back_side: float
    thickness: float | None


def setup_mismatch(clip: Setup, ref: Setup) -> str | None:
    """Why this clip cannot be compared with the reference (None when it can)."""
    if clip.back_side != ref.back_side:
        return "the lifter faces the other way than in the reference: film from the same side"
    ratio = max(clip.torso_px, ref.torso_px) / max(min(clip.torso_px, ref.torso_px), 1e-6)
    if ratio > SETUP_SIZE_RATIO:
        bigger = "bigger" if clip.torso_px > ref.torso_px else "smaller"
        return (
            f"the lifter looks {ratio:.1f}× {bigger} than in the reference: "
            "film from the same camera spot"
        )
    if (
        clip.thickness is not None
        and ref.thickness is not None
        and max(clip.thickness, ref.thickness)
        > SETUP_THICKNESS_RATIO * max(min(clip.thickness, ref.thickness), 1e-6)
    ):
        return (
            "the trunk's outline differs from the reference (other clothes or camera angle):"
            " film in the same clothes from the same spot"
        )
    return None


def set_is_stable(reps: list[BackNumbers]) -> bool:
    """Rep-to-rep comparison only when the set's whole-back bows agree within SET_MAX_JUMP:
    racks, plates or clothing crossing the body make the measure jump by more than the effect."""
    wholes = np.array([r.whole for r in reps])
    return len(wholes) < 2 or float(np.ptp(wholes)) <= SET_MAX_JUMP


def rep_baseline(reps: list[BackNumbers]) -> BackNumbers:
    """The set's own first reps (medians): what later reps are compared with."""
    first = reps[:REP_BASELINE_REPS]
    return BackNumbers(
        float(np.median([r.whole for r in first])), float(np.median([r.valley for r in first]))
    )


def rep_change(rep: BackNumbers, base: BackNumbers) -> tuple[float, float]:
    """(whole-bow increase, valley loss) of a rep against the set's baseline: + = rounder."""
    return rep.whole - base.whole, base.valley - rep.valley


def rep_to_rep_calls(reps: list[BackNumbers], quality: float) -> list[Call | None]:
    """Per rep: True where it rounds more than the set's first reps (both cues past the
    rep-to-rep noise), False where it does not; None for the baseline reps themselves and
    for sets too short or too unstable to compare."""
    if len(reps) < REP_MIN_REPS or not set_is_stable(reps):
        return [None] * len(reps)
    base = rep_baseline(reps)
    out: list[Call | None] = [None] * min(REP_BASELINE_REPS, len(reps))
    for r in reps[REP_BASELINE_REPS:]:
        dw, dv = rep_change(r, base)
        if dw >= REP_WHOLE_DELTA and dv >= REP_VALLEY_DELTA:
            out.append(
                Call(
                    True,
                    shrink(REP_CONFIDENCE, quality),
                    "rep to rep",
                    "rounds more than the set's first reps",
                )
            )
        else:
            out.append(Call(False, None, "rep to rep", "no more rounded than the set's first reps"))
    return out


def rounding_call(single: Call, reps: list[Call | None], ref: list[Call] | None) -> Call:
    """`back_rounds_at_bottom` overall: the reference decides when it could be used; else a
    rep-to-rep rounding; else the single-clip call (which never reassures past its gate)."""
    if ref:
        rounds = [c for c in ref if c.value is True]
        if rounds:
            return rounds[-1]
        if all(c.value is False for c in ref):
            return ref[0]
        return Call(None, None, "reference", "a small change against the reference: can't tell")
    grew = [c for c in reps if c is not None and c.value is True]
    if grew:
        return grew[0]
    return single


def lean_back_note(leans: list[float]) -> str | None:
    """A plain note when the trunk leans back at lockout: seen from one clip it cannot say
    whether the lower back or the hips do it, so it is a note, never an over-arching call."""
    if not leans or max(leans) < 10.0:
        return None
    return (
        f"The trunk leans back about {max(leans):.0f}° at lockout; whether the lower back "
        "over-arches can only be judged against a reference set."
    )


def frame_state(whole: float, valley: float) -> str:
    """Colour of the back line in one frame (the legend explains it): red = reads toward
    rounded, amber = in between, green = well inside the neutral range, grey = not measured."""
    if not (np.isfinite(whole) and np.isfinite(valley)):
        return "grey"
    s = single_clip_score(BackNumbers(whole, valley))
    if s >= POSSIBLE_ROUNDING_SCORE:
        return "red"
    return "green" if s <= CLEAR_SCORE else "amber"
