"""Rep and phase segmentation from a motion signal, and lift detection (pure numpy).

Every lift is reduced to one "depth" signal that is high at the bottom of the rep and low at
lockout: trunk inclination for hinges (deadlift, RDL, good morning), hip drop for squats, and
bar (wrist) lowness for overhead presses. A rep is one excursion of that signal above a high
threshold, bounded by hysteresis, so noise near a threshold cannot split a rep.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backcheck.core.vocabulary import LIFTS as LIFTS  # re-exported: one source
from backcheck.video import pose as P
from backcheck.video.kinematics import body_angles, midpoint, smooth, torso_length

FloatArray = NDArray[np.float64]

HINGES = ("deadlift", "rdl", "good_morning")


@dataclass(frozen=True)
class RepIdx:
    """Frame indices of one rep: leaving the top, deepest point, back at lockout, end."""

    start: int
    bottom: int
    lockout: int
    end: int


def segment_reps(
    depth: FloatArray,
    min_range: float,
    high: float = 0.6,
    low: float = 0.3,
    settle: float = 0.12,
) -> list[RepIdx]:
    """Find reps in a depth signal (already smoothed; high = bottom position).

    `min_range`: the signal must travel at least this much (in its own units) for anything to
    count as a rep. Thresholds are fractions of the clip's range (5th–95th percentile). A clip that
    starts at the bottom (deadlift from the floor) gets a rep whose start is frame 0.
    """
    x = np.asarray(depth, float)
    n = len(x)
    if n < 3 or not np.all(np.isfinite(x)):
        return []
    lo, hi = np.percentile(x, 2), np.percentile(x, 98)
    if hi - lo < min_range:
        return []
    s = (x - lo) / (hi - lo)
    regions: list[tuple[int, int]] = []
    inside = False
    begin = 0
    for i, v in enumerate(s):
        if not inside and v >= high:
            inside, begin = True, i
        elif inside and v <= low:
            regions.append((begin, i))
            inside = False
    if inside:
        regions.append((begin, n))
    reps: list[RepIdx] = []
    for k, (a, b) in enumerate(regions):
        bottom = a + int(np.argmax(s[a:b]))
        prev_end = regions[k - 1][1] if k > 0 else 0
        next_begin = regions[k + 1][0] if k + 1 < len(regions) else n
        # start: the last frame before the descent where the signal was near its local top.
        before = s[prev_end : bottom + 1]
        if len(before) and before.min() < high:
            floor = before.min()
            near = np.nonzero(before <= floor + settle)[0]
            start = prev_end + int(near[-1])
        else:
            start = prev_end
        after = s[bottom:next_begin]
        floor = after.min()
        lock_rel = np.nonzero(after <= floor + settle)[0]
        lockout = bottom + int(lock_rel[0]) if len(lock_rel) else next_begin - 1
        if floor > low:  # never came back up within the clip
            lockout = min(n - 1, bottom + int(np.argmin(after)))
        # end: the last frame at the top before the next descent (or the clip's end).
        tail = s[lockout:next_begin]
        near_top = np.nonzero(tail <= floor + settle)[0]
        end = lockout + int(near_top[-1]) if len(near_top) else lockout
        if k + 1 == len(regions):
            end = n - 1
        reps.append(RepIdx(start, bottom, max(lockout, bottom), max(end, lockout, bottom)))
    # A last excursion that never comes back up, after a full rep, is that rep being lowered
    # (deadlift bar back to the floor): it belongs to the previous rep, not a new one.
    if len(reps) >= 2 and regions[-1][1] == n and s[reps[-1].bottom :].min() > low:
        last = reps.pop()
        prev = reps[-1]
        reps[-1] = RepIdx(prev.start, prev.bottom, prev.lockout, last.end)
    return reps


def depth_signal(lm: NDArray[np.floating], lift: str, fps: float) -> tuple[FloatArray, float]:
    """The lift's depth signal (smoothed) and the minimum travel that counts as a rep."""
    window = max(3, round(fps * 0.15) | 1)
    torso = np.nanmedian(torso_length(lm))
    if lift in HINGES:
        return smooth(body_angles(lm)["trunk"], window), 25.0
    if lift == "squat":
        hip_y = midpoint(lm, P.L_HIP, P.R_HIP)[:, 1] / max(torso, 1.0)
        return smooth(hip_y, window), 0.35
    if lift == "overhead_press":
        wrist_y = midpoint(lm, P.L_WRIST, P.R_WRIST)[:, 1]
        sh_y = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)[:, 1]
        return smooth((wrist_y - sh_y) / max(torso, 1.0), window), 0.5
    raise ValueError(f"unknown lift {lift!r}")


@dataclass(frozen=True)
class LiftGuess:
    """Detected lift with a short reason (shown in the JSON and the text report)."""

    lift: str  # one of LIFTS or "unknown"
    reason: str


@dataclass(frozen=True)
class Body:
    """Smoothed trunk angle, joint angles and key points of the frames with a torso."""

    torso: float  # median hip-to-shoulder length (px): the unit of every distance below
    trunk: FloatArray
    angles: dict[str, FloatArray]
    shoulder: FloatArray
    hip: FloatArray
    knee: FloatArray
    wrist: FloatArray
    nose: FloatArray


