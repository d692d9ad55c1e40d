"""From a pose Track to the Analysis JSON: reps, angles, back measure, findings, warnings.

`analyze_track` is pure (arrays in, model out) so tests can run it on cached tracks;
`run_analysis` is the adapter that decodes, writes artifacts and the JSON atomically.

Decision rules (docs/video.md explains the numbers):
- The back is judged only in a side view with a large enough torso and at least a few bottom
  frames whose dorsal edge is not covered by arms, hands or plates.
- Without a reference, "rounded at the bottom" needs both the lumbar bow ≥ 0.015 and the
  whole-back bow ≥ 0.025 |HS|. Across people this separates weakly (per-person offsets are as
  large as the effect), so such calls carry at most ~0.75 confidence and "not rounded" at most 0.6.
- A reference clip (same lifter, camera, clothes) cancels those offsets: differences are
  judged with tighter thresholds and higher confidence. Rep-to-rep change within the set also.
- Over-arching is not separable from normal lordosis in absolute terms: it is only called
  against a reference, or from a visible lean-back of the trunk at lockout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from backcheck.core.vocabulary import VIDEO_FINDINGS
from backcheck.video import pose as P
from backcheck.video.backshape import PROFILE_T, SEGMENTS, fit_bow, occluded_points
from backcheck.video.kinematics import (
    body_angles,
    facing_sign,
    midpoint,
    torso_length,
    trunk_inclination,
)
from backcheck.video.quality import (
    FILMING_GUIDANCE,
    GOOD_TORSO_PX,
    MIN_TORSO_PX,
    ViewResult,
    classify_view,
    image_warnings,
)
from backcheck.video.reps import (
    HINGES,
    LIFTS,
    LiftGuess,
    RepIdx,
    depth_signal,
    detect_lift,
    segment_reps,
)
from backcheck.video.schema import (
    Analysis,
    Angles,
    BackJudgement,
    Comparison,
    Flag,
    PhaseBack,
    Rep,
    RepBack,
    VideoMeta,
    WarningItem,
)
from backcheck.video.track import Track

FloatArray = NDArray[np.float64]

LUMBAR_ROUNDED = 0.015  # |HS|; bottom lumbar bow that reads as rounded (absolute)
WHOLE_ROUNDED = 0.025  # |HS|; bottom whole-back bow that reads as rounded (absolute)
REF_LUMBAR_DELTA = 0.012  # change against a reference / first rep that reads as rounding
REF_WHOLE_DELTA = 0.015
MIN_BOTTOM_FRAMES = 4
CONFIDENT = 0.7  # documented meaning of "a confident call"
PLATE_RADIUS = 0.45  # |HS|: a 45 cm plate against a ~50 cm hip-to-shoulder length
BARBELL_LIFTS = ("deadlift", "squat", "rdl", "overhead_press", "good_morning")

FINDINGS = VIDEO_FINDINGS  # one source: backcheck.core.vocabulary


@dataclass
class BackSeries:
    """Per-frame back measures: lumbar, whole, thoracic bow, lumbar bend (deg), valid fraction."""

    lumbar: FloatArray
    whole: FloatArray
    thoracic: FloatArray
    bend: FloatArray
    valid: FloatArray
    edge: NDArray[np.float32]  # (N, K) dorsal depth actually used (NaN where occluded)
    back_sign: float


def back_series(track: Track, facing: float, barbell: bool) -> BackSeries:
    """Per-frame bows on the dorsal row of the profile, with arms/plates blanked out."""
    lm = track.image.astype(float)
    n = track.n
    back_sign = -facing if facing != 0 else -1.0
    row = 0 if back_sign > 0 else 1
    hip = midpoint(lm, P.L_HIP, P.R_HIP)
    sh = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)
    length = torso_length(lm)
    out = np.full((5, n), np.nan)
    edge = np.full((n, len(PROFILE_T)), np.nan, np.float32)
    whole_sel = (SEGMENTS["whole"][0] <= PROFILE_T) & (SEGMENTS["whole"][1] >= PROFILE_T)
    for i in range(n):
        if not track.found[i] or not np.isfinite(length[i]):
            continue
        d = track.profile[i, row].astype(float)
        arms = lm[i, [P.L_ELBOW, P.R_ELBOW, P.L_WRIST, P.R_WRIST], :2]
        plate = None
        if barbell:
            grip = (lm[i, P.L_WRIST, :2] + lm[i, P.R_WRIST, :2]) / 2
            plate = (grip, PLATE_RADIUS * length[i])
        bad = occluded_points(PROFILE_T, d, hip[i], sh[i], back_sign, arms, plate)
        d = np.where(bad, np.nan, d)
        edge[i] = d
        out[0, i], out[3, i] = fit_bow(d, PROFILE_T, *SEGMENTS["lumbar"])
        out[1, i], _ = fit_bow(d, PROFILE_T, *SEGMENTS["whole"])
        out[2, i], _ = fit_bow(d, PROFILE_T, *SEGMENTS["thoracic"])
        out[4, i] = float(np.isfinite(d[whole_sel]).mean())
    return BackSeries(out[0], out[1], out[2], out[3], out[4], edge, back_sign)


def _med(x: FloatArray) -> float | None:
    x = x[np.isfinite(x)]
    return round(float(np.median(x)), 4) if len(x) else None


def phase_back(series: BackSeries, idx: NDArray[np.intp]) -> PhaseBack:
    """Medians of the back measures over a phase's frames (frame flips drop out)."""
    if len(idx) == 0:
        return PhaseBack()
    ok = np.isfinite(series.lumbar[idx]) & np.isfinite(series.whole[idx])
    good = idx[ok]
    return PhaseBack(
        lumbar_bow=_med(series.lumbar[good]),
        whole_bow=_med(series.whole[good]),
        thoracic_bow=_med(series.thoracic[idx]),
        lumbar_bend_deg=_med(series.bend[good]),
        valid_frames=int(ok.sum()),
        frames=len(idx),
    )


