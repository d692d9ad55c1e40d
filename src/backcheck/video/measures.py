"""Back measures: per-frame numbers from a pose Track, and their medians over a rep's phases.

Pure functions on arrays (no decisions, no thresholds of a call): the decisions module reads
what these return. Units: distances in |hip→shoulder| ("|HS|"), angles in degrees.

Cues (docs/video.md, ../shared/spec/back-shape-findings.md):
- bow: sagitta of a parabola fitted to the dorsal edge (+ = convex toward the back = rounded),
  over the lumbar, thoracic and whole-back segments;
- valley: how far the lumbar edge sits below the line from the buttock's peak to the upper
  back's peak (+ = a hollow, as a normal lower back shows; ≤ 0 = no hollow, a rounded one);
- thickness: the trunk's depth front to back at mid-torso, a fingerprint of clothing and camera
  angle that a reference comparison checks for a changed setup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backcheck.video import pose as P
from backcheck.video.backshape import PROFILE_T, SEGMENTS, fit_bow, occluded_points
from backcheck.video.kinematics import midpoint, torso_length
from backcheck.video.reps import HINGES, RepIdx
from backcheck.video.schema import PhaseBack
from backcheck.video.track import Track

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

PLATE_RADIUS = 0.45  # |HS|: a 45 cm plate against a ~50 cm hip-to-shoulder length
BARBELL_LIFTS = ("deadlift", "squat", "rdl", "overhead_press", "good_morning")

BUTTOCK_SPAN = (-0.10, 0.30)  # where the buttock's dorsal peak is looked for (t along H→S)
UPPER_BACK_SPAN = (0.50, 0.90)  # where the upper back's peak is looked for
MIN_SPAN_VALID = 0.5  # fraction of a span's points that must show the edge
THICKNESS_SPAN = (0.35, 0.65)  # mid-torso, away from glutes and shoulder blades

KNEE_FLEXED = 0.25  # |HS|: knee this far off the H→S line means the hip is flexed (knees ventral)
MIN_KNEE_VOTES = 10  # frames with a flexed hip needed to trust the knee vote


def valley_depth(depth: FloatArray, ts: FloatArray = PROFILE_T) -> float:
    """Depth of the lumbar hollow below the buttock-peak → upper-back-peak line (|HS|).

    `depth`: the dorsal edge's distance from the H→S line at `ts` (NaN where not seen).
    NaN when either peak's span or the part between them is mostly hidden.
    """
    d = np.asarray(depth, float)

    def peak(lo: float, hi: float) -> tuple[float, float] | None:
        sel = (ts >= lo - 1e-9) & (ts <= hi + 1e-9) & np.isfinite(d)
        span = (ts >= lo - 1e-9) & (ts <= hi + 1e-9)
        if sel.sum() < max(3, MIN_SPAN_VALID * span.sum()):
            return None
        k = int(np.argmax(np.where(sel, d, -np.inf)))
        return float(ts[k]), float(d[k])

    low = peak(*BUTTOCK_SPAN)
    high = peak(*UPPER_BACK_SPAN)
    if low is None or high is None or high[0] - low[0] < 0.2:
        return math.nan
    between = (ts > low[0]) & (ts < high[0])
    ok = between & np.isfinite(d)
    if ok.sum() < max(3, MIN_SPAN_VALID * between.sum()):
        return math.nan
    chord = low[1] + (ts[ok] - low[0]) * (high[1] - low[1]) / (high[0] - low[0])
    return float(np.max(chord - d[ok]))


def trunk_thickness(front: FloatArray, back: FloatArray, ts: FloatArray = PROFILE_T) -> float:
    """Front-to-back depth of the trunk at mid-torso (|HS|), median over the span; NaN if unseen."""
    sel = (ts >= THICKNESS_SPAN[0]) & (ts <= THICKNESS_SPAN[1])
    total = np.asarray(front, float)[sel] + np.asarray(back, float)[sel]
    total = total[np.isfinite(total)]
    return float(np.median(total)) if len(total) >= 3 else math.nan


def knee_offsets(lm: NDArray[np.floating]) -> FloatArray:
    """Signed distance of the mid-knee from the H→S line along its normal n, per frame (|HS|).

    n = (−u_y, u_x) with u the unit vector hip→shoulder (backshape.frame_axes): the side a body
    part lies on, measured this way, does not change as the trunk tilts.
    """
    hip = midpoint(lm, P.L_HIP, P.R_HIP)
    sh = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)
    knee = midpoint(lm, P.L_KNEE, P.R_KNEE)
    v = sh - hip
    length = np.linalg.norm(v, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = v / length[:, None]
        n = np.stack([-u[:, 1], u[:, 0]], axis=1)
        out: FloatArray = np.sum((knee - hip) * n, axis=1) / length
    return out


def back_side(lm: NDArray[np.floating], facing: float) -> float:
    """Sign along n of the back: the side away from the knees whenever the hip is flexed.

    Toes-vs-heels and nose-vs-ears (`facing`, +1 = image right) pick the wrong side when
    kneeling or on all fours (feet point backward, the head hangs), which made the measure read
    the belly. Flexed-hip frames put the thighs on the belly side in every pose we know (hinge,
    squat, quadruped, child's pose); standing upright they lie on the line and say nothing, so
    `facing` decides then. Returns 0 when neither can tell.
    """
    off = knee_offsets(np.asarray(lm, float))
    flexed = off[np.isfinite(off) & (np.abs(off) >= KNEE_FLEXED)]
    if len(flexed) >= MIN_KNEE_VOTES:
        vote = float(np.mean(np.sign(flexed)))
        if abs(vote) >= 0.5:
            return -float(np.sign(vote))
    return -facing if facing != 0 else 0.0


@dataclass
class BackSeries:
    """Per-frame back measures (NaN where not measured), and the edge drawn on the video."""

    lumbar: FloatArray
    whole: FloatArray
    thoracic: FloatArray
    bend: FloatArray
    valley: FloatArray
    thickness: FloatArray
    valid: FloatArray  # fraction of whole-back edge points seen
    edge: NDArray[np.float32]  # (N, K) dorsal depth actually used (NaN where occluded)
    back_sign: float  # side of the H→S line (along n) where the back is; 0 = unknown

    @property
    def n(self) -> int:
        return len(self.lumbar)


def empty_series(n: int, k: int = len(PROFILE_T)) -> BackSeries:
    """A series with nothing measured (the lifter's side could not be told)."""
    nan = np.full(n, np.nan)
    return BackSeries(
        nan, nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy(), np.zeros(n),
        np.full((n, k), np.nan, np.float32), 0.0,
    )  # fmt: skip


def back_series(track: Track, back_sign: float, barbell: bool) -> BackSeries:
    """Per-frame bows, valley and thickness on the dorsal row, with arms/plates blanked out."""
    n = track.n
    k = track.profile.shape[2] if track.profile.ndim == 3 else len(PROFILE_T)
    if back_sign == 0 or k != len(PROFILE_T):
        return empty_series(n, k)
    lm = track.image.astype(float)
    row = 0 if back_sign > 0 else 1
    hip = midpoint(lm, P.L_HIP, P.R_HIP)
    sh = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)
    length = torso_length(lm)
    out = np.full((6, n), np.nan)
    valid = np.zeros(n)
    edge = np.full((n, k), np.nan, np.float32)
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
        out[4, i] = valley_depth(d)
        out[5, i] = trunk_thickness(track.profile[i, 1 - row].astype(float), d)
        valid[i] = float(np.isfinite(d[whole_sel]).mean())
    return BackSeries(out[0], out[1], out[2], out[3], out[4], out[5], valid, edge, back_sign)


def median_of(x: FloatArray, digits: int = 4) -> float | None:
    """Median of the finite values, rounded; None when there are none."""
    x = x[np.isfinite(x)]
    return round(float(np.median(x)), digits) if len(x) else None


def phase_back(series: BackSeries, idx: IntArray) -> PhaseBack:
    """Medians of the back measures over a phase's frames (single-frame flips drop out).

    A frame counts as valid when its whole-back bow and valley were both measured.
    """
    if len(idx) == 0:
        return PhaseBack()
    ok = np.isfinite(series.whole[idx]) & np.isfinite(series.valley[idx])
    good = idx[ok]
    return PhaseBack(
        lumbar_bow=median_of(series.lumbar[good]),
        whole_bow=median_of(series.whole[good]),
        thoracic_bow=median_of(series.thoracic[idx]),
        lumbar_bend_deg=median_of(series.bend[good]),
        valley=median_of(series.valley[good]),
        thickness=median_of(series.thickness[good]),
        valid_frames=int(ok.sum()),
        frames=len(idx),
    )


def phase_frames(
    rep: RepIdx, depth: FloatArray, trunk: FloatArray, lift: str
) -> tuple[IntArray, IntArray, IntArray]:
    """Frame indices of setup (mid-descent), bottom (deepest) and lockout phases of a rep.

    Hinges: bottom = trunk within 7° of the rep's maximum inclination; squats and presses:
    the deepest 10 % of the depth signal's travel.
    """
    seg = np.arange(rep.start, rep.end + 1)
    before = np.arange(rep.start, rep.bottom + 1)
    after = np.arange(rep.lockout, rep.end + 1)
    if lift in HINGES:
        top = float(np.nanmax(trunk[seg]))
        bottom = seg[trunk[seg] >= top - 7.0]
        setup = before[(trunk[before] >= 0.35 * top) & (trunk[before] <= 0.7 * top)]
        lockout = after[trunk[after] <= max(15.0, float(np.nanmin(trunk[after])) + 5.0)][:30]
    else:
        d = depth[seg]
        span = float(d.max() - d.min()) or 1.0
        bottom = seg[d >= d.max() - 0.1 * span]
        db = depth[before]
        setup = before[(db >= d.min() + 0.35 * span) & (db <= d.min() + 0.7 * span)]
        lockout = after[depth[after] <= float(depth[after].min()) + 0.1 * span][:30]
    return setup, bottom, lockout


def angle_at(x: FloatArray, idx: IntArray) -> float | None:
    """Median angle over a phase's frames, to 0.1°."""
    return median_of(x[idx], 1)


def clip_torso_px(track: Track) -> float:
    """Median hip-to-shoulder length in the video's own pixels (before analysis scaling)."""
    im = track.image[track.found].astype(float)
    if not len(im):
        return 0.0
    return float(np.nanmedian(torso_length(im))) / max(track.scale, 1e-6)
