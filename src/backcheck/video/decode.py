"""Streaming video decode with PyAV: probe first, then yield one RGB frame at a time.

Why PyAV: it hands back RGB directly (what the pose model wants), exposes the phone's rotation
(display matrix) per frame, and can downscale inside swscale, so a 4K clip never exists in memory
at full size. Frames are yielded one by one; nothing keeps the whole video.
"""

from __future__ import annotations

import functools
import math
import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from backcheck.video.errors import VideoError

# Limits: a set of lifts is seconds to a few minutes. Beyond these we refuse (duration) or
# downscale (resolution) instead of grinding for an hour or running out of memory.
MAX_DURATION_S = 15 * 60.0
MAX_PIXELS = 8192 * 8192  # refuse anything larger outright: not a phone video
ANALYSIS_MAX_SIDE = (
    1280  # frames larger than this are downscaled before pose (mask is 256 px anyway)
)
# Too short to hold a rep: on the dev clips the quickest rep (leaving the top to lockout) took
# 0.67 s and the shortest clip with a judged rep (it starts at the bottom) lasts 0.97 s; lift
# detection needs at least 10 frames with a body. Anything shorter than both is refused.
MIN_CLIP_S = 0.5
MIN_CLIP_FRAMES = 10
# Frames that could not be decoded (rejected by the decoder, flagged damaged, or missing from
# the end of the file): above WARN share the analysis says so; above REFUSE share it is not
# made at all (more gaps than frames: reps and the back's shape cannot be trusted).
WARN_UNDECODABLE_SHARE = 0.10
REFUSE_UNDECODABLE_SHARE = 0.50
# Demuxers that read one picture, not a video (image2: a single .jpg/.png/...; *_pipe: a
# picture recognised by its content, e.g. a photo renamed to .mp4).
STILL_IMAGE_FORMATS = ("image2",)


@dataclass(frozen=True)
class VideoInfo:
    """What the container says, with width/height as displayed (after rotation)."""

    path: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    rotation: int
    codec: str

    @property
    def analysis_scale(self) -> float:
        """Factor (<= 1) applied to frames before analysis."""
        side = max(self.width, self.height)
        return min(1.0, ANALYSIS_MAX_SIDE / side) if side > 0 else 1.0

    @property
    def analysis_size(self) -> tuple[int, int]:
        """(width, height) of the frames handed to analysis, both even."""
        s = self.analysis_scale
        return (
            max(2, round(self.width * s / 2) * 2),
            max(2, round(self.height * s / 2) * 2),
        )


@dataclass(frozen=True)
class Frame:
    """One decoded frame: index, presentation time and RGB pixels (display orientation)."""

    index: int
    t_s: float
    rgb: NDArray[np.uint8]


@dataclass
class DecodeStats:
    """How much of a clip could be decoded: filled in while its frames are decoded.

    `announced`: frames the container says it holds (0 if unknown); `decoded`: frames handed
    on; `failed`: packets the decoder rejected (no picture at all); `damaged`: decoded frames
    the decoder flagged as corrupt (shown, but with concealed blocks); `skipped`: an edit
    list's pre-roll packets (decoded, never shown: counted by the container, not lost).
    """

    announced: int = 0
    decoded: int = 0
    failed: int = 0
    damaged: int = 0
    skipped: int = 0

    @property
    def missing(self) -> int:
        """Announced frames that never arrived (the file ends early)."""
        return max(0, self.announced - self.skipped - self.decoded - self.failed)

    @property
    def undecodable(self) -> int:
        """Frames without a clean picture: rejected, damaged or missing."""
        return self.failed + self.damaged + self.missing

    @property
    def total(self) -> int:
        return max(self.announced - self.skipped, self.decoded + self.failed)

    @property
    def undecodable_share(self) -> float:
        return self.undecodable / self.total if self.total else 0.0


def undecodable_message(name: str, stats: DecodeStats) -> str:
    """One plain line: how much of the clip could not be decoded."""
    share = f"{stats.undecodable_share:.0%}"
    if stats.missing > stats.failed + stats.damaged:
        return (
            f"{name} is truncated: {stats.decoded} of {stats.total} frames could be read "
            f"({share} missing)"
        )
    return (
        f"{name} is damaged: {stats.undecodable} of {stats.total} frames ({share}) could not "
        "be decoded"
    )


