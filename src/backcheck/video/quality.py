"""Quality gates: camera view, light, size, partial body, tracking jumps → warnings with codes.

All pure functions on landmark arrays; the messages are written for the lifter, not for us.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from backcheck.video import pose as P
from backcheck.video.kinematics import midpoint, torso_length

FILMING_GUIDANCE = (
    "Film from the side (camera at 90° to the lifter), camera at hip height about 3-4 m away, "
    "whole body and bar in frame, in a fitted top (no hoodie or loose shirt), in good light, "
    "with nobody else in the picture."
)

MIN_TORSO_PX = 120.0  # below: the back edge is a few blocky mask pixels (mask comes from 256 px)
GOOD_TORSO_PX = 200.0


@dataclass(frozen=True)
class Warning_:
    """A warning code and a plain message (serialised to {"code", "message"})."""

    code: str
    message: str


@dataclass(frozen=True)
class ViewResult:
    """Camera view and the numbers that decided it."""

    view: str  # side | front | rear | oblique | unknown
    width_ratio: float  # shoulder+hip width in the image / torso length (≈0 side, ≈0.8 front)
    world_angle_deg: float  # angle of the shoulder/hip line out of the image plane (90 = side)
    confidence: float


def classify_view(image: NDArray[np.floating], world: NDArray[np.floating]) -> ViewResult:
    """Side / front / rear / oblique from how wide shoulders and hips look.

    In a side view the left and right shoulders (and hips) overlap in the image and differ in
    depth; in a front or rear view they are a shoulder-width apart. Both the 2-D width ratio and
    the pose model's 3-D (world) landmarks are used; front vs rear comes from which side the
    person's left shoulder appears on.
    """
    ok = np.all(np.isfinite(image[:, [11, 12, 23, 24], :2]), axis=(1, 2))
    if ok.sum() < 5:
        return ViewResult("unknown", float("nan"), float("nan"), 0.0)
    im = image[ok]
    wd = world[ok]
    torso = torso_length(im)
    sw = np.abs(im[:, P.L_SHOULDER, 0] - im[:, P.R_SHOULDER, 0])
    hw = np.abs(im[:, P.L_HIP, 0] - im[:, P.R_HIP, 0])
    ratio = float(np.nanmedian((sw + hw) / 2 / np.maximum(torso, 1e-6)))

    def out_of_plane(a: int, b: int) -> NDArray[np.float64]:
        d = wd[:, a, :].astype(float) - wd[:, b, :]
        out: NDArray[np.float64] = np.degrees(np.arctan2(np.abs(d[:, 2]), np.abs(d[:, 0]) + 1e-9))
        return out

    angle = float(np.nanmedian((out_of_plane(11, 12) + out_of_plane(23, 24)) / 2))
    if not np.isfinite(angle):
        angle = 90.0 - min(90.0, ratio * 110.0)
    # Each cue votes "sideness" in 0..1; combine.
    side_2d = float(np.clip((0.55 - ratio) / 0.35, 0.0, 1.0))
    side_3d = float(np.clip((angle - 30.0) / 40.0, 0.0, 1.0))
    sideness = 0.6 * side_2d + 0.4 * side_3d
    if sideness >= 0.7:
        view, conf = "side", sideness
    elif sideness <= 0.25:
        left_on_right = float(
            np.nanmedian(np.sign(im[:, P.L_SHOULDER, 0] - im[:, P.R_SHOULDER, 0]))
        )
        view = "front" if left_on_right > 0 else "rear"
        conf = 1.0 - sideness
    else:
        view, conf = "oblique", 1.0 - abs(sideness - 0.5) * 2
    return ViewResult(view, ratio, angle, float(conf))


def image_warnings(
    image: NDArray[np.floating],
    found: NDArray[np.bool_],
    luma: NDArray[np.floating],
    frame_size: tuple[int, int],
    scale: float,
) -> list[Warning_]:
    """Warnings about the footage itself: nobody, dark, small, partial body, tracking jumps."""
    out: list[Warning_] = []
    w, h = frame_size
    if found.mean() < 0.05 if len(found) else True:
        return [Warning_("no_person", "No person was found in the video. " + FILMING_GUIDANCE)]
    if found.mean() < 0.6:
        out.append(
            Warning_("person_lost", f"The lifter was found in only {found.mean():.0%} of frames.")
        )
    lum = luma[np.isfinite(luma)]
    if len(lum) and float(np.median(lum)) < 50:
        out.append(Warning_("low_light", "The video is dark; film in better light."))
    im = image[found]
    torso = float(np.nanmedian(torso_length(im))) / max(scale, 1e-6)
    if torso < MIN_TORSO_PX:
        out.append(
            Warning_(
                "low_resolution",
                f"The lifter's torso is only {torso:.0f} px tall; move closer or film at a higher "
                "resolution so the back fills more of the picture.",
            )
        )
    vis = im[:, :, 3]
    xy = im[:, :, :2]
    in_frame = (
        (xy[..., 0] >= 0) & (xy[..., 0] < w) & (xy[..., 1] >= 0) & (xy[..., 1] < h) & (vis > 0.3)
    )
    ends = [P.NOSE, P.L_ANKLE, P.R_ANKLE, P.L_HIP, P.R_HIP, P.L_SHOULDER, P.R_SHOULDER]
    missing = 1.0 - in_frame[:, ends].mean(axis=0)
    if np.any(missing > 0.4):
        out.append(
            Warning_(
                "partial_body",
                "Part of the body is out of frame or hidden; keep the whole body in view.",
            )
        )
    hips = midpoint(im, P.L_HIP, P.R_HIP)
    torso_px = torso_length(im)
    jumps = np.linalg.norm(np.diff(hips, axis=0), axis=1) / np.maximum(torso_px[1:], 1.0)
    if np.sum(jumps > 0.6) >= 2:
        out.append(
            Warning_(
                "multiple_people",
                "The tracked body jumps between frames: another person (or a mirror) may be in the "
                "picture. The lifter is taken to be the person tracked most of the time; "
                "film alone.",
            )
        )
    return out
