"""The lower-back measure: the bow of the silhouette's dorsal edge between hip and shoulder level.

Keypoints alone cannot see the lumbar curve (the hip→shoulder line is the same for a flat and a
rounded back); the person mask can, weakly. Per frame we march from points on the hip→shoulder
line, perpendicular toward the back, to where the mask ends: that is the dorsal edge, as a depth
profile d(t) in units of |HS| for t = 0 (hip) … 1 (shoulder). A parabola fitted over a segment
gives its sagitta ("bow"): + = convex toward the back (rounded), − = concave (arched).

All functions are pure numpy (plus one cv2.remap for bilinear sampling) so they can be tested on
synthetic silhouettes with a known curvature.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

PROFILE_T: FloatArray = np.linspace(-0.10, 0.90, 41)
"""Fractions of hip→shoulder where the edge is sampled, every 0.025 (the segments below use
subsets). It starts below hip level so that the buttock's peak, the valley cue's lower anchor,
is on the profile: the hip landmark sits inside the glute."""

SEGMENTS: dict[str, tuple[float, float]] = {
    "lumbar": (0.15, 0.50),
    "thoracic": (0.50, 0.85),
    "whole": (0.15, 0.85),
}
MAX_DEPTH = 0.7  # how far (in |HS|) we march before giving up: beyond it the mask has merged
MASK_THRESHOLD = 0.5


def frame_axes(hip: FloatArray, shoulder: FloatArray) -> tuple[FloatArray, FloatArray, float]:
    """Unit vector hip→shoulder, its normal n = (−u_y, u_x), and |HS| in pixels."""
    v = np.asarray(shoulder, float) - np.asarray(hip, float)
    length = float(math.hypot(v[0], v[1]))
    if length < 1e-6:
        return np.array([0.0, -1.0]), np.array([1.0, 0.0]), 0.0
    u = v / length
    return u, np.array([-u[1], u[0]]), length


def dorsal_profile(
    mask: NDArray[np.float32],
    hip: FloatArray,
    shoulder: FloatArray,
    ts: FloatArray = PROFILE_T,
    step_px: float = 0.5,
) -> FloatArray:
    """Edge depth (in |HS|) along +n and −n from each point of the hip→shoulder line.

    Returns shape (2, len(ts)): row 0 along +n, row 1 along −n. NaN where the start point is
    outside the mask or the mask does not end within MAX_DEPTH (merged with bar, plates or
    background). Which row is the back is decided per clip from the facing direction.
    """
    u, n, length = frame_axes(hip, shoulder)
    out = np.full((2, len(ts)), np.nan)
    if length < 8.0:
        return out
    n_steps = int(MAX_DEPTH * length / step_px) + 2
    d = np.arange(n_steps) * step_px  # px
    base = np.asarray(hip, float)[None, :] + np.outer(ts, u) * length  # (K, 2)
    for row, sign in enumerate((1.0, -1.0)):
        pts = base[:, None, :] + sign * d[None, :, None] * n[None, None, :]  # (K, D, 2)
        mx = pts[..., 0].astype(np.float32)
        my = pts[..., 1].astype(np.float32)
        vals = cv2.remap(
            mask, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0
        )
        inside = vals >= MASK_THRESHOLD
        # first sample that leaves the mask
        leaving = ~inside
        first_out = np.argmax(leaving, axis=1)
        found = leaving.any(axis=1) & inside[:, 0]
        for k in np.nonzero(found)[0]:
            i = int(first_out[k])
            if i == 0:
                continue
            v0, v1 = float(vals[k, i - 1]), float(vals[k, i])
            frac = (v0 - MASK_THRESHOLD) / (v0 - v1) if v0 != v1 else 0.0
            out[row, k] = (d[i - 1] + frac * step_px) / length
    return out


def fit_bow(
    depth: FloatArray, ts: FloatArray, lo: float, hi: float, min_valid: float = 0.7
) -> tuple[float, float]:
    """Sagitta of a parabola fitted to depth(t) on [lo, hi], and the bend angle in degrees.

    Returns (nan, nan) when fewer than `min_valid` of the points in the segment are valid or the
    valid points do not reach both ends: a gap at an end would let the parabola extrapolate.
    """
    sel = (ts >= lo - 1e-9) & (ts <= hi + 1e-9)
    t = ts[sel]
    d = depth[sel]
    ok = np.isfinite(d)
    if ok.sum() < max(4, min_valid * len(t)):
        return math.nan, math.nan
    span = hi - lo
    tv = t[ok]
    if tv.min() > lo + 0.2 * span or tv.max() < hi - 0.2 * span:
        return math.nan, math.nan
    x = (tv - lo) / span  # 0..1 for conditioning
    c2, c1, _c0 = np.polyfit(x, d[ok], 2)
    # depth(x) = c0 + c1 x + c2 x²: midpoint minus chord = −c2/4 (x in 0..1), in |HS| units.
    sagitta = -c2 / 4.0
    # Turning of the edge between the ends (positive = convex toward the back).
    slope_lo = c1 / span
    slope_hi = (c1 + 2 * c2) / span
    bend = math.degrees(math.atan(slope_lo) - math.atan(slope_hi))
    return float(sagitta), float(bend)


def occluded_points(
    ts: FloatArray,
    depth: FloatArray,
    hip: FloatArray,
    shoulder: FloatArray,
    back_sign: float,
    arm_points: FloatArray,
    plate: tuple[FloatArray, float] | None = None,
    arm_margin: float = 0.08,
    arm_reach: float = 0.18,
) -> NDArray[np.bool_]:
    """Which profile points must be ignored because an arm, hand or plate lies over the back.

    `arm_points`: (M, 2) pixel positions of elbows and wrists. An arm point that projects
    between hip and shoulder level and at least `arm_margin`·|HS| toward the back side of the
    hip→shoulder line blanks the edge points within `arm_reach` of it. `plate`: (centre_px,
    radius_px); edge points inside that circle are blanked (the mask absorbs plates).
    """
    u, n, length = frame_axes(hip, shoulder)
    bad = np.zeros(len(ts), dtype=bool)
    if length <= 0:
        bad[:] = True
        return bad
    hip = np.asarray(hip, float)
    for p in np.asarray(arm_points, float).reshape(-1, 2):
        if not np.all(np.isfinite(p)):
            continue
        rel = p - hip
        t_arm = float(rel @ u) / length
        d_arm = float(rel @ n) * back_sign / length
        if -0.1 <= t_arm <= 1.1 and d_arm >= arm_margin:
            bad |= np.abs(ts - t_arm) <= arm_reach
    if plate is not None:
        centre, radius = plate
        edge = hip[None, :] + np.outer(ts, u) * length
        dd = np.where(np.isfinite(depth), depth, 0.25) * length
        edge = edge + (back_sign * dd)[:, None] * n[None, :]
        bad |= np.hypot(edge[:, 0] - centre[0], edge[:, 1] - centre[1]) <= radius
    return bad


def synthetic_silhouette(
    shape: tuple[int, int],
    hip: tuple[float, float],
    shoulder: tuple[float, float],
    bow: float,
    thickness: float = 0.35,
    back_sign: float = -1.0,
    lo: float = 0.0,
    hi: float = 1.0,
) -> NDArray[np.float32]:
    """A torso-like mask whose dorsal edge has sagitta `bow` (in |HS|) over t ∈ [lo, hi].

    Used by the tests (and handy for checking the measure by eye). The ventral side is straight,
    the dorsal edge is depth(t) = thickness/2 + 4·bow·x(1−x) on the bowed span (x = position in
    [lo, hi]), flat elsewhere; the body extends a little beyond hip and shoulder.
    """
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    u, n, length = frame_axes(np.array(hip, float), np.array(shoulder, float))
    rel_x = xx - hip[0]
    rel_y = yy - hip[1]
    t = (rel_x * u[0] + rel_y * u[1]) / length
    d = (rel_x * n[0] + rel_y * n[1]) / length * back_sign  # + toward the back
    x = np.clip((t - lo) / (hi - lo), 0.0, 1.0)
    edge = thickness / 2 + 4.0 * bow * x * (1.0 - x)
    inside = (t > -0.15) & (t < 1.15) & (d < edge) & (d > -thickness / 2)
    # soft edge over ~1 px like a real mask
    soft = np.clip(0.5 + (edge - d) * length, 0.0, 1.0) * (
        (t > -0.15) & (t < 1.15) & (d > -thickness / 2)
    )
    out: NDArray[np.float32] = np.where(inside, np.maximum(soft, 0.5), soft).astype(np.float32)
    return out
