"""One streaming pass over the video: per-frame landmarks and the few mask-derived numbers.

Only small arrays are kept per frame (landmarks, the two edge-depth profiles, brightness), never
frames or masks, so memory stays flat in clip length. The Track can be saved/loaded as .npz so
tests and tuning analyse each clip's pose once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from backcheck.video.backshape import PROFILE_T, dorsal_profile
from backcheck.video.decode import VideoInfo, iter_frames, prefetched
from backcheck.video.pose import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER, PoseEngine

ProgressFn = Callable[[int], None]


@dataclass
class Track:
    """Per-frame pose data of one clip, in analysis-frame pixels (see `scale`)."""

    info: VideoInfo
    scale: float
    t_s: NDArray[np.float64]
    found: NDArray[np.bool_]
    image: NDArray[np.float32]  # (N, 33, 4)
    world: NDArray[np.float32]  # (N, 33, 3)
    profile: NDArray[np.float32]  # (N, 2, K)
    luma: NDArray[np.float32]  # (N,), NaN where not sampled
    frame_size: tuple[int, int] = (0, 0)  # analysis (w, h)
    engine: str = ""
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.t_s.shape[0])

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            t_s=self.t_s,
            found=self.found,
            image=self.image,
            world=self.world,
            profile=self.profile,
            luma=self.luma,
            scale=self.scale,
            frame_size=np.array(self.frame_size),
            engine=np.array(self.engine),
        )

    @classmethod
    def load(cls, path: Path, info: VideoInfo) -> Track:
        z = np.load(path)
        fs = z["frame_size"]
        return cls(
            info=info,
            scale=float(z["scale"]),
            t_s=z["t_s"],
            found=z["found"],
            image=z["image"],
            world=z["world"],
            profile=z["profile"],
            luma=z["luma"],
            frame_size=(int(fs[0]), int(fs[1])),
            engine=str(z["engine"]),
        )


def extract_track(
    info: VideoInfo,
    engine: PoseEngine,
    progress: ProgressFn | None = None,
    luma_every: int = 5,
) -> Track:
    """Decode once, run the pose engine on every frame, keep landmarks and edge profiles."""
    size = info.analysis_size
    ts: list[float] = []
    found: list[bool] = []
    images: list[NDArray[np.float32]] = []
    worlds: list[NDArray[np.float32]] = []
    profiles: list[NDArray[np.float32]] = []
    lumas: list[float] = []
    nan_img = np.full((33, 4), np.nan, np.float32)
    nan_world = np.full((33, 3), np.nan, np.float32)
    nan_prof = np.full((2, len(PROFILE_T)), np.nan, np.float32)
    # decode the next frames on another core while the pose model runs on this one
    for frame in prefetched(iter_frames(info, size)):
        ts.append(frame.t_s)
        if frame.index % luma_every == 0:
            lumas.append(float(frame.rgb[::8, ::8].mean()))
        else:
            lumas.append(float("nan"))
        res = engine.process(frame.rgb)
        if res is None:
            found.append(False)
            images.append(nan_img)
            worlds.append(nan_world)
            profiles.append(nan_prof)
        else:
            found.append(True)
            images.append(res.image)
            worlds.append(res.world)
            if res.mask is not None:
                lm = res.image
                hip = (lm[L_HIP, :2].astype(float) + lm[R_HIP, :2]) / 2
                sh = (lm[L_SHOULDER, :2].astype(float) + lm[R_SHOULDER, :2]) / 2
                profiles.append(dorsal_profile(res.mask, hip, sh).astype(np.float32))
            else:
                profiles.append(nan_prof)
        if progress is not None:
            progress(1)
    return Track(
        info=info,
        scale=info.analysis_scale,
        t_s=np.asarray(ts, float),
        found=np.asarray(found, bool),
        image=np.stack(images),
        world=np.stack(worlds),
        profile=np.stack(profiles),
        luma=np.asarray(lumas, np.float32),
        frame_size=size,
        engine=engine.name,
    )
