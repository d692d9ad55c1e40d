"""Joint angles and motion signals from landmark arrays (pure numpy, no video).

Angles are 2-D, in the image plane: meaningful in a side view, which is the only view where the
back is judged. Trunk inclination is 0° upright and 90° horizontal; its signed version is
positive leaning forward (toward where the lifter faces) and negative leaning back.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from backcheck.video import pose as P

FloatArray = NDArray[np.float64]


def midpoint(lm: NDArray[np.floating], a: int, b: int) -> FloatArray:
    """Mid-point of landmarks a and b for every frame: (N, 2)."""
    out: FloatArray = (lm[:, a, :2].astype(float) + lm[:, b, :2].astype(float)) / 2.0
    return out


def joint_angle(a: FloatArray, b: FloatArray, c: FloatArray) -> FloatArray:
    """Angle ABC in degrees (180 = straight) for arrays of points (N, 2)."""
    v1 = a - b
    v2 = c - b
    cos = np.sum(v1 * v2, axis=1) / (np.linalg.norm(v1, axis=1) * np.linalg.norm(v2, axis=1) + 1e-9)
    out: FloatArray = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
    return out


def facing_sign(lm: NDArray[np.floating]) -> float:
    """+1 if the lifter faces image-right, −1 if image-left (median over frames; 0 if unknown).

    Toes-versus-heels and nose-versus-ears agree on every side-view clip we have; both are used.
    """
    feet = (lm[:, P.L_FOOT, 0] + lm[:, P.R_FOOT, 0]) / 2 - (
        lm[:, P.L_HEEL, 0] + lm[:, P.R_HEEL, 0]
    ) / 2
    head = lm[:, P.NOSE, 0] - (lm[:, P.L_EAR, 0] + lm[:, P.R_EAR, 0]) / 2
    if not len(lm):
        return 0.0
    votes = np.concatenate([np.sign(feet), np.sign(head)])
    votes = votes[np.isfinite(votes)]
    if not len(votes):
        return 0.0
    score = float(votes.mean())
    return float(np.sign(score)) if abs(score) >= 0.2 else 0.0


def trunk_inclination(lm: NDArray[np.floating], facing: float = 0.0) -> FloatArray:
    """Trunk angle from vertical per frame (deg). Signed (+ forward) when `facing` is ±1."""
    hip = midpoint(lm, P.L_HIP, P.R_HIP)
    sh = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)
    dx = sh[:, 0] - hip[:, 0]
    dy = hip[:, 1] - sh[:, 1]  # image y points down
    if facing == 0.0:
        return np.degrees(np.arctan2(np.abs(dx), dy))
    return np.degrees(np.arctan2(dx * facing, dy))


def body_angles(lm: NDArray[np.floating]) -> dict[str, FloatArray]:
    """Trunk inclination, hip and knee angles per frame (deg), from mid-points of both sides."""
    sh = midpoint(lm, P.L_SHOULDER, P.R_SHOULDER)
    hip = midpoint(lm, P.L_HIP, P.R_HIP)
    knee = midpoint(lm, P.L_KNEE, P.R_KNEE)
    ankle = midpoint(lm, P.L_ANKLE, P.R_ANKLE)
    return {
        "trunk": trunk_inclination(lm),
        "hip": joint_angle(sh, hip, knee),
        "knee": joint_angle(hip, knee, ankle),
    }


def torso_length(lm: NDArray[np.floating]) -> FloatArray:
    """|hip→shoulder| in pixels per frame."""
    return np.asarray(
        np.linalg.norm(
            midpoint(lm, P.L_SHOULDER, P.R_SHOULDER) - midpoint(lm, P.L_HIP, P.R_HIP), axis=1
        ),
        dtype=float,
    )


def fill_nan(x: FloatArray) -> FloatArray:
    """Linear interpolation over NaNs (edges held); all-NaN stays NaN."""
    x = np.asarray(x, float).copy()
    ok = np.isfinite(x)
    if ok.sum() == 0:
        return x
    idx = np.arange(len(x))
    x[~ok] = np.interp(idx[~ok], idx[ok], x[ok])
    return x


def smooth(x: FloatArray, window: int) -> FloatArray:
    """Centered moving median then mean: kills single-frame landmark flips, keeps timing."""
    x = fill_nan(x)
    if window <= 1 or len(x) < 3:
        return x
    half = window // 2
    padded = np.pad(x, half, mode="edge")
    med = np.array([np.median(padded[i : i + window]) for i in range(len(x))])
    padded = np.pad(med, half, mode="edge")
    kernel = np.ones(window) / window
    return np.convolve(padded, kernel, mode="valid")[: len(x)]
