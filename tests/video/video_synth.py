"""Synthetic landmark sequences for the rep, lift and view tests (no video involved)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray


def side_pose(
    trunk_deg: float, knee_bend: float = 0.0, facing: float = 1.0, hip_drop: float = 0.0
) -> NDArray[np.float32]:
    """33 landmarks of a lifter seen from the side (image px), trunk inclined `trunk_deg`."""
    lm = np.zeros((33, 4), np.float32)
    lm[:, 3] = 1.0
    torso = 200.0
    hip = np.array([400.0, 500.0 + hip_drop])
    a = math.radians(trunk_deg)
    sh = hip + torso * np.array([facing * math.sin(a), -math.cos(a)])
    knee = hip + np.array([facing * 60.0 * math.sin(math.radians(knee_bend)), 200.0])
    ankle = np.array([400.0, 900.0])
    wrist = sh + np.array([0.0, 180.0])
    for i in (11, 12):
        lm[i, :2] = sh + np.array([0, 2 if i == 11 else -2])
    for i in (23, 24):
        lm[i, :2] = hip
    for i in (25, 26):
        lm[i, :2] = knee
    for i in (27, 28):
        lm[i, :2] = ankle
    for i in (13, 14):
        lm[i, :2] = sh + np.array([0.0, 90.0])
    for i in (15, 16):
        lm[i, :2] = wrist
    for i in (29, 30):
        lm[i, :2] = ankle + np.array([-facing * 20, 10])
    for i in (31, 32):
        lm[i, :2] = ankle + np.array([facing * 50, 10])
    head = sh + np.array([facing * 30 * math.sin(a), -60 * math.cos(a)])
    lm[0, :2] = head + np.array([facing * 20, 0])
    for i in (7, 8):
        lm[i, :2] = head
    return lm


def front_pose(facing_camera: bool = True) -> NDArray[np.float32]:
    """Upright lifter facing (or turned away from) the camera: shoulders a width apart."""
    lm = side_pose(0.0)
    sign = 1.0 if facing_camera else -1.0
    for left, right, half in ((11, 12, 80.0), (23, 24, 55.0), (13, 14, 90.0), (15, 16, 90.0)):
        lm[left, 0] = 400 + sign * half
        lm[right, 0] = 400 - sign * half
    return lm


def world_of(image: NDArray[np.float32], side: bool) -> NDArray[np.float32]:
    """World landmarks consistent with the view: shoulder/hip lines along z in a side view."""
    w = np.zeros((33, 3), np.float32)
    for left, right in ((11, 12), (23, 24)):
        if side:
            w[left] = (0, 0, 0.15)
            w[right] = (0, 0, -0.15)
        else:
            w[left] = (0.15, 0, 0)
            w[right] = (-0.15, 0, 0)
    return w
