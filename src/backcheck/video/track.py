"""One streaming pass over the video: per-frame landmarks and the few mask-derived numbers.

Only small arrays are kept per frame (landmarks, the two edge-depth profiles, brightness), never
frames or masks, so memory stays flat in clip length. The Track can be saved/loaded as .npz so
tests and tuning analyse each clip's pose once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from backcheck.video.backshape import PROFILE_T, dorsal_profile
from backcheck.video.decode import DecodeStats, Frame, VideoInfo, iter_frames, prefetched
from backcheck.video.pose import L_HIP, L_SHOULDER, R_HIP, R_SHOULDER, PoseEngine, PoseResult

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
    decode: DecodeStats = field(default_factory=DecodeStats)  # frames decoded / undecodable

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


class FrameSink(Protocol):
    """Receives each analysed frame (analysis size, RGB) in order: the display copy."""

    def add(self, rgb: NDArray[np.uint8]) -> None:
        """Take one frame (the caller may reuse the array afterwards)."""
        ...


@dataclass
class PassCpu:
    """CPU seconds of a pose pass by kind of work, summed over its threads (for the bench:
    process CPU time is less sensitive to other load than wall-clock time)."""

    decode_s: float = 0.0  # decode, colour conversion, resize (the prefetch threads)
    # the threads that call the engine: engine start, handing frames over, edge profiles;
    # MediaPipe's model runs on its own graph threads, which only the process total sees
    pose_s: float = 0.0
    display_s: float = 0.0  # the display copy's resize and JPEG
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, decode_s: float = 0.0, pose_s: float = 0.0, display_s: float = 0.0) -> None:
        with self._lock:
            self.decode_s += decode_s
            self.pose_s += pose_s
            self.display_s += display_s

    def as_dict(self, process_s: float | None = None) -> dict[str, float]:
        """Seconds by kind; with the pass's process CPU time, the rest of it as the pose
        model's own threads (`model_threads_s`)."""
        out = {
            "decode_s": round(self.decode_s, 3),
            "engine_caller_s": round(self.pose_s, 3),
            "display_copy_s": round(self.display_s, 3),
        }
        if process_s is not None:
            rest = process_s - self.decode_s - self.pose_s - self.display_s
            out["model_threads_s"] = round(max(0.0, rest), 3)
        return out


def metered_decode(frames: Iterator[Frame], cpu: PassCpu | None) -> Iterator[Frame]:
    """`frames`, with the CPU time of producing them added to `cpu.decode_s` (measured in the
    thread that iterates, i.e. the prefetch thread)."""
    if cpu is None:
        return frames
    return _metered(frames, cpu)


def _metered(frames: Iterator[Frame], cpu: PassCpu) -> Generator[Frame, None, None]:
    start = time.thread_time()
    try:
        yield from frames
    finally:
        cpu.add(decode_s=time.thread_time() - start)


class DisplayMeter:
    """A FrameSink that passes frames on and adds the thread CPU time they took to
    `cpu.display_s` (the caller subtracts it from its pose time)."""

    def __init__(self, sink: FrameSink, cpu: PassCpu) -> None:
        self.sink, self.cpu, self.spent = sink, cpu, 0.0

    def add(self, rgb: NDArray[np.uint8]) -> None:
        start = time.thread_time()
        self.sink.add(rgb)
        self.spent += time.thread_time() - start


class TrackBuilder:
    """Per-frame results of a run of consecutive frames; `build` stacks them into a Track."""

    def __init__(self, luma_every: int = 5) -> None:
        self.luma_every = luma_every
        self.ts: list[float] = []
        self.found: list[bool] = []
        self.images: list[NDArray[np.float32]] = []
        self.worlds: list[NDArray[np.float32]] = []
        self.profiles: list[NDArray[np.float32]] = []
        self.lumas: list[float] = []

    def add(self, frame: Frame, res: PoseResult | None) -> None:
        """Keep what the analysis needs of one frame and its pose (never the pixels or mask)."""
        self.ts.append(frame.t_s)
        if frame.index % self.luma_every == 0:
            self.lumas.append(float(frame.rgb[::8, ::8].mean()))
        else:
            self.lumas.append(float("nan"))
        if res is None:
            self.found.append(False)
            self.images.append(_NAN_IMAGE)
            self.worlds.append(_NAN_WORLD)
            self.profiles.append(_NAN_PROFILE)
            return
        self.found.append(True)
        self.images.append(res.image)
        self.worlds.append(res.world)
        if res.mask is not None:
            lm = res.image
            hip = (lm[L_HIP, :2].astype(float) + lm[R_HIP, :2]) / 2
            sh = (lm[L_SHOULDER, :2].astype(float) + lm[R_SHOULDER, :2]) / 2
            self.profiles.append(dorsal_profile(res.mask, hip, sh).astype(np.float32))
        else:
            self.profiles.append(_NAN_PROFILE)

    def extend(self, other: TrackBuilder) -> None:
        """Append the frames of the run that follows this one."""
        for name in ("ts", "found", "images", "worlds", "profiles", "lumas"):
            getattr(self, name).extend(getattr(other, name))

    def build(self, info: VideoInfo, engine_name: str) -> Track:
        return Track(
            info=info,
            scale=info.analysis_scale,
            t_s=np.asarray(self.ts, float),
            found=np.asarray(self.found, bool),
            image=np.stack(self.images),
            world=np.stack(self.worlds),
            profile=np.stack(self.profiles),
            luma=np.asarray(self.lumas, np.float32),
            frame_size=info.analysis_size,
            engine=engine_name,
        )


_NAN_IMAGE = np.full((33, 4), np.nan, np.float32)
_NAN_WORLD = np.full((33, 3), np.nan, np.float32)
_NAN_PROFILE = np.full((2, len(PROFILE_T)), np.nan, np.float32)


def extract_track(
    info: VideoInfo,
    engine: PoseEngine,
    progress: ProgressFn | None = None,
    luma_every: int = 5,
    display: FrameSink | None = None,
    cpu: PassCpu | None = None,
) -> Track:
    """Decode once, run the pose engine on every frame, keep landmarks and edge profiles.

    `display` (optional) gets every decoded frame too, so the annotated video needs no second
    decode of the source. `cpu` (optional) gets the CPU time by kind of work.
    """
    builder = TrackBuilder(luma_every)
    start = time.thread_time()
    meter = DisplayMeter(display, cpu) if display is not None and cpu is not None else None
    sink = meter or display
    stats = DecodeStats()
    frames = metered_decode(iter_frames(info, info.analysis_size, stats=stats), cpu)
    # decode the next frames on another core while the pose model runs on this one
    for frame in prefetched(frames):
        builder.add(frame, engine.process(frame.rgb))
        if sink is not None:
            sink.add(frame.rgb)
        if progress is not None:
            progress(1)
    if cpu is not None:
        spent = meter.spent if meter is not None else 0.0
        cpu.add(pose_s=time.thread_time() - start - spent, display_s=spent)
    track = builder.build(info, engine.name)
    track.decode = stats
    return track
