"""From a pose Track to the Analysis JSON: signals → reps → measures → decisions → Analysis.

Pure (arrays in, model out) so tests run it on cached tracks. The numbers come from
`measures`, the calls from `decisions` (all thresholds are named there); this module only
wires them together and words the result. `run_analysis` (pipeline) is the I/O adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backcheck.core.vocabulary import VIDEO_FINDINGS, VIDEO_NOT_MEASURED
from backcheck.video import decisions as D
from backcheck.video.decisions import CONFIDENT, BackNumbers, Call, Setup
from backcheck.video.decode import WARN_UNDECODABLE_SHARE
from backcheck.video.kinematics import body_angles, facing_sign, trunk_inclination
from backcheck.video.measures import (
    BARBELL_LIFTS,
    BackSeries,
    angle_at,
    back_series,
    back_side,
    clip_torso_px,
    phase_back,
    phase_frames,
)
from backcheck.video.quality import (
    FILMING_GUIDANCE,
    GOOD_TORSO_PX,
    MIN_TORSO_PX,
    ViewResult,
    classify_view,
    image_warnings,
)
from backcheck.video.reps import LIFTS, LiftGuess, RepIdx, depth_signal, detect_lift, segment_reps
from backcheck.video.schema import (
    Analysis,
    Angles,
    BackJudgement,
    BackSummary,
    Comparison,
    Flag,
    ReferenceUse,
    Rep,
    RepBack,
    VideoMeta,
    WarningItem,
)
from backcheck.video.track import Track

__all__ = [
    "BARBELL_LIFTS",
    "CONFIDENT",
    "BackSeries",
    "ClipResult",
    "analyze_track",
    "analyze_track_full",
    "frame_state",
]

FloatArray = NDArray[np.float64]

FINDINGS = VIDEO_FINDINGS  # one source: backcheck.core.vocabulary
ARCH_FINDINGS = FINDINGS[1:]
# Smallest torso a same-lifter comparison is trusted on: shrunk to 61-93 px, three dev pairs
# changed by the same amount as at full size (within 0.004 |HS|) and were called right both ways.
REF_MIN_TORSO_PX = 60.0


@dataclass(frozen=True)
class ClipSignals:
    """Everything the decisions read, derived once from the track (view, lift, reps, back)."""

    view: ViewResult
    guess: LiftGuess
    lift_detected: bool
    lift: str  # the lift analysed: the one asked for, or the detected one
    depth_lift: str  # the lift whose depth signal segments the reps (a known one)
    facing: float  # +1 image right, −1 image left, 0 unknown
    angles: dict[str, FloatArray]
    signed_trunk: FloatArray
    depth: FloatArray
    rep_idx: list[RepIdx]
    series: BackSeries
    torso_px: float


@dataclass(frozen=True)
class ClipResult:
    """The analysis and the per-frame back series it was made from (the annotated video and
    the plot draw that series, so the pipeline never computes it twice)."""

    analysis: Analysis
    series: BackSeries


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
        frames_undecodable=track.decode.undecodable,
        undecodable_share=round(track.decode.undecodable_share, 3),
    )


def decode_warnings(track: Track) -> list[WarningItem]:
    """A warning when more than WARN_UNDECODABLE_SHARE of the frames could not be decoded
    (beyond REFUSE_UNDECODABLE_SHARE the decoder refused the clip already)."""
    stats = track.decode
    if stats.undecodable_share <= WARN_UNDECODABLE_SHARE:
        return []
    return [
        WarningItem(
            code="frames_undecodable",
            message=f"{stats.undecodable_share:.0%} of the video's frames could not be decoded "
            f"({stats.undecodable} of {stats.total}): the file is damaged, so reps and the "
            "back's shape may be missed. Export or film it again.",
        )
    ]


def clip_signals(track: Track, lift: str) -> ClipSignals:
    """View, lift, facing, angles, depth signal, reps and back series: computed once, here."""
    im = track.image.astype(float)
    found = track.found
    guess = detect_lift(im)
    lift_detected = lift == "auto"
    chosen = guess.lift if lift_detected else lift
    depth_lift = chosen if chosen in LIFTS else "deadlift"
    side = back_side(im[found], facing_sign(im[found]))
    facing = -side
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
        series=back_series(track, side, chosen in BARBELL_LIFTS),
        torso_px=clip_torso_px(track),
    )


def gate_reason(sig: ClipSignals, min_torso_px: float = MIN_TORSO_PX) -> str | None:
    """Why the back cannot be judged at all in this clip (None when it can be tried)."""
    if sig.view.view != "side":
        return f"not a side view ({sig.view.view}); the back's shape can only be seen from the side"
    if sig.torso_px < min_torso_px:
        return f"the torso is only {sig.torso_px:.0f} px long (need ≥ {min_torso_px:.0f})"
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
                message=f"Could not tell the lift: {sig.guess.reason}. Choose the lift.",
            )
        )
    return out


def rep_angles(sig: ClipSignals, bottom: NDArray[np.intp], lockout: NDArray[np.intp]) -> Angles:
    """Joint angles at the bottom and at lockout (medians over the phase's frames)."""
    ang = sig.angles
    return Angles(
        trunk_bottom_deg=angle_at(ang["trunk"], bottom),
        hip_bottom_deg=angle_at(ang["hip"], bottom),
        knee_bottom_deg=angle_at(ang["knee"], bottom),
        trunk_lockout_deg=angle_at(ang["trunk"], lockout),
        hip_lockout_deg=angle_at(ang["hip"], lockout),
        knee_lockout_deg=angle_at(ang["knee"], lockout),
        trunk_lean_back_lockout_deg=angle_at(-sig.signed_trunk, lockout),
    )


def measure_rep(
    k: int, r: RepIdx, sig: ClipSignals, t_s: FloatArray, reason: str | None
) -> tuple[Rep, BackNumbers | None]:
    """One rep's times, angles and phase measures; its BackNumbers only if judgeable.

    A rep needs MIN_BOTTOM_FRAMES bottom frames with a usable edge: fewer, and one arm or
    plate frame would decide the call.
    """
    setup_i, bottom_i, lock_i = phase_frames(r, sig.depth, sig.angles["trunk"], sig.depth_lift)
    b_setup = phase_back(sig.series, setup_i)
    b_bottom = phase_back(sig.series, bottom_i)
    b_lock = phase_back(sig.series, lock_i)
    rep_ok = (
        reason is None
        and b_bottom.valid_frames >= D.MIN_BOTTOM_FRAMES
        and b_bottom.whole_bow is not None
        and b_bottom.valley is not None
    )
    rep_reason = reason
    if reason is None and not rep_ok:
        rep_reason = (
            f"only {b_bottom.valid_frames} of {b_bottom.frames} bottom frames show the back's "
            "edge (arms, hands, hair or a plate over it, or a broken outline)"
        )
    numbers = (
        BackNumbers(b_bottom.whole_bow, b_bottom.valley)
        if rep_ok and b_bottom.whole_bow is not None and b_bottom.valley is not None
        else None
    )
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
            rounding_score=None if numbers is None else round(D.single_clip_score(numbers), 3),
            judgeable=numbers is not None,
            reason=None if numbers is not None else rep_reason,
        ),
    )
    return rep, numbers