def rounding_score(lumbar: float | None, whole: float | None) -> float | None:
    """≥ 1 when both lumbar and whole-back bow read as rounded; the weaker of the two decides."""
    if lumbar is None or whole is None:
        return None
    return float(min(lumbar / LUMBAR_ROUNDED, whole / WHOLE_ROUNDED))


def phase_frames(
    rep: RepIdx, depth: FloatArray, trunk: FloatArray, lift: str
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.intp]]:
    """Frame indices of setup (mid-descent), bottom (deepest) and lockout phases of a rep."""
    seg = np.arange(rep.start, rep.end + 1)
    if lift in HINGES:
        top = float(np.nanmax(trunk[seg]))
        bottom = seg[trunk[seg] >= top - 7.0]
        before = np.arange(rep.start, rep.bottom + 1)
        setup = before[(trunk[before] >= 0.35 * top) & (trunk[before] <= 0.7 * top)]
        after = np.arange(rep.lockout, rep.end + 1)
        lockout = after[trunk[after] <= max(15.0, float(np.nanmin(trunk[after])) + 5.0)][:30]
    else:
        d = depth[seg]
        span = float(d.max() - d.min()) or 1.0
        bottom = seg[d >= d.max() - 0.1 * span]
        before = np.arange(rep.start, rep.bottom + 1)
        db = depth[before]
        setup = before[(db >= d.min() + 0.35 * span) & (db <= d.min() + 0.7 * span)]
        after = np.arange(rep.lockout, rep.end + 1)
        lockout = after[depth[after] <= float(depth[after].min()) + 0.1 * span][:30]
    return setup, bottom, lockout


def _angle_at(x: FloatArray, idx: NDArray[np.intp]) -> float | None:
    v = x[idx]
    v = v[np.isfinite(v)]
    return round(float(np.median(v)), 1) if len(v) else None


