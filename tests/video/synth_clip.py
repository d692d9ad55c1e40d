"""A synthetic clip whose frames carry their own number, and a pose engine that reads it.

The engine is stateless (frame number → a hinge pose and a torso mask), so any way of cutting
the clip across engines must give exactly the one-stream track: what the two-core tests use
to check frame numbering across seeks, seams and B-frame reordering without MediaPipe.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from backcheck.video.backshape import synthetic_silhouette
from backcheck.video.pose import PoseResult
from tests.video.video_synth import side_pose, world_of

BITS = 11  # frame numbers up to 2047
BLOCK = 24  # px per bit, in a row
TOP = 40  # below the annotated video's banner
SCALE = 0.7  # side_pose is drawn for a ~1000 px tall frame


REPS = 2  # then the lifter stands: longer clips have the same reps, more frames


def trunk_angle(i: int, fps: float = 30.0) -> float:
    """Hinge reps of 3 s: stand, bend to 75°, hold, stand up, rest (degrees)."""
    if i / fps >= 3.0 * REPS:
        return 5.0
    phase = (i / fps) % 3.0
    if phase < 1.0:
        return 5.0 + 70.0 * phase
    if phase < 1.33:
        return 75.0
    if phase < 2.33:
        return 75.0 - 70.0 * (phase - 1.33)
    return 5.0


def write_numbered_clip(
    path: Path, frames: int, size: tuple[int, int] = (544, 720), fps: int = 30
) -> Path:
    """H.264 clip (keyframe every 25 frames, B-frames) with frame i's number in binary blocks."""
    w, h = size
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast", "x264-params": "keyint=25:bframes=2"}
        for i in range(frames):
            rgb = np.full((h, w, 3), 90, np.uint8)
            for b in range(BITS):
                value = 255 if (i >> b) & 1 else 0
                rgb[TOP : TOP + BLOCK, b * BLOCK : (b + 1) * BLOCK] = value
            # something that moves, so the encoder has real motion to code
            x = int(w / 2 + w / 3 * math.sin(i / 9))
            rgb[h // 2 : h // 2 + 40, max(0, x - 20) : x + 20] = (200, 60, 60)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def frame_number(rgb: NDArray[np.uint8]) -> int:
    """Read the number the frame carries."""
    n = 0
    for b in range(BITS):
        block = rgb[TOP + 4 : TOP + BLOCK - 4, b * BLOCK + 4 : (b + 1) * BLOCK - 4]
        if float(block.mean()) > 128:
            n |= 1 << b
    return n


@lru_cache(maxsize=32)
def _mask(shape: tuple[int, int], angle: int) -> NDArray[np.float32]:
    lm = side_pose(float(angle)) * SCALE
    hip = lm[23, :2].astype(float)
    sh = lm[11, :2].astype(float)
    return synthetic_silhouette(shape, (hip[0], hip[1]), (sh[0], sh[1]), 0.01, back_sign=-1.0)


class NumberedPose:
    """Pose engine for numbered clips: the pose of frame i is a function of i alone.

    `fail_at`: raise RuntimeError on that frame number (a crashing engine). `seen` records the
    frame numbers processed, in order.
    """

    name = "numbered-synthetic"

    def __init__(self, fail_at: int | None = None) -> None:
        self.fail_at = fail_at
        self.seen: list[int] = []
        self.closed = False

    def process(self, rgb: NDArray[np.uint8]) -> PoseResult | None:
        i = frame_number(rgb)
        self.seen.append(i)
        if i == self.fail_at:
            raise RuntimeError(f"engine crashed on frame {i}")
        angle = 3 * round(trunk_angle(i) / 3)  # few distinct masks: a small cache
        image = side_pose(float(angle)) * np.array([SCALE, SCALE, 1, 1], np.float32)
        mask = _mask((rgb.shape[0], rgb.shape[1]), angle)
        return PoseResult(image.astype(np.float32), world_of(image, side=True), mask.copy())

    def close(self) -> None:
        self.closed = True


def write_damaged_copy(source: Path, path: Path, start: float, stop: float, seed: int = 0) -> Path:
    """A copy of `source` with bytes overwritten from `start` to `stop` (shares of the file
    size): 256 random bytes in every 512, so packets still demux but their pictures are
    broken (the container index at the end of the file is left alone)."""
    data = bytearray(source.read_bytes())
    rng = np.random.default_rng(seed)
    for at in range(int(len(data) * start), int(len(data) * stop), 512):
        data[at : at + 256] = rng.integers(0, 256, 256, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path