def quality_factor(torso_px: float, valid_frac: float, view_conf: float) -> float:
    """0.6–1.0: how much to trust a back call given size, contour completeness and view."""
    size = float(np.clip((torso_px - MIN_TORSO_PX) / (GOOD_TORSO_PX - MIN_TORSO_PX), 0.0, 1.0))
    return float(0.6 + 0.4 * (0.5 * size + 0.25 * valid_frac + 0.25 * view_conf))


def clip_quality(sig: ClipSignals, found: NDArray[np.bool_], warnings: list[WarningItem]) -> float:
    """Quality factor of the clip, lowered 15 % per image problem that can fool the mask."""
    valid = sig.series.valid[found]
    valid_frac = float(np.mean(valid)) if len(valid) else 0.0
    q = quality_factor(sig.torso_px, valid_frac, sig.view.confidence)
    codes = {w.code for w in warnings}
    for code in (
        "partial_body",
        "multiple_people",
        "low_light",
        "person_lost",
        "frames_undecodable",
    ):
        if code in codes:
            q *= 0.85
    return q


def back_summary(sig: ClipSignals, reps: list[Rep], judged: list[BackNumbers]) -> BackSummary:
    """Medians over the judged reps plus the setup fingerprint (for use as a reference)."""
    lumbar = [
        r.back.bottom.lumbar_bow
        for r in reps
        if r.back.judgeable and r.back.bottom.lumbar_bow is not None
    ]
    thick = [
        r.back.bottom.thickness
        for r in reps
        if r.back.judgeable and r.back.bottom.thickness is not None
    ]
    return BackSummary(
        whole_bow=round(float(np.median([b.whole for b in judged])), 4),
        valley=round(float(np.median([b.valley for b in judged])), 4),
        lumbar_bow=round(float(np.median(lumbar)), 4) if lumbar else None,
        torso_px=round(sig.torso_px, 1),
        thickness=round(float(np.median(thick)), 4) if thick else None,
        back_side=sig.series.back_sign,
        reps=len(judged),
    )


