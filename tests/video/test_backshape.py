"""The back measure on synthetic silhouettes with a known curvature: sign and order out."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcheck.video.backshape import (
    PROFILE_T,
    SEGMENTS,
    dorsal_profile,
    fit_bow,
    occluded_points,
    synthetic_silhouette,
)


def measure(
    bow: float, hip: tuple[float, float], sh: tuple[float, float], back_sign: float
) -> float:
    mask = synthetic_silhouette((420, 420), hip, sh, bow, back_sign=back_sign)
    prof = dorsal_profile(mask, np.array(hip, float), np.array(sh, float))
    row = 0 if back_sign > 0 else 1
    return fit_bow(prof[row], PROFILE_T, *SEGMENTS["whole"])[0]


@pytest.mark.parametrize("back_sign", [1.0, -1.0])
@pytest.mark.parametrize(
    ("hip", "sh"),
    [((200, 330), (200, 130)), ((90, 260), (300, 220)), ((330, 250), (120, 240))],
    ids=["upright", "hinged-right", "hinged-left"],
)
def test_known_bow_in_known_bow_out(
    hip: tuple[float, float], sh: tuple[float, float], back_sign: float
) -> None:
    # On [0.15, 0.85] of a parabola with sagitta b over [0, 1] the sagitta is 0.49·b.
    for bow in (-0.04, -0.02, 0.0, 0.02, 0.04):
        got = measure(bow, hip, sh, back_sign)
        assert got == pytest.approx(0.49 * bow, abs=0.002)


@settings(max_examples=25, deadline=None)
@given(
    a=st.floats(-0.05, 0.05),
    b=st.floats(-0.05, 0.05),
    angle=st.floats(0, 2 * math.pi),
)
def test_order_is_preserved(a: float, b: float, angle: float) -> None:
    """A more rounded silhouette always measures more rounded, whatever the trunk angle."""
    if abs(a - b) < 0.01:
        return
    c = np.array([210.0, 210.0])
    v = 100 * np.array([math.cos(angle), math.sin(angle)])
    hip, sh = tuple(c - v), tuple(c + v)
    ma, mb = measure(a, hip, sh, -1.0), measure(b, hip, sh, -1.0)
    assert (ma > mb) == (a > b)
    assert np.sign(ma) == np.sign(a) or abs(a) < 0.005


def test_lumbar_segment_sees_lumbar_bow_only() -> None:
    hip, sh = (200.0, 330.0), (200.0, 130.0)
    mask = synthetic_silhouette((420, 420), hip, sh, 0.03, back_sign=-1.0, lo=0.15, hi=0.5)
    prof = dorsal_profile(mask, np.array(hip), np.array(sh))[1]
    lumbar = fit_bow(prof, PROFILE_T, *SEGMENTS["lumbar"])[0]
    thoracic = fit_bow(prof, PROFILE_T, *SEGMENTS["thoracic"])[0]
    assert lumbar == pytest.approx(0.03, abs=0.003)
    assert abs(thoracic) < 0.005


def test_edge_not_found_is_nan() -> None:
    mask = np.ones((200, 200), np.float32)  # mask never ends: merged with background
    prof = dorsal_profile(mask, np.array([100.0, 150.0]), np.array([100.0, 50.0]))
    assert np.all(np.isnan(prof))
    assert math.isnan(fit_bow(prof[0], PROFILE_T, 0.15, 0.85)[0])


def test_too_few_points_gives_nan() -> None:
    depth = np.full(len(PROFILE_T), 0.2)
    depth[PROFILE_T < 0.6] = np.nan
    assert math.isnan(fit_bow(depth, PROFILE_T, *SEGMENTS["whole"])[0])


def test_arm_on_the_back_blanks_points() -> None:
    hip, sh = np.array([200.0, 330.0]), np.array([200.0, 130.0])
    depth = np.full(len(PROFILE_T), 0.2)
    # back toward −x (back_sign −1, n = (1, 0) for an upright trunk): elbow behind mid-back
    elbow_behind = np.array([[160.0, 230.0]])
    bad = occluded_points(PROFILE_T, depth, hip, sh, -1.0, elbow_behind)
    assert bad[np.abs(PROFILE_T - 0.5) < 0.1].all()
    assert not bad[PROFILE_T < 0.25].any()
    elbow_front = np.array([[240.0, 230.0]])
    assert not occluded_points(PROFILE_T, depth, hip, sh, -1.0, elbow_front).any()


def test_plate_over_the_hips_blanks_lumbar() -> None:
    hip, sh = np.array([200.0, 330.0]), np.array([200.0, 130.0])
    depth = np.full(len(PROFILE_T), 0.2)
    bad = occluded_points(
        PROFILE_T, depth, hip, sh, -1.0, np.empty((0, 2)), (hip + np.array([10.0, 20.0]), 90.0)
    )
    assert bad[PROFILE_T < 0.25].all()
    assert not bad[PROFILE_T > 0.7].any()