def quality_factor(torso_px: float, valid_frac: float, view_conf: float) -> float:
    """0.6–1.0: how much to trust a back call given size, contour completeness and view."""
    size = float(np.clip((torso_px - MIN_TORSO_PX) / (GOOD_TORSO_PX - MIN_TORSO_PX), 0.0, 1.0))
    return float(0.6 + 0.4 * (0.5 * size + 0.25 * valid_frac + 0.25 * view_conf))


def _shrink(raw: float, q: float) -> float:
    """Pull a confidence toward 0.5 (a coin toss) as quality drops; never below 0.5."""
    return round(0.5 + (raw - 0.5) * q, 3)


def absolute_call(score: float, q: float) -> tuple[bool, float]:
    """Rounded-or-not from the absolute score, with a deliberately modest confidence.

    Across people the absolute bow ranks rounded above neutral with AUC ≈ 0.8 only, so a call
    from it alone never reaches the 0.7 of a confident call unless far past the threshold.
    """
    if score >= 1.0:
        return True, _shrink(min(0.8, 0.6 + 0.1 * min(score - 1.0, 2.0)), q)
    lean = float(np.clip(1.0 - score, 0.0, 2.0))
    return False, _shrink(min(0.65, 0.55 + 0.05 * lean), q)


def delta_call(d_lumbar: float, d_whole: float, q: float) -> tuple[bool | None, float]:
    """Rounded-or-not from a within-lifter change (reference or earlier rep)."""
    if d_lumbar >= REF_LUMBAR_DELTA and d_whole >= REF_WHOLE_DELTA:
        strength = min(d_lumbar / REF_LUMBAR_DELTA, d_whole / REF_WHOLE_DELTA)
        return True, _shrink(min(0.9, 0.75 + 0.075 * min(strength - 1.0, 2.0)), q)
    if d_lumbar <= REF_LUMBAR_DELTA / 2 and d_whole <= REF_WHOLE_DELTA / 2:
        return False, _shrink(0.7, q)
    return None, 0.0


@dataclass
class RefSummary:
    """A reference clip's bottom-phase back measures (medians over its reps)."""

    name: str
    lumbar: float | None
    whole: float | None
    judgeable: bool
    reason: str | None


class RepScore(NamedTuple):
    """A judged rep's bottom bows and rounding score: the inputs of every back decision."""

    rep: int  # 1-based rep number
    lumbar: float
    whole: float
    score: float


class RefBows(NamedTuple):
    """A usable reference: its name and bottom bows (medians over its judged reps)."""

    name: str
    lumbar: float
    whole: float


@dataclass(frozen=True)
class Call:
    """One finding: its value, its confidence (None when not called) and a one-line why."""

    value: bool | None
    confidence: float | None
    basis: str


@dataclass(frozen=True)
class ClipSignals:
    """Everything the decisions read, derived once from the track (view, lift, reps, back)."""

    view: ViewResult
    guess: LiftGuess
    lift_detected: bool
    lift: str  # the lift analysed: the one asked for, or the detected one
    depth_lift: str  # the lift whose depth signal segments the reps (a known one)
    facing: float
    angles: dict[str, FloatArray]
    signed_trunk: FloatArray
    depth: FloatArray
    rep_idx: list[RepIdx]
    series: BackSeries
    torso_px: float


def video_meta(track: Track) -> VideoMeta:
    """The clip's container facts as reported in the JSON."""
    info = track.info
    return VideoMeta(
        path=info.path,
        width=info.width,
        height=info.height,
        fps=round(info.fps, 3),
        frames=track.n,
        duration_s=round(float(track.t_s[-1]) if track.n else 0.0, 3),
        rotation=info.rotation,
    )