@dataclass
class Verdict:
    """What judging the back produced: calls by finding, comparisons, per-rep flags, warnings."""

    calls: dict[str, Call]
    comparisons: list[Comparison]
    flags: dict[int, list[Flag]]
    warnings: list[WarningItem]


def comparison_of(kind: str, rep: int, against: str, dw: float, dv: float, c: Call) -> Comparison:
    """One comparison row of the JSON."""
    return Comparison(
        kind="reference" if kind == "reference" else "rep_to_rep",
        rep=rep,
        against=against,
        back_change=round(dw, 4),
        whole_change=round(dw, 4),
        valley_change=round(dv, 4),
        rounds_more=c.value,
        confidence=c.confidence if c.confidence is not None else 0.5,
    )


def too_small_for_one_clip(torso_px: float) -> str:
    """Why a torso measured for a comparison is still too small for a call from one clip."""
    return (
        f"the torso is only {torso_px:.0f} px long: too small to judge from one clip "
        f"(need ≥ {MIN_TORSO_PX:.0f}); a reference set filmed the same way can still be compared"
    )


def judge_back(
    reps: list[Rep],
    judged: list[tuple[int, BackNumbers]],
    q: float,
    ref: tuple[str, BackNumbers] | None,
    torso_px: float = GOOD_TORSO_PX,
) -> Verdict:
    """The back calls on the judged reps: single clip, rep to rep, and against the reference.

    Below the single-clip size gate only the reference comparison is made (its noise was
    measured at such sizes; one clip's and rep-to-rep noise were not)."""
    numbers = [b for _, b in judged]
    warnings: list[WarningItem] = []
    if torso_px < MIN_TORSO_PX:
        single = Call(None, None, "single clip", too_small_for_one_clip(torso_px))
        verdict = judge_back(reps, judged, q, ref)
        verdict.calls = {k: c for k, c in verdict.calls.items() if c.basis == "reference"} or {
            "back_rounds_at_bottom": single
        }
        verdict.comparisons = [c for c in verdict.comparisons if c.kind == "reference"]
        verdict.flags = {
            k: [f for f in fl if f.kind == "reference"] for k, fl in verdict.flags.items()
        }
        return verdict
    if len(numbers) >= D.REP_MIN_REPS and not D.set_is_stable(numbers):
        warnings.append(
            WarningItem(
                code="back_measure_unstable",
                message="The back's outline changes a lot from rep to rep (something crosses "
                "the body?); rep-to-rep comparison skipped.",
            )
        )
    single = D.single_clip_call(numbers, q)
    rep_calls = D.rep_to_rep_calls(numbers, q)
    comparisons: list[Comparison] = []
    flags: dict[int, list[Flag]] = {}
    if len(numbers) >= D.REP_MIN_REPS and D.set_is_stable(numbers):
        base = D.rep_baseline(numbers)
        first = ", ".join(str(k) for k, _ in judged[: D.REP_BASELINE_REPS])
        for (k, b), c in zip(judged, rep_calls, strict=True):
            if c is None:
                continue
            dw, dv = D.rep_change(b, base)
            comparisons.append(comparison_of("rep_to_rep", k, f"reps {first}", dw, dv, c))
            if c.value:
                flag = rounding_flag(c, "rounds more than the set's first reps", "rep to rep")
                flags.setdefault(k, []).append(flag)
    ref_calls: list[Call] | None = None
    calls: dict[str, Call] = {}
    if ref is not None:
        name, ref_b = ref
        ref_calls = [D.reference_call(b, ref_b, q) for b in numbers]
        for (k, b), c in zip(judged, ref_calls, strict=True):
            dw, dv = D.reference_change(b, ref_b)
            comparisons.append(comparison_of("reference", k, name, dw, dv, c))
            if c.value:
                flag = rounding_flag(c, "rounds more than the reference", "reference")
                flags.setdefault(k, []).append(flag)
        arch = D.reference_arch_call(numbers, ref_b, q)
        calls["back_arches_at_setup"] = arch
    elif single.value:
        for k, b in judged:
            if D.single_clip_score(b) >= D.POSSIBLE_ROUNDING_SCORE:
                flags.setdefault(k, []).append(
                    Flag(
                        id="lumbar_flexion",
                        phase="bottom",
                        confidence=single.confidence or 0.5,
                        basis="possible rounding at the bottom: check it",
                        kind="single clip",
                    )
                )
    calls["back_rounds_at_bottom"] = D.rounding_call(single, rep_calls, ref_calls)
    return Verdict(calls, comparisons, flags, warnings)