def check_decoded(info: VideoInfo, stats: DecodeStats, span_s: float) -> None:
    """Refuse a clip whose decoded frames cannot hold a rep (too few, too short) or that is
    mostly undecodable. `span_s`: time from the first decoded frame to the end of the last."""
    name = Path(info.path).name
    if stats.decoded == 0:
        raise VideoError("no_frames", f"{name}: no frame could be decoded")
    if stats.undecodable_share > REFUSE_UNDECODABLE_SHARE:
        code = "truncated" if stats.missing > stats.failed + stats.damaged else "undecodable"
        raise VideoError(code, undecodable_message(name, stats) + ": too much to analyse")
    if stats.decoded < MIN_CLIP_FRAMES or span_s < _min_span(info.fps):
        raise too_short(name, stats.decoded, span_s)


def too_short(name: str, frames: int, seconds: float) -> VideoError:
    """The error for a clip too short to hold a rep."""
    count = f"{frames} frame{'' if frames == 1 else 's'}, " if frames > 0 else ""
    return VideoError(
        "too_short",
        f"{name} is too short to hold a rep ({count}{seconds:.2f} s): film the whole set, "
        f"at least {MIN_CLIP_S:g} s and {MIN_CLIP_FRAMES} frames",
    )


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VideoError("not_found", f"video file not found: {path}")
    if not path.is_file():
        raise VideoError("not_a_file", f"not a file: {path}")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise VideoError(
            "not_a_video", f"cannot read {path.name} as a video ({exc.__class__.__name__})"
        ) from exc


def _is_still_image(container: av.container.InputContainer) -> bool:
    """The file is one picture (a photo, a screenshot), whatever its name says."""
    names = str(container.format.name).split(",")
    return any(n in STILL_IMAGE_FORMATS or n.endswith("_pipe") for n in names)


def _min_span(fps: float) -> float:
    """Shortest accepted clip length, less half a frame (time stamps are rounded: a 0.5 s clip
    of 15 frames spans 14 frame intervals plus its last frame's)."""
    return MIN_CLIP_S - 0.5 / fps


def _rotation_of(frame: av.VideoFrame) -> int:
    """Clockwise rotation (0/90/180/270) needed to display the frame upright."""
    rot = round(float(getattr(frame, "rotation", 0) or 0))
    # PyAV reports the display-matrix angle counter-clockwise; display needs the opposite turn.
    return (-rot) % 360


def _rotate(rgb: NDArray[np.uint8], rotation: int) -> NDArray[np.uint8]:
    if rotation == 90:
        return np.ascontiguousarray(np.rot90(rgb, k=-1))
    if rotation == 180:
        return np.ascontiguousarray(rgb[::-1, ::-1])
    if rotation == 270:
        return np.ascontiguousarray(np.rot90(rgb, k=1))
    return rgb


def probe(path: str | Path) -> VideoInfo:
    """Read the metadata and decode the first frame; raise VideoError for unusable input."""
    p = Path(path)
    with _open(p) as container:
        if _is_still_image(container):
            raise VideoError(
                "still_image",
                f"{p.name} is a still picture, not a video: film the set "
                f"(at least {MIN_CLIP_S:g} s)",
            )
        if not container.streams.video:
            if container.streams.audio:
                raise VideoError("audio_only", f"{p.name} has sound but no picture: film the lift")
            raise VideoError("not_a_video", f"{p.name} contains no video stream")
        stream = container.streams.video[0]
        w, h = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
        if w <= 0 or h <= 0:
            raise VideoError("not_a_video", f"{p.name}: video stream has no picture size")
        if w * h > MAX_PIXELS:
            raise VideoError(
                "too_large", f"{p.name}: {w}x{h} is too large to analyse (max 8192x8192)"
            )
        rate = stream.average_rate or stream.base_rate or stream.guessed_rate
        fps = float(rate) if rate else 0.0
        if not (1.0 <= fps <= 480.0) or math.isnan(fps):
            fps = 30.0
        duration = 0.0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000.0
        if duration > MAX_DURATION_S:
            raise VideoError(
                "too_long",
                f"{p.name} lasts {duration / 60:.0f} min; film one set "
                f"(max {MAX_DURATION_S / 60:.0f} min)",
            )
        frames = int(stream.frames or 0) or round(duration * fps)
        if 0 < int(stream.frames or 0) < MIN_CLIP_FRAMES or 0 < duration < _min_span(fps):
            raise too_short(p.name, int(stream.frames or 0), duration)
        first = None
        try:
            first = next(iter(container.decode(stream)), None)
        except (av.error.FFmpegError, ValueError) as exc:
            raise VideoError("corrupt", f"{p.name}: cannot decode the first frame ({exc})") from exc
        if first is None:
            raise VideoError("no_frames", f"{p.name} has a video stream but no frames")
        rotation = _rotation_of(first)
        codec = stream.codec_context.name
    if rotation in (90, 270):
        w, h = h, w
    return VideoInfo(str(p), w, h, fps, max(frames, 1), duration, rotation, codec)