def clip_signals(track: Track, lift: str) -> ClipSignals:
    """View, lift, facing, angles, depth signal, reps and back series: computed once, here."""
    im = track.image.astype(float)
    found = track.found
    guess = detect_lift(im)
    lift_detected = lift == "auto"
    chosen = guess.lift if lift_detected else lift
    depth_lift = chosen if chosen in LIFTS else "deadlift"
    facing = facing_sign(im[found])
    signed_trunk = trunk_inclination(im, facing) if facing != 0 else np.full(track.n, np.nan)
    depth, min_range = depth_signal(im, depth_lift, track.info.fps)
    return ClipSignals(
        view=classify_view(im[found], track.world[found]),
        guess=guess,
        lift_detected=lift_detected,
        lift=chosen,
        depth_lift=depth_lift,
        facing=facing,
        angles=body_angles(im),
        signed_trunk=signed_trunk,
        depth=depth,
        rep_idx=segment_reps(depth, min_range),
        series=back_series(track, facing, chosen in BARBELL_LIFTS),
        torso_px=float(np.nanmedian(torso_length(im[found]))) / max(track.scale, 1e-6),
    )


def gate_reason(sig: ClipSignals) -> str | None:
    """Why the back cannot be judged at all in this clip (None when it can be tried)."""
    if sig.view.view != "side":
        return f"not a side view ({sig.view.view}); the back's shape can only be seen from the side"
    if sig.torso_px < MIN_TORSO_PX:
        return f"the torso is only {sig.torso_px:.0f} px long (need ≥ {MIN_TORSO_PX:.0f})"
    if sig.facing == 0:
        return "could not tell which way the lifter faces"
    if not sig.rep_idx:
        return "no rep was found"
    return None


def gate_warnings(sig: ClipSignals) -> list[WarningItem]:
    """Warnings about the view and the lift, so the user knows how to film or what to pass."""
    out: list[WarningItem] = []
    if sig.view.view != "side":
        out.append(
            WarningItem(
                code="not_side_view",
                message=f"The camera sees the lifter from the {sig.view.view}. {FILMING_GUIDANCE}",
            )
        )
    if sig.lift_detected and sig.guess.lift == "unknown":
        out.append(
            WarningItem(
                code="lift_unknown",
                message=f"Could not tell the lift: {sig.guess.reason}. Pass --lift.",
            )
        )
    return out


def rep_angles(sig: ClipSignals, bottom: NDArray[np.intp], lockout: NDArray[np.intp]) -> Angles:
    """Joint angles at the bottom and at lockout (medians over the phase's frames)."""
    ang = sig.angles
    return Angles(
        trunk_bottom_deg=_angle_at(ang["trunk"], bottom),
        hip_bottom_deg=_angle_at(ang["hip"], bottom),
        knee_bottom_deg=_angle_at(ang["knee"], bottom),
        trunk_lockout_deg=_angle_at(ang["trunk"], lockout),
        hip_lockout_deg=_angle_at(ang["hip"], lockout),
        knee_lockout_deg=_angle_at(ang["knee"], lockout),
        trunk_lean_back_lockout_deg=_angle_at(-sig.signed_trunk, lockout),
    )


def measure_rep(
    k: int, r: RepIdx, sig: ClipSignals, t_s: FloatArray, reason: str | None
) -> tuple[Rep, RepScore | None]:
    """One rep's times, angles and phase bows; its RepScore only if its bottom is judgeable.

    A rep needs MIN_BOTTOM_FRAMES bottom frames with a usable edge: fewer, and one arm or plate
    frame would decide the call.
    """
    setup_i, bottom_i, lock_i = phase_frames(r, sig.depth, sig.angles["trunk"], sig.depth_lift)
    b_setup = phase_back(sig.series, setup_i)
    b_bottom = phase_back(sig.series, bottom_i)
    b_lock = phase_back(sig.series, lock_i)
    rep_ok = reason is None and b_bottom.valid_frames >= MIN_BOTTOM_FRAMES
    rep_reason = reason
    if reason is None and not rep_ok:
        rep_reason = (
            f"only {b_bottom.valid_frames} of {b_bottom.frames} bottom frames show the "
            "back's edge "
            "(arms, hands, hair or a plate over it, or a broken outline)"
        )
    score = rounding_score(b_bottom.lumbar_bow, b_bottom.whole_bow) if rep_ok else None
    delta_setup = (
        round(b_bottom.lumbar_bow - b_setup.lumbar_bow, 4)
        if b_bottom.lumbar_bow is not None and b_setup.lumbar_bow is not None
        else None
    )
    rep = Rep(
        index=k,
        start_s=round(float(t_s[r.start]), 3),
        bottom_s=round(float(t_s[r.bottom]), 3),
        lockout_s=round(float(t_s[r.lockout]), 3),
        end_s=round(float(t_s[r.end]), 3),
        angles=rep_angles(sig, bottom_i, lock_i),
        back=RepBack(
            setup=b_setup,
            bottom=b_bottom,
            lockout=b_lock,
            bottom_minus_setup_lumbar=delta_setup,
            rounding_score=None if score is None else round(score, 3),
            judgeable=rep_ok,
            reason=rep_reason,
        ),
    )
    judged = None
    if score is not None and b_bottom.lumbar_bow is not None and b_bottom.whole_bow is not None:
        judged = RepScore(k, b_bottom.lumbar_bow, b_bottom.whole_bow, score)
    return rep, judged