def cant_judge(reason: str | None) -> Verdict:
    """No judged rep: the rounding finding says why, and a warning tells the user."""
    return Verdict(
        {"back_rounds_at_bottom": Call(None, None, "single clip", f"can't judge: {reason}")},
        [],
        {},
        [
            WarningItem(
                code="back_not_judgeable",
                message=f"Can't judge the back from this video: {reason}.",
            )
        ],
    )


def findings_of(
    calls: dict[str, Call], lift: str, reference_used: bool
) -> tuple[dict[str, bool | None], dict[str, float], dict[str, D.Basis], dict[str, str]]:
    """findings / finding_confidence / finding_basis / finding_reason: every finding gets a
    basis and a reason; confidences only for findings actually called."""
    out = dict(calls)
    for k in ARCH_FINDINGS:
        if k not in out:
            why = (
                VIDEO_NOT_MEASURED
                if (k == "arches_when_pressing_overhead") != (lift == "overhead_press")
                else "over-arching is judged only against a reference set"
            )
            if reference_used and k == "back_arches_at_lockout":
                why = "the plate hides the lower back at lockout"
            out[k] = Call(None, None, "reference" if reference_used else "single clip", why)
    findings: dict[str, bool | None] = {k: out[k].value for k in FINDINGS}
    conf = {
        k: c.confidence for k, c in out.items() if c.value is not None and c.confidence is not None
    }
    basis = {k: out[k].basis for k in FINDINGS}
    reason = {k: out[k].reason for k in FINDINGS}
    return findings, conf, basis, reason


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
        finding_basis=dict.fromkeys(FINDINGS, "single clip"),
        finding_reason=dict.fromkeys(FINDINGS, "no person found in the video"),
        back_judgement=BackJudgement(judgeable=False, reason="no person found in the video"),
        warnings=warnings,
        engine=track.engine,
        filming_guidance=FILMING_GUIDANCE,
    )


def reference_fit(
    summary: BackSummary | None, name: str, clip: Setup | None
) -> tuple[ReferenceUse, tuple[str, BackNumbers] | None]:
    """Whether the reference can be compared with this clip, and its numbers if so."""
    if summary is None:
        return ReferenceUse(
            name=name, used=False, reason="its back could not be measured"
        ), None  # fmt: skip
    if clip is None:
        return ReferenceUse(
            name=name, used=False, reason="this clip's back could not be measured"
        ), None
    ref_setup = Setup(summary.torso_px, summary.back_side, summary.thickness)
    why = D.setup_mismatch(clip, ref_setup)
    if why is not None:
        return ReferenceUse(name=name, used=False, reason=why), None
    return ReferenceUse(name=name, used=True), (
        name,
        BackNumbers(summary.whole_bow, summary.valley),
    )


def rounding_flag(call: Call, basis: str, kind: str) -> Flag:
    """The bottom-of-rep rounding flag a comparison call raises (same-lifter bases only)."""
    return Flag(
        id="lumbar_flexion",
        phase="bottom",
        confidence=call.confidence or 0.5,
        basis=basis,
        kind=kind,
    )


