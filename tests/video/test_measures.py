"""The back measures on synthetic edge profiles, silhouettes and landmark tracks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from backcheck.video import pose as P
from backcheck.video.backshape import PROFILE_T, dorsal_profile, synthetic_silhouette
from backcheck.video.decode import VideoInfo
from backcheck.video.kinematics import facing_sign
from backcheck.video.measures import (
    back_series,
    back_side,
    knee_offsets,
    phase_back,
    trunk_thickness,
    valley_depth,
)
from backcheck.video.track import Track
from tests.video.video_synth import side_pose, world_of


def edge_with_hollow(depth: float) -> NDArray[np.float64]:
    """Buttock bump near the hip, upper-back bump near the shoulder, a hollow between."""
    t = PROFILE_T
    return (
        0.2
        + 0.06 * np.exp(-(((t - 0.05) / 0.08) ** 2))
        + 0.05 * np.exp(-(((t - 0.7) / 0.12) ** 2))
        - depth * np.exp(-(((t - 0.35) / 0.1) ** 2))
    )


@pytest.mark.parametrize("depth", [0.0, 0.02, 0.05])
def test_valley_measures_the_hollow(depth: float) -> None:
    flat = valley_depth(edge_with_hollow(0.0))
    assert valley_depth(edge_with_hollow(depth)) == pytest.approx(flat + depth, abs=0.01)


def test_valley_of_a_rounded_edge_is_not_positive() -> None:
    t = PROFILE_T
    rounded = 0.2 + 0.1 * np.clip(1 - ((t - 0.45) / 0.55) ** 2, 0, None)
    assert valley_depth(rounded) <= 0.001


def test_valley_needs_both_peaks_seen() -> None:
    d = edge_with_hollow(0.03)
    hidden = d.copy()
    hidden[PROFILE_T > 0.5] = np.nan
    assert math.isnan(valley_depth(hidden))
    hidden = d.copy()
    hidden[(PROFILE_T > 0.15) & (PROFILE_T < 0.5)] = np.nan
    assert math.isnan(valley_depth(hidden))


@pytest.mark.parametrize("bow", [-0.04, 0.0, 0.04])
def test_valley_orders_synthetic_silhouettes(bow: float) -> None:
    hip, sh = (200.0, 330.0), (200.0, 130.0)
    mask = synthetic_silhouette((400, 400), hip, sh, bow, lo=0.1, hi=0.9)
    prof = dorsal_profile(mask, np.array(hip), np.array(sh))
    v = valley_depth(prof[1])  # back_sign −1 → row 1
    if bow < 0:
        assert v == pytest.approx(-bow, abs=0.01)
    elif bow == 0:
        assert abs(v) < 0.01
    else:
        assert v <= 0.005


def test_trunk_thickness() -> None:
    front = np.full(len(PROFILE_T), 0.15)
    back = np.full(len(PROFILE_T), 0.2)
    assert trunk_thickness(front, back) == pytest.approx(0.35)
    back[:] = np.nan
    assert math.isnan(trunk_thickness(front, back))


def quadruped(facing: float = 1.0) -> NDArray[np.float32]:
    """On all fours facing `facing`: trunk horizontal, thighs down, toes pointing back."""
    lm = np.zeros((33, 4), np.float32)
    lm[:, 3] = 1.0
    hip = np.array([400.0, 500.0])
    sh = hip + np.array([facing * 200.0, 0.0])
    for i in (P.L_SHOULDER, P.R_SHOULDER):
        lm[i, :2] = sh
    for i in (P.L_HIP, P.R_HIP):
        lm[i, :2] = hip
    for i in (P.L_KNEE, P.R_KNEE):
        lm[i, :2] = hip + np.array([0.0, 190.0])
    for i in (P.L_HEEL, P.R_HEEL):
        lm[i, :2] = hip + np.array([-facing * 150.0, 170.0])
    for i in (P.L_FOOT, P.R_FOOT):  # toes behind the heels: the old rule's trap
        lm[i, :2] = hip + np.array([-facing * 200.0, 195.0])
    for i in (P.L_ELBOW, P.R_ELBOW, P.L_WRIST, P.R_WRIST):
        lm[i, :2] = sh + np.array([0.0, 180.0])
    lm[P.NOSE, :2] = sh + np.array([facing * 10.0, 80.0])  # head hangs
    for i in (P.L_EAR, P.R_EAR):
        lm[i, :2] = sh + np.array([facing * 30.0, 60.0])
    return lm


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_back_side_on_all_fours_is_away_from_the_knees(facing: float) -> None:
    lm = np.stack([quadruped(facing)] * 20)
    assert facing_sign(lm) == -facing  # the toes/nose rule picks the belly here
    side = back_side(lm, facing_sign(lm))
    # back up: along n = (−u_y, u_x) the back is at −n_y … i.e. image y decreases
    u = np.array([facing, 0.0])
    n = np.array([-u[1], u[0]])
    assert side * n[1] < 0


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_back_side_agrees_with_facing_in_a_hinge(facing: float) -> None:
    lm = np.stack([side_pose(70.0, 40.0, facing)] * 20)
    assert back_side(lm, facing_sign(lm)) == -facing
    assert np.all(knee_offsets(lm) * facing > 0.25)


def test_back_side_upright_falls_back_to_facing() -> None:
    lm = np.stack([side_pose(0.0, 0.0, 1.0)] * 20)
    assert back_side(lm, 1.0) == -1.0
    assert back_side(lm, 0.0) == 0.0


def synthetic_track(bow: float, frames: int = 12) -> Track:
    """A hinge held at the bottom (trunk 80°) whose silhouette's back bows by `bow`."""
    lm = side_pose(80.0, 40.0, 1.0)
    hip = (lm[P.L_HIP, :2].astype(float) + lm[P.R_HIP, :2]) / 2
    sh = (lm[P.L_SHOULDER, :2].astype(float) + lm[P.R_SHOULDER, :2]) / 2
    mask = synthetic_silhouette(
        (1000, 800), (float(hip[0]), float(hip[1])), (float(sh[0]), float(sh[1])), bow,
        back_sign=-1.0, lo=0.1, hi=0.9,
    )  # fmt: skip
    prof = dorsal_profile(mask, hip, sh).astype(np.float32)
    info = VideoInfo("synthetic.mp4", 800, 1000, 30.0, frames, frames / 30, 0, "h264")
    image = np.stack([lm] * frames)
    return Track(
        info=info,
        scale=1.0,
        t_s=np.arange(frames) / 30.0,
        found=np.ones(frames, bool),
        image=image,
        world=np.stack([world_of(lm, True)] * frames),
        profile=np.stack([prof] * frames),
        luma=np.full(frames, 120.0, np.float32),
        frame_size=(800, 1000),
    )


def test_back_series_reads_the_bow_and_valley_of_a_synthetic_track() -> None:
    flat = back_series(synthetic_track(0.0), -1.0, barbell=False)
    rounded = back_series(synthetic_track(0.04), -1.0, barbell=False)
    arched = back_series(synthetic_track(-0.04), -1.0, barbell=False)
    idx = np.arange(12)
    pf, pr, pa = (phase_back(s, idx) for s in (flat, rounded, arched))
    assert pf.valid_frames == 12
    assert pr.whole_bow is not None and pf.whole_bow is not None and pa.whole_bow is not None
    assert pr.whole_bow > pf.whole_bow + 0.03 > pa.whole_bow + 0.06
    assert pr.valley is not None and pf.valley is not None and pa.valley is not None
    assert pa.valley > pf.valley + 0.03 > pr.valley + 0.03
    assert pf.thickness is not None and 0.2 < pf.thickness < 0.8


def test_back_series_unknown_side_measures_nothing() -> None:
    s = back_series(synthetic_track(0.0), 0.0, barbell=False)
    assert not np.isfinite(s.whole).any()
    assert phase_back(s, np.arange(12)).valid_frames == 0