def clip_quality(sig: ClipSignals, found: NDArray[np.bool_], warnings: list[WarningItem]) -> float:
    """Quality factor of the clip, lowered 15 % per image problem that can fool the mask."""
    valid_frac = float(np.nanmean(sig.series.valid[found])) if found.any() else 0.0
    q = quality_factor(
        sig.torso_px, valid_frac if np.isfinite(valid_frac) else 0.0, sig.view.confidence
    )
    codes = {w.code for w in warnings}
    for code in ("partial_body", "multiple_people", "low_light", "person_lost"):
        if code in codes:
            q *= 0.85
    return q


def set_is_stable(scores: list[RepScore]) -> bool:
    """Rep-to-rep comparison only makes sense when the set's lumbar bows agree within 0.04:
    racks, plates or clothing crossing the body make the measure jump by more than the effect."""
    lums = np.array([s.lumbar for s in scores])
    return len(lums) < 2 or float(np.ptp(lums)) <= 0.04


def rep_to_rep_comparisons(scores: list[RepScore], q: float) -> list[Comparison]:
    """Each later judged rep against the first one (the caller checks the set is stable)."""
    first = scores[0]
    out: list[Comparison] = []
    for s in scores[1:]:
        dv, dc = delta_call(s.lumbar - first.lumbar, s.whole - first.whole, q)
        out.append(
            Comparison(
                kind="rep_to_rep",
                rep=s.rep,
                against=f"rep {first.rep}",
                back_change=round(s.lumbar - first.lumbar, 4),
                whole_change=round(s.whole - first.whole, 4),
                confidence=dc if dv else 0.5,
            )
        )
    return out


def usable_reference(ref: RefSummary | None) -> RefBows | None:
    """(name, lumbar, whole) of a reference whose bottom bows were measured, else None."""
    if ref is None or not ref.judgeable or ref.lumbar is None or ref.whole is None:
        return None
    return RefBows(ref.name, ref.lumbar, ref.whole)


def reference_comparisons(scores: list[RepScore], ref: RefBows, q: float) -> list[Comparison]:
    """Each judged rep's bottom bows against the reference's (same lifter, same camera)."""
    name, lumbar, whole = ref
    out: list[Comparison] = []
    for s in scores:
        dl, dw = s.lumbar - lumbar, s.whole - whole
        dv, dc = delta_call(dl, dw, q)
        out.append(
            Comparison(
                kind="reference",
                rep=s.rep,
                against=name,
                back_change=round(dl, 4),
                whole_change=round(dw, 4),
                confidence=dc if dv is not None else 0.5,
            )
        )
    return out