def _box_axis(src: int, dst: int) -> NDArray[np.float32] | None:
    """Per output pixel along one axis, the source coordinate at which bilinear interpolation
    gives that pixel's box (area) average; None unless every output box covers at most two
    source pixels (true for 1.5x, i.e. 1080p -> 720p, and 1.25x; not for 1012 -> 674), the
    only case one bilinear sample reproduces."""
    r = src / dst
    lo = np.arange(dst, dtype=np.float64) * r
    first = np.floor(lo)
    if r < 1.0 or np.any(lo + r > first + 2.0 + 1e-9):
        return None
    w_first = np.minimum(first + 1.0, lo + r) - lo
    w_next = np.clip(lo + r - (first + 1.0), 0.0, 1.0)
    return np.asarray(first + w_next / (w_first + w_next), np.float32)


@functools.lru_cache(maxsize=8)
def _box_maps(
    src: tuple[int, int], dst: tuple[int, int]
) -> tuple[NDArray[Any], NDArray[Any]] | None:
    """cv2.remap maps (fixed point) that shrink `src` (w, h) to `dst` by box averaging, or
    None where a remap cannot (see `_box_axis`)."""
    ax, ay = _box_axis(src[0], dst[0]), _box_axis(src[1], dst[1])
    if ax is None or ay is None:
        return None
    mx, my = np.meshgrid(ax, ay)
    m1, m2 = cv2.convertMaps(mx, my, cv2.CV_16SC2)
    return m1, m2