def analyze_track_full(
    track: Track,
    lift: str = "auto",
    reference: Track | BackSummary | None = None,
    reference_name: str = "reference",
    reference_sets: Mapping[str, tuple[str, BackSummary]] | None = None,
) -> ClipResult:
    """The whole analysis on per-frame arrays (no I/O), with the back series it used.

    `reference`: the lifter's reference set, as a track or as the `back_summary` of its own
    analysis. `reference_sets`: the lifter's reference sets by lift, (name, summary) each (the
    web app keeps them): the one of the lift analysed is used when `reference` is not given.
    """
    warnings = decode_warnings(track) + [
        WarningItem(code=w.code, message=w.message)
        for w in image_warnings(track.image, track.found, track.luma, track.frame_size, track.scale)
    ]
    if track.found.sum() < 5:
        empty = back_series(track, 0.0, False)
        return ClipResult(no_person_analysis(track, video_meta(track), lift, warnings), empty)
    sig = clip_signals(track, lift)
    ref_summary: BackSummary | None = None
    if isinstance(reference, Track):
        ref_summary = analyze_track(reference, lift=sig.lift).back_summary
    elif reference is not None:
        ref_summary = reference
    elif reference_sets and sig.lift in reference_sets:
        reference_name, ref_summary = reference_sets[sig.lift]
        reference = ref_summary
    # Measured down to the comparison gate (a small reference set still gets its summary);
    # the single-clip call keeps its own, higher gate (judge_back).
    reason = gate_reason(sig, min(REF_MIN_TORSO_PX, MIN_TORSO_PX))
    warnings += gate_warnings(sig)
    measured = [measure_rep(k, r, sig, track.t_s, reason) for k, r in enumerate(sig.rep_idx, 1)]
    reps = [rep for rep, _ in measured]
    judged = [(rep.index, b) for rep, b in measured if b is not None]
    if reason is None and not judged and reps:
        reason = reps[0].back.reason or "the back's outline could not be measured"
    q = clip_quality(sig, track.found, warnings)
    summary = back_summary(sig, reps, [b for _, b in judged]) if judged else None
    ref_use: ReferenceUse | None = None
    ref: tuple[str, BackNumbers] | None = None
    if reference is not None:
        clip_setup = (
            Setup(summary.torso_px, summary.back_side, summary.thickness) if summary else None
        )
        ref_use, ref = reference_fit(ref_summary, reference_name, clip_setup)
        if not ref_use.used:
            warnings.append(
                WarningItem(
                    code="reference_unusable",
                    message="This clip can't be compared with your reference set: "
                    f"{ref_use.reason}.",
                )
            )
    verdict = judge_back(reps, judged, q, ref, sig.torso_px) if judged else cant_judge(reason)
    judgeable = bool(judged) and (sig.torso_px >= MIN_TORSO_PX or ref is not None)
    if judged and not judgeable:
        reason = too_small_for_one_clip(sig.torso_px)
        warnings.append(
            WarningItem(code="back_not_judgeable", message=f"Can't judge the back: {reason}.")
        )
    warnings += verdict.warnings
    leans = [
        r.angles.trunk_lean_back_lockout_deg
        for r in reps
        if r.angles.trunk_lean_back_lockout_deg is not None
    ]
    note = D.lean_back_note(leans) if sig.view.view == "side" else None
    if note:
        warnings.append(WarningItem(code="leans_back_at_lockout", message=note))
    for rep in reps:
        rep.flags.extend(verdict.flags.get(rep.index, []))
    findings, conf, basis, why = findings_of(verdict.calls, sig.lift, ref is not None)
    analysis = Analysis(
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
        finding_reason=why,
        back_judgement=BackJudgement(
            judgeable=judgeable,
            reason=None if judgeable else reason,
            torso_px=round(sig.torso_px, 1),
        ),
        warnings=warnings,
        back_summary=summary,
        reference=ref_use,
        engine=track.engine,
        filming_guidance=FILMING_GUIDANCE,
    )
    return ClipResult(analysis, sig.series)


def analyze_track(
    track: Track,
    lift: str = "auto",
    reference: Track | BackSummary | None = None,
    reference_name: str = "reference",
) -> Analysis:
    """The Analysis of a track (see analyze_track_full)."""
    return analyze_track_full(track, lift, reference, reference_name).analysis


def frame_state(series: BackSeries, i: int) -> str:
    """Colour state of the back line in frame i: green / amber / red / grey (not measured)."""
    return D.frame_state(float(series.whole[i]), float(series.valley[i]))