def rounding_call(scores: list[RepScore], q: float, stable: bool, ref: RefBows | None) -> Call:
    """`back_rounds_at_bottom`: the absolute call on the worst rep, raised by a clear rounding
    against the first rep (stable sets only), and replaced by the reference call when there is
    one (it cancels the per-person offsets that make the absolute bow weak)."""
    worst = max(scores, key=lambda s: s.score)
    value, conf = absolute_call(worst.score, q)
    call = Call(value, conf, "absolute bow at the bottom (weak across people)")
    first = scores[0]
    for s in scores[1:] if stable else []:
        dv, dc = delta_call(s.lumbar - first.lumbar, s.whole - first.whole, q)
        if dv and s.score >= 0.8 and dc > (call.confidence or 0.0):
            call = Call(True, dc, f"rep {s.rep} rounds more than rep {first.rep}")
    if ref is None:
        return call
    name, lumbar, whole = ref
    best: tuple[bool | None, float] = (None, 0.0)  # the last rounding call, else the first "no"
    for s in scores:
        dv, dc = delta_call(s.lumbar - lumbar, s.whole - whole, q)
        if dv is True or best[0] is None:
            best = (dv, dc) if dv is not None else best
    if best[0] is None:
        return call
    return Call(best[0], best[1], f"change against {name} (same lifter)")


def arches_vs_reference(scores: list[RepScore], ref: RefBows) -> list[int]:
    """Reps whose bottom is more arched (concave) than the reference's trusted rep."""
    return [
        s.rep for s in scores if s.lumbar - ref.lumbar <= -0.010 and s.whole - ref.whole <= -0.015
    ]


def setup_arch_call(
    scores: list[RepScore], ref: RefBows, arched: list[int], q: float
) -> Call | None:
    """`back_arches_at_setup`, only with a reference: more arched than it → true; not called
    at all when no rep could be compared with the reference."""
    name, lumbar, whole = ref
    if arched:
        return Call(True, _shrink(0.7, q), f"rep {arched[-1]} is more arched than {name}")
    if all(delta_call(s.lumbar - lumbar, s.whole - whole, q)[0] is None for s in scores):
        return None
    return Call(False, _shrink(0.6, q), f"not more arched than {name}")


def flexion_flags(
    scores: list[RepScore],
    q: float,
    ref: RefBows | None,
    rep_cmps: list[Comparison],
) -> dict[int, Flag]:
    """Per rep `lumbar_flexion` at the bottom: from the reference change if it decides, else
    the absolute bow, plus a clear rounding against the first rep."""
    out: dict[int, Flag] = {}
    for s in scores:
        vals = [absolute_call(s.score, q)]
        if ref is not None:
            dv, dc = delta_call(s.lumbar - ref.lumbar, s.whole - ref.whole, q)
            if dv is not None:
                vals = [(dv, dc)]
        for cmp in rep_cmps:
            if cmp.rep == s.rep and cmp.back_change is not None:
                dv, dc = delta_call(cmp.back_change, cmp.whole_change or 0.0, q)
                if dv and s.score >= 0.8:
                    vals.append((dv, dc))
        pos = [c for v, c in vals if v]
        if pos:
            out[s.rep] = Flag(
                id="lumbar_flexion",
                phase="bottom",
                confidence=max(pos),
                basis="lower back bows outward at the bottom",
            )
    return out


def lean_back_call(sig: ClipSignals, reps: list[Rep], q: float) -> tuple[str, Call] | None:
    """Arching at lockout / pressing overhead from a keypoint cue (trunk leaning back), in a
    side view only: the bow cannot tell over-arching from normal lordosis."""
    if sig.view.view != "side" or sig.facing == 0 or not reps:
        return None
    leans = [
        r.angles.trunk_lean_back_lockout_deg
        for r in reps
        if r.angles.trunk_lean_back_lockout_deg is not None
    ]
    if not leans:
        return None
    worst = max(leans)
    key = (
        "arches_when_pressing_overhead"
        if sig.lift == "overhead_press"
        else "back_arches_at_lockout"
    )
    if worst >= 10.0:
        return key, Call(True, _shrink(0.65, q), f"trunk leans back {worst:.0f}° at lockout")
    if worst <= 4.0:
        return key, Call(
            False, _shrink(0.6, q), f"no lean-back at lockout (≤ {max(worst, 0.0):.0f}°)"
        )
    return None