def shrink(rgb: NDArray[np.uint8], size: tuple[int, int]) -> NDArray[np.uint8]:
    """`rgb` shrunk to `size` (w, h) with the area (box) filter, the pose input's filter.

    OpenCV's area filter has a fast path only for whole-number factors; at 1080p -> 720p
    (1.5x) it cost ~14 ms of CPU a frame. There the same box average is one bilinear remap at
    precomputed positions (~9 ms; within 2 levels of cv2.INTER_AREA on real frames, the
    rounding of its 1/32 fixed-point weights), which keeps the pose input, and so the
    analysis, that of the area filter (a plain bilinear shrink changed a 1080p clip's lockout
    angles by 5 degrees). Other factors use cv2.INTER_AREA itself.
    """
    h, w = rgb.shape[:2]
    rx, ry = w / size[0], h / size[1]
    maps = None if rx == int(rx) and ry == int(ry) else _box_maps((w, h), size)
    if maps is None:
        return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    out = cv2.remap(rgb, maps[0], maps[1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(out, np.uint8)


def _to_rgb(frame: av.VideoFrame, dw: int, dh: int, display: bool) -> NDArray[np.uint8]:
    """RGB pixels of a decoded frame at decoder-side size (dw, dh)."""
    # Convert at native size, then shrink with the area filter (`shrink`): measured 2-3x
    # faster than swscale's scalers in to_ndarray(width=, height=).
    rgb: NDArray[np.uint8]
    if display and (frame.width != dw or frame.height != dh):
        rgb = np.asarray(
            frame.to_ndarray(width=dw, height=dh, format="rgb24", interpolation="AREA"),
            dtype=np.uint8,
        )
    else:
        rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
    if rgb.shape[1] != dw or rgb.shape[0] != dh:
        rgb = shrink(rgb, (dw, dh))
    return rgb


def _decoder_size(info: VideoInfo, size: tuple[int, int] | None) -> tuple[int, int]:
    """Decoder-side (w, h) for a display-orientation `size`: swapped for 90/270 rotation."""
    w, h = size or (info.width, info.height)
    return (h, w) if info.rotation in (90, 270) else (w, h)


def iter_frames(
    info: VideoInfo,
    size: tuple[int, int] | None = None,
    strict: bool = True,
    display: bool = False,
    stats: DecodeStats | None = None,
) -> Iterator[Frame]:
    """Yield RGB frames (display orientation), scaled to `size` (w, h) if given.

    `display`: scale inside the YUV→RGB conversion with swscale's area filter (one step, about
    twice as fast as convert-then-resize with the area filter); the pixels differ slightly from
    the OpenCV shrink that pose input gets, so use it only for copies people look at.

    Packets are decoded one by one, so a damaged packet costs its own frame, not the rest of
    the clip; `stats` (if given) counts the frames decoded, rejected and flagged damaged.
    With `strict` the clip is refused (VideoError) once more than REFUSE_UNDECODABLE_SHARE of
    its announced frames failed, and at the end when what was decoded cannot hold a rep or is
    mostly undecodable (`check_decoded`).
    """
    dw, dh = _decoder_size(info, size)
    counts = stats if stats is not None else DecodeStats()
    counts.announced = info.frames
    name = Path(info.path).name
    span = 0.0
    with _open(Path(info.path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        tb = float(stream.time_base) if stream.time_base else 1.0 / info.fps
        t0: float | None = None
        n = 0
        for packet in _packets(container, stream, counts):
            try:
                decoded = packet.decode() if packet is not None else stream.decode(None)
                frames = list(decoded)
            except (av.error.FFmpegError, ValueError):
                counts.failed += 1
                if strict and counts.failed > REFUSE_UNDECODABLE_SHARE * max(info.frames, 1):
                    raise VideoError(
                        "undecodable",
                        f"{name} is damaged: more than half of its {info.frames} frames could "
                        "not be decoded: too much to analyse",
                    ) from None
                continue
            for frame in frames:
                if frame.pts is not None:
                    t = float(frame.pts) * tb
                    t0 = t if t0 is None else t0
                    t -= t0
                else:
                    t = n / info.fps
                if frame.is_corrupt:
                    counts.damaged += 1
                yield Frame(n, t, _rotate(_to_rgb(frame, dw, dh, display), info.rotation))
                n += 1
                counts.decoded = n
                span = max(span, t + 1.0 / info.fps)
    if n == 0:
        raise VideoError("no_frames", f"{name}: no frame could be decoded")
    if strict:
        check_decoded(info, counts, span)


def _packets(
    container: av.container.InputContainer, stream: av.VideoStream, counts: DecodeStats
) -> Iterator[av.Packet[av.VideoStream] | None]:
    """The stream's packets, then None (flush the decoder). A demux error ends the file
    there (a truncated or damaged container): what is missing is counted from `announced`."""
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's end-of-stream flush packet
                continue
            if packet.is_discard:
                counts.skipped += 1
            yield packet
    except (av.error.FFmpegError, ValueError):
        pass
    yield None


class FrameOrderError(Exception):
    """A segment's decoded frames do not line up with the frame table (internal: the caller
    falls back to one sequential decode, whose frame numbering is the reference)."""


@dataclass(frozen=True)
class FrameTable:
    """Every frame's presentation time stamp in display order, and the keyframes, from one
    demux pass (packets only, nothing decoded: a few milliseconds per second of video).

    It lets a decoder start in the middle of a clip (seek to the keyframe before a frame) and
    still give each frame the number and time a sequential decode from the start would.
    """

    pts: NDArray[np.int64]  # sorted: frame i's pts, in the stream time base
    key_pts: NDArray[np.int64]  # keyframes' pts, sorted
    key_seek: NDArray[np.int64]  # per keyframe: min(pts, dts), a safe backward-seek target
    time_base: float
    discarded: int = 0  # edit-list pre-roll packets left out of `pts` (DecodeStats.skipped)

    @property
    def n(self) -> int:
        return int(self.pts.shape[0])

    def seek_target(self, index: int) -> int | None:
        """Time stamp to seek to (backward) so that decoding reaches frame `index` from a
        keyframe at or before it; None when no keyframe precedes it (decode from the start)."""
        k = int(np.searchsorted(self.key_pts, self.pts[index], side="right")) - 1
        return int(self.key_seek[k]) if k >= 0 else None

    def t_s(self, pts: int) -> float:
        """Seconds since the first frame, computed exactly as the sequential decode does."""
        return float(pts) * self.time_base - float(self.pts[0]) * self.time_base


def frame_table(info: VideoInfo) -> FrameTable | None:
    """The clip's frame table, or None where packets lack time stamps or repeat one (then
    only a sequential decode numbers the frames reliably)."""
    pts: list[int] = []
    keys: list[tuple[int, int]] = []
    discarded = 0
    try:
        with _open(Path(info.path)) as container:
            stream = container.streams.video[0]
            if stream.time_base is None:
                return None
            for packet in container.demux(stream):
                if packet.size == 0:  # the demuxer's end-of-stream flush packet
                    continue
                if packet.pts is None:
                    return None
                if not packet.is_discard:  # an edit list's pre-roll: decoded, never shown
                    pts.append(int(packet.pts))
                else:
                    discarded += 1
                if packet.is_keyframe:
                    dts = int(packet.dts) if packet.dts is not None else int(packet.pts)
                    keys.append((int(packet.pts), min(int(packet.pts), dts)))
            tb = float(stream.time_base)
    except (VideoError, av.error.FFmpegError, ValueError):
        return None
    table = np.sort(np.asarray(pts, np.int64))
    if table.size == 0 or not keys or np.any(np.diff(table) <= 0):
        return None
    keys.sort()
    return FrameTable(
        pts=table,
        key_pts=np.asarray([k[0] for k in keys], np.int64),
        key_seek=np.asarray([k[1] for k in keys], np.int64),
        time_base=tb,
        discarded=discarded,
    )


def iter_segment(
    info: VideoInfo,
    table: FrameTable,
    start: int,
    stop: int,
    size: tuple[int, int] | None = None,
) -> Iterator[Frame]:
    """Frames `start` ≤ index < `stop`, numbered and timed as `iter_frames` would, decoded
    from the keyframe before `start` (frames before `start` are decoded but not converted).

    Raises FrameOrderError when a decoded frame is not the one the table expects next (a frame
    the decoder dropped, a time stamp outside the table, a decode error, a frame flagged
    damaged): the caller then falls back to one sequential decode, which counts what could not
    be decoded (`DecodeStats`). Ends early only if the file ends early.
    """
    dw, dh = _decoder_size(info, size)
    expected = start
    with _open(Path(info.path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        target = table.seek_target(start) if start > 0 else None
        try:
            if target is not None:
                container.seek(target, backward=True, any_frame=False, stream=stream)
            for frame in container.decode(stream):
                if frame.pts is None:
                    raise FrameOrderError("a frame without a time stamp")
                i = int(np.searchsorted(table.pts, frame.pts))
                if i >= table.n or table.pts[i] != frame.pts:
                    raise FrameOrderError(f"time stamp {frame.pts} is not in the table")
                if i < start and expected == start:
                    continue  # between the keyframe and the first wanted frame
                if i != expected:
                    raise FrameOrderError(f"frame {i} decoded where {expected} was expected")
                if frame.is_corrupt:  # counted only by the sequential pass (iter_frames)
                    raise FrameOrderError(f"frame {i} is damaged")
                rgb = _rotate(_to_rgb(frame, dw, dh, False), info.rotation)
                yield Frame(i, table.t_s(int(frame.pts)), rgb)
                expected += 1
                if expected >= stop:
                    return
        except (av.error.FFmpegError, ValueError) as exc:
            raise FrameOrderError(f"decode error at frame {expected}: {exc}") from exc
    if expected < stop:
        raise FrameOrderError(f"the file ended at frame {expected}, before {stop}")


T = TypeVar("T")
_DONE = object()


class Prefetcher(Iterator[T]):
    """Runs `items` (a frame decoder) in a background thread, `depth` items ahead, from the
    moment it is made: a pose segment starts decoding (for a later segment, from the keyframe
    before it) while its engine is still starting.

    Decoding, colour conversion and resizing release the GIL, so on a multi-core machine they
    overlap the consumer's work (pose inference, drawing, encoding) instead of adding to it.
    Memory stays flat: at most `depth` frames wait in the queue. An exception in the producer
    (VideoError for a truncated file) is raised in the consumer after the items before it.
    `close()` (also on exhaustion) stops the producer and closes the source; call it when
    stopping early.
    """

    def __init__(self, items: Iterator[T], depth: int = 4) -> None:
        self._items = items
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._worker = threading.Thread(target=self._produce, name="backcheck-decode", daemon=True)
        self._worker.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            self._put(exc)
        finally:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    def __next__(self) -> T:
        if self._stop.is_set():
            raise StopIteration
        item = self._queue.get()
        if item is _DONE:
            self.close()
            raise StopIteration
        if isinstance(item, BaseException):
            self.close()
            raise item
        return item  # type: ignore[return-value]

    def close(self) -> None:
        """Stop the producer and wait for it (the source is closed by then)."""
        self._stop.set()
        if self._worker is not threading.current_thread():
            self._worker.join()


def prefetched(items: Iterator[T], depth: int = 4) -> Generator[T, None, None]:
    """`items` through a Prefetcher that starts at the first item asked for; a consumer that
    stops early stops the producer (and closes the file) too."""
    fetcher = Prefetcher(items, depth)
    try:
        yield from fetcher
    finally:
        fetcher.close()
