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

import numpy as np
from numpy.typing import NDArray

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
    classify_view,
    image_warnings,
)
from backcheck.video.reps import HINGES, LIFTS, RepIdx, depth_signal, detect_lift, segment_reps
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

FINDINGS = (
    "back_rounds_at_bottom",
    "back_arches_at_setup",
    "back_arches_at_lockout",
    "arches_when_pressing_overhead",
)


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


def analyze_track(
    track: Track,
    lift: str = "auto",
    reference: Track | None = None,
    reference_name: str = "reference",
) -> Analysis:
    """The whole analysis on per-frame arrays (no I/O)."""
    info = track.info
    found = track.found
    im = track.image.astype(float)
    warnings: list[WarningItem] = [
        WarningItem(code=w.code, message=w.message)
        for w in image_warnings(track.image, found, track.luma, track.frame_size, track.scale)
    ]
    meta = VideoMeta(
        path=info.path,
        width=info.width,
        height=info.height,
        fps=round(info.fps, 3),
        frames=track.n,
        duration_s=round(float(track.t_s[-1]) if track.n else 0.0, 3),
        rotation=info.rotation,
    )
    null_findings: dict[str, bool | None] = dict.fromkeys(FINDINGS)
    if found.sum() < 5:
        return Analysis(
            video=meta,
            view="unknown",
            lift=lift if lift != "auto" else "unknown",
            lift_detected=False,
            reps=[],
            findings=null_findings,
            back_judgement=BackJudgement(judgeable=False, reason="no person found in the video"),
            warnings=warnings,
            engine=track.engine,
            filming_guidance=FILMING_GUIDANCE,
        )
    view = classify_view(im[found], track.world[found])
    guess = detect_lift(im)
    lift_detected = lift == "auto"
    chosen = guess.lift if lift_detected else lift
    depth_lift = chosen if chosen in LIFTS else "deadlift"
    facing = facing_sign(im[found])
    trunk = body_angles(im)["trunk"]
    signed_trunk = trunk_inclination(im, facing) if facing != 0 else np.full(track.n, np.nan)
    ang = body_angles(im)
    depth, min_range = depth_signal(im, depth_lift, info.fps)
    rep_idx = segment_reps(depth, min_range)
    series = back_series(track, facing, chosen in BARBELL_LIFTS)
    torso_px = float(np.nanmedian(torso_length(im[found]))) / max(track.scale, 1e-6)

    # ---- gates for judging the back at all
    reason: str | None = None
    if view.view != "side":
        reason = f"not a side view ({view.view}); the back's shape can only be seen from the side"
        warnings.append(
            WarningItem(
                code="not_side_view",
                message=f"The camera sees the lifter from the {view.view}. {FILMING_GUIDANCE}",
            )
        )
    elif torso_px < MIN_TORSO_PX:
        reason = f"the torso is only {torso_px:.0f} px long (need ≥ {MIN_TORSO_PX:.0f})"
    elif facing == 0:
        reason = "could not tell which way the lifter faces"
    elif not rep_idx:
        reason = "no rep was found"
    if lift_detected and guess.lift == "unknown":
        warnings.append(
            WarningItem(
                code="lift_unknown",
                message=f"Could not tell the lift: {guess.reason}. Pass --lift.",
            )
        )

    # ---- per rep
    reps: list[Rep] = []
    rep_scores: list[tuple[int, float, float, float]] = []  # index, lumbar, whole, score
    for k, r in enumerate(rep_idx, start=1):
        setup_i, bottom_i, lock_i = phase_frames(r, depth, trunk, depth_lift)
        b_setup = phase_back(series, setup_i)
        b_bottom = phase_back(series, bottom_i)
        b_lock = phase_back(series, lock_i)
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
        lean = _angle_at(-signed_trunk, lock_i)
        angles = Angles(
            trunk_bottom_deg=_angle_at(trunk, bottom_i),
            hip_bottom_deg=_angle_at(ang["hip"], bottom_i),
            knee_bottom_deg=_angle_at(ang["knee"], bottom_i),
            trunk_lockout_deg=_angle_at(trunk, lock_i),
            hip_lockout_deg=_angle_at(ang["hip"], lock_i),
            knee_lockout_deg=_angle_at(ang["knee"], lock_i),
            trunk_lean_back_lockout_deg=lean,
        )
        reps.append(
            Rep(
                index=k,
                start_s=round(float(track.t_s[r.start]), 3),
                bottom_s=round(float(track.t_s[r.bottom]), 3),
                lockout_s=round(float(track.t_s[r.lockout]), 3),
                end_s=round(float(track.t_s[r.end]), 3),
                angles=angles,
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
        )
        if (
            rep_ok
            and score is not None
            and b_bottom.lumbar_bow is not None
            and b_bottom.whole_bow is not None
        ):
            rep_scores.append((k, b_bottom.lumbar_bow, b_bottom.whole_bow, score))

    judgeable = bool(rep_scores)
    if reason is None and not judgeable and reps:
        reason = reps[0].back.reason or "the back's outline could not be measured"
    valid_frac = float(np.nanmean(series.valid[found])) if found.any() else 0.0
    q = quality_factor(torso_px, valid_frac if np.isfinite(valid_frac) else 0.0, view.confidence)
    codes = {w.code for w in warnings}
    for code in ("partial_body", "multiple_people", "low_light", "person_lost"):
        if code in codes:
            q *= 0.85

    findings: dict[str, bool | None] = dict(null_findings)
    conf: dict[str, float] = {}
    basis: dict[str, str] = {}
    comparisons: list[Comparison] = []

    # ---- reference clip
    ref = summarize_reference(reference, reference_name) if reference is not None else None
    if ref is not None and not ref.judgeable:
        warnings.append(
            WarningItem(
                code="reference_unusable",
                message=f"The reference clip cannot be used: {ref.reason}.",
            )
        )

    if judgeable:
        # absolute call on the worst rep
        worst = max(rep_scores, key=lambda s: s[3])
        value, c = absolute_call(worst[3], q)
        findings["back_rounds_at_bottom"], conf["back_rounds_at_bottom"] = value, c
        basis["back_rounds_at_bottom"] = "absolute bow at the bottom (weak across people)"
        # rep-to-rep: each later rep against the first judged rep, only when the measure is
        # stable across the set (racks, plates or clothing make it jump by more than the effect).
        lums = np.array([s[1] for s in rep_scores])
        stable = len(lums) < 2 or float(np.ptp(lums)) <= 0.04
        if not stable:
            warnings.append(
                WarningItem(
                    code="back_measure_unstable",
                    message="The back's outline changes a lot from rep to rep (something crosses "
                    "the body?); rep-to-rep comparison skipped.",
                )
            )
        first = rep_scores[0]
        for k, lum, who, _s in rep_scores[1:] if stable else []:
            dv, dc = delta_call(lum - first[1], who - first[2], q)
            comparisons.append(
                Comparison(
                    kind="rep_to_rep",
                    rep=k,
                    against=f"rep {first[0]}",
                    back_change=round(lum - first[1], 4),
                    whole_change=round(who - first[2], 4),
                    confidence=dc if dv else 0.5,
                )
            )
            if dv and _s >= 0.8 and dc > conf.get("back_rounds_at_bottom", 0.0):
                findings["back_rounds_at_bottom"], conf["back_rounds_at_bottom"] = True, dc
                basis["back_rounds_at_bottom"] = f"rep {k} rounds more than rep {first[0]}"
        if ref is not None and ref.judgeable and ref.lumbar is not None and ref.whole is not None:
            best: tuple[bool | None, float] = (None, 0.0)
            for k, lum, who, _s in rep_scores:
                dl, dw = lum - ref.lumbar, who - ref.whole
                dv, dc = delta_call(dl, dw, q)
                comparisons.append(
                    Comparison(
                        kind="reference",
                        rep=k,
                        against=ref.name,
                        back_change=round(dl, 4),
                        whole_change=round(dw, 4),
                        confidence=dc if dv is not None else 0.5,
                    )
                )
                if dv is True or best[0] is None:
                    best = (dv, dc) if dv is not None else best
                # arching against the reference (setup/bottom more concave than the trusted rep)
                if dl <= -0.010 and dw <= -0.015:
                    findings["back_arches_at_setup"] = True
                    conf["back_arches_at_setup"] = _shrink(0.7, q)
                    basis["back_arches_at_setup"] = f"rep {k} is more arched than {ref.name}"
                    reps[k - 1].flags.append(
                        Flag(
                            id="lumbar_hyperextension",
                            phase="setup",
                            confidence=conf["back_arches_at_setup"],
                            basis="more arched than the reference",
                        )
                    )
            if best[0] is not None:
                findings["back_rounds_at_bottom"], conf["back_rounds_at_bottom"] = best
                basis["back_rounds_at_bottom"] = f"change against {ref.name} (same lifter)"
                if findings["back_arches_at_setup"] is None:
                    findings["back_arches_at_setup"] = False
                    conf["back_arches_at_setup"] = _shrink(0.6, q)
                    basis["back_arches_at_setup"] = f"not more arched than {ref.name}"
        # per-rep flexion flags
        for k, lum, who, score in rep_scores:
            vals = [absolute_call(score, q)]
            if (
                ref is not None
                and ref.judgeable
                and ref.lumbar is not None
                and ref.whole is not None
            ):
                dv, dc = delta_call(lum - ref.lumbar, who - ref.whole, q)
                if dv is not None:
                    vals = [(dv, dc)]
            for cmp in comparisons:
                if cmp.kind == "rep_to_rep" and cmp.rep == k and cmp.back_change is not None:
                    dv, dc = delta_call(cmp.back_change, cmp.whole_change or 0.0, q)
                    if dv and score >= 0.8 and stable:
                        vals.append((dv, dc))
            pos = [c for v, c in vals if v]
            if pos:
                reps[k - 1].flags.append(
                    Flag(
                        id="lumbar_flexion",
                        phase="bottom",
                        confidence=max(pos),
                        basis="lower back bows outward at the bottom",
                    )
                )
    else:
        basis["back_rounds_at_bottom"] = f"can't judge the back: {reason}"

    # ---- lean-back at lockout / pressing overhead (keypoints, side view only)
    if view.view == "side" and facing != 0 and reps:
        leans = [
            r.angles.trunk_lean_back_lockout_deg
            for r in reps
            if r.angles.trunk_lean_back_lockout_deg is not None
        ]
        if leans:
            worst_lean = max(leans)
            key = (
                "arches_when_pressing_overhead"
                if chosen == "overhead_press"
                else "back_arches_at_lockout"
            )
            if worst_lean >= 10.0:
                findings[key], conf[key] = True, _shrink(0.65, q)
                basis[key] = f"trunk leans back {worst_lean:.0f}° at lockout"
                for rep in reps:
                    if (rep.angles.trunk_lean_back_lockout_deg or 0.0) >= 10.0:
                        rep.flags.append(
                            Flag(
                                id="lumbar_hyperextension",
                                phase="lockout",
                                confidence=conf[key],
                                basis="trunk leans back at lockout",
                            )
                        )
            elif worst_lean <= 4.0:
                findings[key], conf[key] = False, _shrink(0.6, q)
                basis[key] = f"no lean-back at lockout (≤ {max(worst_lean, 0.0):.0f}°)"
    for k2 in FINDINGS:
        if findings[k2] is None:
            conf.pop(k2, None)
            basis.setdefault(
                k2,
                f"can't judge: {reason}" if reason else "not measurable without a reference clip",
            )

    if not judgeable:
        warnings.append(
            WarningItem(
                code="back_not_judgeable",
                message=f"Can't judge the back from this video: {reason}.",
            )
        )
    return Analysis(
        video=meta,
        view=view.view,
        view_confidence=round(view.confidence, 3),
        lift=chosen,
        lift_detected=lift_detected,
        lift_reason=guess.reason if lift_detected else None,
        reps=reps,
        comparisons=comparisons,
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