@dataclass
class BackVerdict:
    """What judging the back produced: finding calls (in the order made), comparisons, per-rep
    flags (by rep index) and warnings."""

    calls: dict[str, Call]
    comparisons: list[Comparison]
    flags: dict[int, list[Flag]]
    warnings: list[WarningItem]


def judge_back(scores: list[RepScore], q: float, ref_summary: RefSummary | None) -> BackVerdict:
    """The back calls on the judged reps: absolute, rep to rep, and against the reference."""
    ref = usable_reference(ref_summary)
    stable = set_is_stable(scores)
    warnings = (
        []
        if stable
        else [
            WarningItem(
                code="back_measure_unstable",
                message="The back's outline changes a lot from rep to rep (something crosses "
                "the body?); rep-to-rep comparison skipped.",
            )
        ]
    )
    rep_cmps = rep_to_rep_comparisons(scores, q) if stable else []
    ref_cmps = reference_comparisons(scores, ref, q) if ref is not None else []
    calls = {"back_rounds_at_bottom": rounding_call(scores, q, stable, ref)}
    flags: dict[int, list[Flag]] = {}
    if ref is not None:
        arched = arches_vs_reference(scores, ref)
        setup = setup_arch_call(scores, ref, arched, q)
        if setup is not None:
            calls["back_arches_at_setup"] = setup
        for k in arched:
            flags.setdefault(k, []).append(
                Flag(
                    id="lumbar_hyperextension",
                    phase="setup",
                    confidence=_shrink(0.7, q),
                    basis="more arched than the reference",
                )
            )
    for k, flag in flexion_flags(scores, q, ref, rep_cmps).items():
        flags.setdefault(k, []).append(flag)
    return BackVerdict(calls, rep_cmps + ref_cmps, flags, warnings)


def cant_judge(reason: str | None) -> BackVerdict:
    """No judged rep: the rounding finding says why, and a warning tells the user."""
    return BackVerdict(
        {"back_rounds_at_bottom": Call(None, None, f"can't judge the back: {reason}")},
        [],
        {},
        [
            WarningItem(
                code="back_not_judgeable",
                message=f"Can't judge the back from this video: {reason}.",
            )
        ],
    )


def lockout_flags(reps: list[Rep], call: Call) -> dict[int, Flag]:
    """`lumbar_hyperextension` at lockout on each rep whose trunk leans back ≥ 10°."""
    if not call.value or call.confidence is None:
        return {}
    return {
        rep.index: Flag(
            id="lumbar_hyperextension",
            phase="lockout",
            confidence=call.confidence,
            basis="trunk leans back at lockout",
        )
        for rep in reps
        if (rep.angles.trunk_lean_back_lockout_deg or 0.0) >= 10.0
    }


def findings_of(
    calls: dict[str, Call], reason: str | None
) -> tuple[dict[str, bool | None], dict[str, float], dict[str, str]]:
    """findings / finding_confidence / finding_basis (what the core reads); every finding gets
    a basis, confidences only for findings actually called."""
    findings: dict[str, bool | None] = {k: calls[k].value if k in calls else None for k in FINDINGS}
    conf = {
        k: c.confidence
        for k, c in calls.items()
        if c.value is not None and c.confidence is not None
    }
    basis = {k: c.basis for k, c in calls.items()}
    for k in FINDINGS:
        if findings[k] is None:
            basis.setdefault(
                k, f"can't judge: {reason}" if reason else "not measurable without a reference clip"
            )
    return findings, conf, basis


def reference_warnings(ref: RefSummary | None) -> list[WarningItem]:
    """Say so when a reference clip was given but its back could not be measured."""
    if ref is None or ref.judgeable:
        return []
    return [
        WarningItem(
            code="reference_unusable",
            message=f"The reference clip cannot be used: {ref.reason}.",
        )
    ]