@dataclass(frozen=True)
class MotionFeatures:
    """What tells squats and hinges apart, in torso units and degrees."""

    trunk_range: float  # trunk travel, 5th–95th percentile
    knee_deep: float  # knee angle when the trunk is deepest
    hip_drop: float  # hip travel below its top
    wrist_below_knee: float  # at the deepest trunk
    wrist_to_shoulder: float  # at the deepest trunk
    knee_low: float  # knee angle when the hips are lowest
    trunk_low: float  # trunk angle when the hips are lowest
    thigh_level: float  # knee below hip when the hips are lowest (0 = thigh level)
    hands_high: bool  # hands well above the hips when the hips are lowest


def body_of(lm: NDArray[np.floating]) -> Body:
    """Key points and angles of frames that all have shoulders and hips."""
    ang = body_angles(lm)
    return Body(
        torso=float(np.nanmedian(torso_length(lm))),
        trunk=smooth(ang["trunk"], 5),
        angles=ang,
        shoulder=midpoint(lm, P.L_SHOULDER, P.R_SHOULDER),
        hip=midpoint(lm, P.L_HIP, P.R_HIP),
        knee=midpoint(lm, P.L_KNEE, P.R_KNEE),
        wrist=midpoint(lm, P.L_WRIST, P.R_WRIST),
        nose=lm[:, P.NOSE, :2].astype(float),
    )


def is_overhead_press(b: Body) -> bool:
    """Wrists go above the head often enough, travel a torso-scale distance, trunk upright."""
    overhead = b.wrist[:, 1] < b.nose[:, 1]
    wrist_rel = smooth((b.wrist[:, 1] - b.shoulder[:, 1]) / b.torso, 5)
    return bool(
        overhead.mean() > 0.15 and np.percentile(b.trunk, 90) < 30 and np.ptp(wrist_rel) > 0.6
    )


def motion_features(b: Body) -> MotionFeatures:
    """Posture at the deepest trunk and at the lowest hips (medians, so flips drop out)."""
    trunk, ang, torso = b.trunk, b.angles, b.torso
    sh, hip, knee, wrist = b.shoulder, b.hip, b.knee, b.wrist
    hip_rel = smooth((hip[:, 1] - np.percentile(hip[:, 1], 5)) / torso, 5)
    deep = trunk >= np.percentile(trunk, 90)
    hip_drop = float(np.percentile(hip_rel, 95))
    low_hip = hip_rel >= 0.9 * hip_drop
    return MotionFeatures(
        trunk_range=float(np.percentile(trunk, 95) - np.percentile(trunk, 5)),
        knee_deep=float(np.nanmedian(ang["knee"][deep])),
        hip_drop=hip_drop,
        wrist_below_knee=float(np.nanmedian(wrist[deep, 1] - knee[deep, 1])) / torso,
        wrist_to_shoulder=float(np.nanmedian(np.linalg.norm(wrist[deep] - sh[deep], axis=1)))
        / torso,
        knee_low=float(np.nanmedian(ang["knee"][low_hip])),
        trunk_low=float(np.nanmedian(trunk[low_hip])),
        thigh_level=float(np.nanmedian((knee[low_hip, 1] - hip[low_hip, 1]) / torso)),
        hands_high=float(np.nanmedian(hip[low_hip, 1] - wrist[low_hip, 1])) / torso > 0.2,
    )


def classify_motion(f: MotionFeatures) -> LiftGuess:
    """Squat vs the hinges (deadlift, RDL, good morning) from the motion features."""
    if (
        f.hip_drop > 0.5
        and f.trunk_low < 55
        and f.knee_low < 120
        and f.thigh_level < 0.45
        and f.hands_high
    ):
        return LiftGuess("squat", "hips drop to knee level, trunk fairly upright, hands high")
    if f.trunk_range >= 30:
        if f.wrist_to_shoulder < 0.75 and f.wrist_below_knee < -0.5:
            return LiftGuess("good_morning", "trunk hinges forward with the hands at the shoulders")
        if f.knee_deep < 145 and f.wrist_below_knee > -0.15:
            return LiftGuess(
                "deadlift", "trunk hinges and knees bend with the hands near the shins"
            )
        return LiftGuess("rdl", "trunk hinges with the knees almost straight")
    if f.hip_drop > 0.45 and f.hands_high:
        return LiftGuess("squat", "hips drop with the trunk fairly upright")
    return LiftGuess("unknown", "no clear lifting motion was found")


def detect_lift(lm: NDArray[np.floating]) -> LiftGuess:
    """Guess the lift from how the body moves (side view works best; other views may be unknown).

    Overhead press: wrists travel from shoulders to above the head while the trunk stays upright.
    Squat: hips drop toward knee level with the trunk fairly upright. Hinges: the trunk travels
    ≥ 30°; at the deepest point bent knees and hands below the knees say deadlift, straight-ish
    knees say RDL, hands at the shoulders or head say good morning.
    """
    ok = np.all(np.isfinite(lm[:, [11, 12, 23, 24], :2]), axis=(1, 2))
    if ok.sum() < 10:
        return LiftGuess("unknown", "too few frames with a body")
    body = body_of(lm[ok])
    if is_overhead_press(body):
        return LiftGuess("overhead_press", "hands travel from the shoulders to above the head")
    return classify_motion(motion_features(body))
