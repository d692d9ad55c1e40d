"""The pose pass on several cores: one pose engine per consecutive segment of the clip.

One MediaPipe engine runs about one core (its graph is sequential per frame), so a clip is
cut into as many segments as there are cores to use (at most MAX_POSE_WORKERS), each decoded
from the keyframe before it and tracked by its own engine in its own thread (MediaPipe, PyAV
and OpenCV release the GIL). Tracking mode carries state from frame to frame (the region of
interest, landmark and mask smoothing), so every segment after the first starts `warm-up`
frames early and throws those frames away: by the seam its engine has re-detected the lifter
and its filters have settled, and the track matches one sequential stream within the
tolerance the tests check (docs/video.md). Frames keep the numbers and times a sequential
decode gives them (`decode.FrameTable`); anything that does not line up (a dropped frame, a
decode error) falls back to the one-stream pass, which is the reference.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from backcheck.video.decode import (
    DecodeStats,
    FrameOrderError,
    FrameTable,
    Prefetcher,
    VideoInfo,
    check_decoded,
    frame_table,
    iter_segment,
)
from backcheck.video.errors import VideoError
from backcheck.video.pose import PoseEngine
from backcheck.video.track import (
    DisplayMeter,
    FrameSink,
    PassCpu,
    ProgressFn,
    Track,
    TrackBuilder,
    extract_track,
    metered_decode,
)

MAX_POSE_WORKERS = 2  # the goal machine has two cores; more engines only add memory there
WARMUP_S = 0.5  # frames a later segment's engine sees before its first kept frame
MIN_WARMUP_FRAMES = 15
MIN_KEPT_PER_WARMUP = 2  # a segment keeps at least this many warm-ups' worth of frames

EngineFactory = Callable[[], PoseEngine]
SinkFactory = Callable[[int], FrameSink]


@dataclass(frozen=True)
class Segment:
    """Frames [start, stop) are kept; the engine starts at `warm_from` (≤ start)."""

    warm_from: int
    start: int
    stop: int


def cores_available() -> int:
    """CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def default_workers() -> int:
    """Pose engines to run: one per available core, at most MAX_POSE_WORKERS."""
    return max(1, min(MAX_POSE_WORKERS, cores_available()))


def warmup_frames(fps: float) -> int:
    """Warm-up length in frames for a clip at `fps`."""
    return max(MIN_WARMUP_FRAMES, round(WARMUP_S * fps))


def plan_segments(n: int, workers: int, warmup: int) -> list[Segment]:
    """Cut n frames into at most `workers` segments of equal work (warm-up frames included).

    Fewer segments when the clip is too short for each to keep MIN_KEPT_PER_WARMUP warm-ups'
    worth of frames; one segment (no warm-up) means the plain sequential pass.
    """
    k = max(1, workers)
    while k > 1 and (n + (k - 1) * warmup) / k - warmup < MIN_KEPT_PER_WARMUP * warmup:
        k -= 1
    if k == 1:
        return [Segment(0, 0, n)]
    share = (n + (k - 1) * warmup) / k  # frames each engine processes
    bounds = [0]
    for j in range(1, k):
        bounds.append(round(share * j - warmup * (j - 1)))
    bounds.append(n)
    return [
        Segment(max(0, bounds[j] - (warmup if j else 0)), bounds[j], bounds[j + 1])
        for j in range(k)
    ]


class _Fallback(Exception):
    """The segments did not line up with a sequential decode: use the one-stream pass."""


class _Worker(threading.Thread):
    """Tracks one segment with its own engine; keeps the frames from `segment.start` on."""

    def __init__(
        self,
        info: VideoInfo,
        table: FrameTable,
        segment: Segment,
        make_engine: EngineFactory,
        sink: FrameSink | None,
        stop: threading.Event,
        luma_every: int,
        cpu: PassCpu | None = None,
    ) -> None:
        super().__init__(name=f"backcheck-pose-{segment.start}", daemon=True)
        self.info, self.table, self.segment = info, table, segment
        self.make_engine, self.stop_event, self.cpu = make_engine, stop, cpu
        self.meter = DisplayMeter(sink, cpu) if sink is not None and cpu is not None else None
        self.sink: FrameSink | None = self.meter or sink
        self.builder = TrackBuilder(luma_every)
        self.done = 0  # kept frames so far (read by the coordinating thread for progress)
        self.engine_name = ""
        self.error: BaseException | None = None

    def run(self) -> None:
        start = time.thread_time()
        try:
            self._track()
        except BaseException as exc:  # handed to the coordinating thread
            self.error = exc
            self.stop_event.set()
        finally:
            if self.cpu is not None:
                spent = self.meter.spent if self.meter is not None else 0.0
                self.cpu.add(pose_s=time.thread_time() - start - spent, display_s=spent)

    def _track(self) -> None:
        seg = self.segment
        size = self.info.analysis_size
        segment = iter_segment(self.info, self.table, seg.warm_from, seg.stop, size)
        # decoding starts now (a later segment's from the keyframe before it), while the
        # engine below is starting: neither waits for the other
        frames = Prefetcher(metered_decode(segment, self.cpu))
        try:
            engine = self.make_engine()
        except BaseException:
            frames.close()
            raise
        self.engine_name = engine.name
        try:
            for frame in frames:
                if self.stop_event.is_set():
                    return
                try:
                    res = engine.process(frame.rgb)
                except Exception as exc:
                    raise VideoError(
                        "pose_failed",
                        f"the pose model failed at {frame.t_s:.1f} s of "
                        f"{os.path.basename(self.info.path)} ({exc.__class__.__name__}: {exc})",
                    ) from exc
                if frame.index < seg.start:
                    continue  # warm-up: the engine settles, nothing is kept
                self.builder.add(frame, res)
                if self.sink is not None:
                    self.sink.add(frame.rgb)
                self.done += 1
        finally:
            frames.close()
            engine.close()