def no_person_analysis(
    track: Track, meta: VideoMeta, lift: str, warnings: list[WarningItem]
) -> Analysis:
    """The answer when (almost) no frame has a person: nothing can be measured."""
    return Analysis(
        video=meta,
        view="unknown",
        lift=lift if lift != "auto" else "unknown",
        lift_detected=False,
        reps=[],
        findings=dict.fromkeys(FINDINGS),
        back_judgement=BackJudgement(judgeable=False, reason="no person found in the video"),
        warnings=warnings,
        engine=track.engine,
        filming_guidance=FILMING_GUIDANCE,
    )


def analyze_track(
    track: Track,
    lift: str = "auto",
    reference: Track | None = None,
    reference_name: str = "reference",
) -> Analysis:
    """The whole analysis on per-frame arrays (no I/O): signals → reps → calls → Analysis."""
    warnings = [
        WarningItem(code=w.code, message=w.message)
        for w in image_warnings(track.image, track.found, track.luma, track.frame_size, track.scale)
    ]
    if track.found.sum() < 5:
        return no_person_analysis(track, video_meta(track), lift, warnings)
    sig = clip_signals(track, lift)
    reason = gate_reason(sig)
    warnings += gate_warnings(sig)
    measured = [measure_rep(k, r, sig, track.t_s, reason) for k, r in enumerate(sig.rep_idx, 1)]
    reps = [rep for rep, _ in measured]
    scores = [s for _, s in measured if s is not None]
    judgeable = bool(scores)
    if reason is None and not judgeable and reps:
        reason = reps[0].back.reason or "the back's outline could not be measured"
    q = clip_quality(sig, track.found, warnings)
    ref = summarize_reference(reference, reference_name) if reference is not None else None
    warnings += reference_warnings(ref)
    verdict = judge_back(scores, q, ref) if judgeable else cant_judge(reason)
    warnings += verdict.warnings
    calls = dict(verdict.calls)
    lean = lean_back_call(sig, reps, q)
    if lean is not None:
        calls[lean[0]] = lean[1]
    lock = lockout_flags(reps, lean[1]) if lean is not None else {}
    for rep in reps:
        rep.flags.extend(verdict.flags.get(rep.index, []))
        rep.flags.extend([lock[rep.index]] if rep.index in lock else [])
    findings, conf, basis = findings_of(calls, reason)
    return Analysis(
        video=video_meta(track),
        view=sig.view.view,
        view_confidence=round(sig.view.confidence, 3),
        lift=sig.lift,
        lift_detected=sig.lift_detected,
        lift_reason=sig.guess.reason if sig.lift_detected else None,
        reps=reps,
        comparisons=verdict.comparisons,
        findings=findings,
        finding_confidence=conf,
        finding_basis=basis,
        back_judgement=BackJudgement(judgeable=judgeable, reason=None if judgeable else reason),
        warnings=warnings,
        engine=track.engine,
        filming_guidance=FILMING_GUIDANCE,
    )


def summarize_reference(ref: Track, name: str) -> RefSummary:
    """Bottom-phase bows of a reference clip (its own analysis, medians over judged reps)."""
    a = analyze_track(ref)
    lum = [
        r.back.bottom.lumbar_bow
        for r in a.reps
        if r.back.judgeable and r.back.bottom.lumbar_bow is not None
    ]
    who = [
        r.back.bottom.whole_bow
        for r in a.reps
        if r.back.judgeable and r.back.bottom.whole_bow is not None
    ]
    if not lum or not who:
        return RefSummary(name, None, None, False, a.back_judgement.reason or "no judgeable rep")
    return RefSummary(name, float(np.median(lum)), float(np.median(who)), True, None)


def frame_state(series: BackSeries, i: int) -> str:
    """Colour state of the back line in frame i: green / amber / red / grey (not measured)."""
    s = rounding_score(
        None if math.isnan(series.lumbar[i]) else float(series.lumbar[i]),
        None if math.isnan(series.whole[i]) else float(series.whole[i]),
    )
    if s is None:
        return "grey"
    return "red" if s >= 1.0 else "amber" if s >= 0.6 else "green"
