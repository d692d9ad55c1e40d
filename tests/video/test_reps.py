"""Rep segmentation on synthetic depth signals, and lift detection on synthetic poses."""

from __future__ import annotations

import numpy as np
import pytest

from backcheck.video.kinematics import facing_sign, smooth, trunk_inclination
from backcheck.video.reps import detect_lift, segment_reps
from tests.video.video_synth import side_pose


def hinge_signal(n_reps: int, fps: float = 30.0, start_at_bottom: bool = False) -> np.ndarray:
    """Trunk angle: stand, hinge to 75°, stand, …; optional start in the bottom position."""
    parts = []
    if start_at_bottom:
        parts.append(np.full(15, 75.0))
        parts.append(np.linspace(75, 5, 30))
        parts.append(np.full(20, 5.0))
    for _ in range(n_reps):
        parts += [
            np.linspace(5, 75, 30),
            np.full(10, 75.0),
            np.linspace(75, 5, 30),
            np.full(20, 5.0),
        ]
    return np.concatenate(parts)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_counts_reps(n: int) -> None:
    rng = np.random.default_rng(0)
    x = hinge_signal(n) + rng.normal(0, 2.0, size=len(hinge_signal(n)))
    reps = segment_reps(smooth(x, 5), 25.0)
    assert len(reps) == n
    for r in reps:
        assert r.start <= r.bottom <= r.lockout <= r.end
        assert 60 <= x[r.bottom] <= 80
        assert x[r.lockout] < 20


def test_clip_starting_at_the_bottom() -> None:
    x = hinge_signal(2, start_at_bottom=True)
    reps = segment_reps(x, 25.0)
    assert len(reps) == 3
    assert reps[0].start == 0 and reps[0].bottom < 15


def test_lowering_after_lockout_is_not_a_rep() -> None:
    x = np.concatenate(
        [np.full(10, 75.0), np.linspace(75, 5, 30), np.full(20, 5.0), np.linspace(5, 75, 30)]
    )
    assert len(segment_reps(x, 25.0)) == 1


def test_no_motion_no_reps() -> None:
    assert segment_reps(np.full(100, 10.0) + np.random.default_rng(1).normal(0, 1, 100), 25.0) == []


def poses(trunks: np.ndarray, **kw: float) -> np.ndarray:
    return np.stack([side_pose(float(t), **kw) for t in trunks])


def test_detects_deadlift_and_facing() -> None:
    trunk = hinge_signal(2)
    lm = poses(trunk, knee_bend=50.0, facing=-1.0)
    for i, t in enumerate(trunk):  # hands to the shins at the bottom
        if t > 50:
            lm[i, 15:17, 1] = 780
    assert facing_sign(lm) == -1.0
    assert detect_lift(lm).lift in {"deadlift", "rdl"}
    signed = trunk_inclination(lm, -1.0)
    assert np.nanmax(signed) == pytest.approx(75.0, abs=0.5)


def test_detects_overhead_press() -> None:
    lm = poses(np.zeros(120))
    phase = np.sin(np.linspace(0, 6 * np.pi, 120)) > 0
    lm[phase, 15:17, 1] = (lm[phase, 0, 1] - 150)[:, None]  # hands above the head
    lm[~phase, 15:17, 1] = (lm[~phase, 11, 1] + 10)[:, None]
    assert detect_lift(lm).lift == "overhead_press"


def test_unknown_when_nothing_moves() -> None:
    assert detect_lift(poses(np.full(60, 3.0))).lift == "unknown"