def extract_track_parallel(
    info: VideoInfo,
    make_engine: EngineFactory,
    workers: int,
    progress: ProgressFn | None = None,
    sinks: SinkFactory | None = None,
    luma_every: int = 5,
    warmup: int | None = None,
    cpu: PassCpu | None = None,
    make_sharing_engine: EngineFactory | None = None,
) -> tuple[Track, int]:
    """The pose pass with up to `workers` engines; returns the track and the segment count.

    `make_sharing_engine` (default `make_engine`) makes the engines of a pass cut into
    segments, which share the cores with each other; the one-stream pass uses `make_engine`.

    `sinks(k)` gives segment k's display-copy sink (segments are consecutive, in order). One
    segment (a short clip, one core, no frame table) is the plain sequential pass; a segment
    that does not line up with a sequential decode makes the whole pass rerun sequentially,
    with one fresh sink. Errors of the pose model or the video reach the caller as VideoError.
    `cpu` (optional) gets the pass's CPU time by kind of work.
    """
    table = frame_table(info) if workers > 1 else None
    if table is not None and info.frames > 10 and table.n < info.frames * 0.5:
        table = None  # fewer frames than announced: the sequential pass says "truncated"
    segments = (
        plan_segments(table.n, workers, warmup or warmup_frames(info.fps))
        if table is not None
        else [Segment(0, 0, info.frames)]
    )
    if table is not None and len(segments) > 1:
        try:
            return _run_segments(
                info,
                table,
                segments,
                make_sharing_engine or make_engine,
                progress,
                sinks,
                luma_every,
                cpu,
            )
        except _Fallback:
            pass
    start = time.thread_time()
    engine = make_engine()
    if cpu is not None:
        cpu.add(pose_s=time.thread_time() - start)
    try:
        sink = sinks(0) if sinks is not None else None
        return extract_track(info, engine, progress, luma_every, sink, cpu), 1
    finally:
        engine.close()


def _run_segments(
    info: VideoInfo,
    table: FrameTable,
    segments: Sequence[Segment],
    make_engine: EngineFactory,
    progress: ProgressFn | None,
    sinks: SinkFactory | None,
    luma_every: int,
    cpu: PassCpu | None,
) -> tuple[Track, int]:
    stop = threading.Event()
    workers = [
        _Worker(
            info,
            table,
            seg,
            make_engine,
            sinks(k) if sinks is not None else None,
            stop,
            luma_every,
            cpu,
        )
        for k, seg in enumerate(segments)
    ]
    for w in workers:
        w.start()
    reported = 0
    try:
        # Progress is reported from this (the caller's) thread: callbacks need not be
        # thread-safe.
        for w in workers:
            while w.is_alive():
                w.join(timeout=0.1)
                done = sum(x.done for x in workers)
                if progress is not None and done > reported:
                    progress(done - reported)
                    reported = done
    finally:
        stop.set()
        for w in workers:
            w.join()
    errors = [w.error for w in workers if w.error is not None]
    if any(isinstance(e, FrameOrderError) for e in errors):
        raise _Fallback
    if errors:
        first = errors[0]
        if isinstance(first, VideoError):
            raise first
        raise VideoError(
            "pose_failed", f"the pose pass failed ({first.__class__.__name__}: {first})"
        ) from first
    done = sum(w.done for w in workers)
    if progress is not None and done > reported:
        progress(done - reported)
    merged = workers[0].builder
    for w in workers[1:]:
        merged.extend(w.builder)
    track = merged.build(info, workers[0].engine_name)
    # Every frame of the table decoded cleanly (anything else fell back to the sequential
    # pass); frames the container announced beyond the table count as missing there too.
    track.decode = DecodeStats(announced=info.frames, decoded=track.n, skipped=table.discarded)
    check_decoded(info, track.decode, float(track.t_s[-1]) + 1.0 / info.fps)
    return track, len(workers)
