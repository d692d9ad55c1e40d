"""View classification and quality warnings on synthetic landmarks."""

from __future__ import annotations

import numpy as np

from backcheck.video.quality import classify_view, image_warnings
from tests.video.video_synth import front_pose, side_pose, world_of


def seq(lm: np.ndarray, n: int = 30) -> np.ndarray:
    return np.repeat(lm[None], n, axis=0)


def test_side_view() -> None:
    im = seq(side_pose(30.0))
    v = classify_view(im, seq(world_of(im[0], side=True)))
    assert v.view == "side"


def test_front_and_rear_views() -> None:
    front = seq(front_pose(True))
    assert classify_view(front, seq(world_of(front[0], side=False))).view == "front"
    rear = seq(front_pose(False))
    assert classify_view(rear, seq(world_of(rear[0], side=False))).view == "rear"


def test_no_landmarks_unknown() -> None:
    im = np.full((10, 33, 4), np.nan, np.float32)
    assert classify_view(im, np.full((10, 33, 3), np.nan, np.float32)).view == "unknown"


def test_warnings_small_dark_jumping() -> None:
    im = seq(side_pose(0.0), 40).copy()
    im[:, :, :2] *= 0.3  # tiny person
    im[20:, :, 0] += 200  # tracking jumps to someone else…
    im[25:, :, 0] -= 200  # …and back
    found = np.ones(40, bool)
    luma = np.full(40, 20.0, np.float32)
    codes = {w.code for w in image_warnings(im, found, luma, (1280, 720), 1.0)}
    assert {"low_resolution", "low_light", "multiple_people"} <= codes


def test_no_person() -> None:
    im = np.full((10, 33, 4), np.nan, np.float32)
    codes = [
        w.code
        for w in image_warnings(
            im, np.zeros(10, bool), np.full(10, 100.0, np.float32), (640, 480), 1.0
        )
    ]
    assert codes == ["no_person"]
