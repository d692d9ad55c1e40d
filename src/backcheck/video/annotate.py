"""Annotated H.264 MP4 (skeleton, back line coloured by state, rep counter, flags) and the
contact sheet of each rep's bottom and lockout frames.

The overlays need the whole clip's analysis (facing, reps, flags), so they are drawn in a
second pass, after the analysis. That pass does not decode the source again: during the pose
pass every decoded frame is also shrunk to the annotated size and kept as a JPEG in a
temporary file (`DisplayCopy`: one frame in memory per writer, ~20 KB a frame on disk), which
the second pass reads back a few frames ahead on another thread. Frames reach the encoder
already in yuv420p. Without a display copy the pass decodes the source (scaled inside the
colour conversion).

Encoder: PyAV's bundled libx264, yuv420p, +faststart, so the file plays in Chromium.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from backcheck.core.vocabulary import LIFT_WORDS
from backcheck.video import pose as P
from backcheck.video.analysis import BackSeries, frame_state
from backcheck.video.backshape import PROFILE_T, frame_axes
from backcheck.video.decode import iter_frames, prefetched
from backcheck.video.schema import Analysis, Flag
from backcheck.video.track import Track

COLOURS = {  # RGB
    "green": (40, 200, 80),
    "amber": (255, 176, 0),
    "red": (230, 40, 40),
    "grey": (170, 170, 170),
}
ANNOTATE_MAX_SIDE = 720  # the annotated copy is for looking at, not measuring: keep it cheap
SHEET_TILE_MAX_SIDE = 400
DISPLAY_JPEG_QUALITY = 85  # the display copy; the final video is crf 26, coarser than this


def annotated_size_for(frame_size: tuple[int, int]) -> tuple[int, int]:
    """Size of the annotated video for analysis frames of `frame_size` (even dims, at most
    ANNOTATE_MAX_SIDE)."""
    w, h = frame_size
    s = min(1.0, ANNOTATE_MAX_SIDE / max(w, h))
    return max(2, round(w * s / 2) * 2), max(2, round(h * s / 2) * 2)


def annotated_size(track: Track) -> tuple[int, int]:
    """Size of the annotated video (even dims, at most ANNOTATE_MAX_SIDE)."""
    return annotated_size_for(track.frame_size)


class _DisplayPart:
    """One segment's frames: 4-byte little-endian length, then the JPEG, per frame."""

    def __init__(self, path: Path, size: tuple[int, int]) -> None:
        self.path, self.size, self.frames = path, size, 0
        self._file: BinaryIO | None = path.open("wb")

    def add(self, rgb: NDArray[np.uint8]) -> None:
        if self._file is None:
            raise ValueError("display copy part already closed")
        if (rgb.shape[1], rgb.shape[0]) != self.size:
            rgb = np.asarray(cv2.resize(rgb, self.size, interpolation=cv2.INTER_LINEAR), np.uint8)
        ok, jpeg = cv2.imencode(
            ".jpg",
            cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, DISPLAY_JPEG_QUALITY],
        )
        if not ok:
            raise ValueError("JPEG encoding failed")
        self._file.write(len(jpeg).to_bytes(4, "little"))
        self._file.write(jpeg.tobytes())
        self.frames += 1

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class DisplayCopy:
    """Annotated-size copy of the analysed frames, written during the pose pass, in parts
    (one per pose segment, consecutive); `frames()` reads them back in order, `remove()`
    deletes the files."""

    def __init__(self, folder: Path, frame_size: tuple[int, int]) -> None:
        self.folder = folder
        self.size = annotated_size_for(frame_size)
        self._parts: dict[int, _DisplayPart] = {}

    def part(self, k: int) -> _DisplayPart:
        """A fresh writer for part k; parts k and later written before are dropped (a pose
        pass that restarts sequentially asks for part 0 again)."""
        for j in [j for j in self._parts if j >= k]:
            dropped = self._parts.pop(j)
            dropped.close()
            dropped.path.unlink(missing_ok=True)
        part = _DisplayPart(self.folder / f".display-{k}.tmp", self.size)
        self._parts[k] = part
        return part

    @property
    def frames_written(self) -> int:
        return sum(p.frames for p in self._parts.values())

    def close(self) -> None:
        for p in self._parts.values():
            p.close()

    def frames(self) -> Iterator[NDArray[np.uint8]]:
        """RGB frames of every part, in order."""
        self.close()
        for k in sorted(self._parts):
            with self._parts[k].path.open("rb") as f:
                while head := f.read(4):
                    jpeg = np.frombuffer(f.read(int.from_bytes(head, "little")), np.uint8)
                    bgr = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
                    if bgr is None:
                        raise ValueError(f"damaged display copy {self._parts[k].path.name}")
                    yield np.asarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), np.uint8)

    def remove(self) -> None:
        self.close()
        for p in self._parts.values():
            with contextlib.suppress(OSError):
                p.path.unlink()
        self._parts.clear()


VIEW_WORDS = {  # how the camera view is named on frames and plots
    "side": "side view",
    "front": "front view",
    "rear": "rear view",
    "oblique": "oblique view",
    "unknown": "view unclear",
}
BASIS_WORDS = {  # what a flag was judged against, in words
    "single clip": "from this clip alone",
    "reference": "against your reference set",
    "rep to rep": "against this set's first reps",
}


def flag_what(flag: Flag) -> str:
    """What a flag saw, in words, never its id."""
    return flag.basis or (
        "the lower back rounds" if flag.id == "lumbar_flexion" else "the lower back over-arches"
    )


def flag_words(rep: int, flag: Flag) -> str:
    """The flag message drawn on the frames (two lines): what was seen, how sure, and what it
    was judged against."""
    return (
        f"rep {rep}: {flag_what(flag)}\n{flag.confidence:.0%} confidence, {BASIS_WORDS[flag.kind]}"
    )


def draw_frame(
    rgb: NDArray[np.uint8],
    lm: NDArray[np.float32],
    edge: NDArray[np.float32],
    back_sign: float,
    state: str,
    scale: float,
    banner: str,
    flag_text: str | None,
) -> None:
    """Draw in place: skeleton, the measured dorsal edge, a banner and a flag message."""
    if np.all(np.isfinite(lm[:, :2])):
        pts = lm[:, :2] * scale
        for a, b in P.SKELETON:
            pa = (int(pts[a, 0]), int(pts[a, 1]))
            pb = (int(pts[b, 0]), int(pts[b, 1]))
            cv2.line(rgb, pa, pb, (255, 255, 255), 2, cv2.LINE_AA)
        hip = (pts[P.L_HIP] + pts[P.R_HIP]) / 2
        sh = (pts[P.L_SHOULDER] + pts[P.R_SHOULDER]) / 2
        u, n, length = frame_axes(hip, sh)
        ok = np.isfinite(edge)
        if length > 0 and ok.sum() >= 2:
            base = hip[None, :] + np.outer(PROFILE_T[ok], u) * length
            line = base + (back_sign * edge[ok].astype(float) * length)[:, None] * n[None, :]
            cv2.polylines(rgb, [line.astype(np.int32)], False, COLOURS[state], 4, cv2.LINE_AA)
    h, w = rgb.shape[:2]
    fs = max(0.5, h / 900)
    cv2.rectangle(rgb, (0, 0), (w, int(34 * fs)), (0, 0, 0), -1)
    font = cv2.FONT_HERSHEY_SIMPLEX
    white = (255, 255, 255)
    cv2.putText(rgb, banner, (8, int(24 * fs)), font, fitted(banner, w, 0.7 * fs), white, 2)
    if flag_text:
        lines = flag_text.split("\n")
        step = int(30 * fs)
        top = h - step * len(lines) - int(8 * fs)
        cv2.rectangle(rgb, (0, top), (w, h), (120, 0, 0), -1)
        for k, line in enumerate(lines):
            y = top + step * (k + 1) - int(6 * fs)
            cv2.putText(rgb, line, (8, y), font, fitted(line, w, 0.7 * fs), white, 2)


def fitted(text: str, width: int, scale: float) -> float:
    """Font scale at most `scale` that fits `text` across `width` px (a portrait clip is
    narrow), never below a legible 0.35."""
    (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    return max(0.35, min(scale, scale * (width - 16) / max(tw, 1)))


def write_annotated(
    track: Track,
    series: BackSeries,
    analysis: Analysis,
    out_path: Path,
    sheet_path: Path | None,
    progress: Callable[[int], None] | None = None,
    frames: Iterable[NDArray[np.uint8]] | None = None,
) -> None:
    """Second pass: draw on each frame, encode; collect bottom/lockout frames for the contact
    sheet. `frames`: the display copy's frames (annotated size, in order); without it the
    source is decoded again."""
    size = annotated_size(track)
    scale = size[0] / track.frame_size[0]
    fps = track.info.fps
    wanted: dict[int, str] = {}
    for r in analysis.reps:
        wanted[int(np.argmin(np.abs(track.t_s - r.bottom_s)))] = f"rep {r.index} bottom"
        wanted[int(np.argmin(np.abs(track.t_s - r.lockout_s)))] = f"rep {r.index} lockout"
    tiles: dict[str, NDArray[np.uint8]] = {}
    lockouts = [r.lockout_s for r in analysis.reps]
    flag_events = [(r.bottom_s, flag_words(r.index, f)) for r in analysis.reps for f in r.flags]
    judge = analysis.back_judgement.judgeable
    rate = max(1, round(fps))
    if frames is None:
        source: Iterator[NDArray[np.uint8]] = (
            f.rgb for f in iter_frames(track.info, size, strict=False, display=True)
        )
    else:
        source = iter(frames)

    # The contact sheet is drawn on a thread of its own once its last tile is in, while the
    # rest of the clip is still being encoded.
    last_tile = max(wanted, default=-1) if sheet_path is not None else track.n
    sheet = _SheetWriter(tiles, sheet_path)

    def drawn() -> Iterator[NDArray[np.uint8]]:
        """Each frame drawn on and converted to yuv420p (on a thread of its own: see below)."""
        for i, pixels in enumerate(prefetched(source)):
            rgb = np.ascontiguousarray(pixels)
            if i < track.n:
                t = float(track.t_s[i])
                done = sum(1 for lt in lockouts if lt <= t + 1e-6)
                state = frame_state(series, i) if judge else "grey"
                flag = next((txt for ts, txt in flag_events if ts <= t <= ts + 2.0), None)
                banner = (
                    f"{LIFT_WORDS.get(analysis.lift, analysis.lift)}  reps {done}/"
                    f"{len(analysis.reps)}  {VIEW_WORDS[analysis.view]}"
                )
                if not judge:
                    banner += "  back: can't judge"
                draw_frame(
                    rgb,
                    track.image[i],
                    series.edge[i],
                    series.back_sign,
                    state,
                    scale,
                    banner,
                    flag,
                )
                if i in wanted and sheet_path is not None:
                    tiles[wanted[i]] = sheet_tile(rgb)
                if i >= last_tile:
                    sheet.start()
            # OpenCV's I420 conversion gives the same bytes as the encoder's own swscale
            # rgb24→yuv420p (BT.601, limited range) at a fraction of the cost.
            yield np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), np.uint8)

    try:
        with av.open(str(out_path), mode="w", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=rate)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "26", "tune": "zerolatency"}
            stream.codec_context.thread_count = 2
            # Three stages on three threads: the display copy's JPEGs are decoded, the frames
            # drawn on, and encoded here; OpenCV and the encoder release the GIL, so the stages
            # overlap instead of adding up (the encoder waits for its slice threads per frame).
            for yuv in prefetched(drawn()):
                vf = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                for packet in stream.encode(vf):
                    out.mux(packet)
                if progress is not None:
                    progress(1)
            for packet in stream.encode():
                out.mux(packet)
    finally:
        sheet.wait()  # never left writing after a failure
    sheet.start()
    sheet.finish()


class _SheetWriter:
    """Writes the contact sheet once, on a thread of its own; `finish` waits for it and
    raises what it raised. Without a path it does nothing."""

    def __init__(self, tiles: dict[str, NDArray[np.uint8]], path: Path | None) -> None:
        self.tiles, self.path = tiles, path
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.path is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._write, name="backcheck-sheet", daemon=True)
        self._thread.start()

    def _write(self) -> None:
        assert self.path is not None
        try:
            write_contact_sheet(dict(self.tiles), self.path)
        except BaseException as exc:  # raised in the caller's thread by finish()
            self.error = exc

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()

    def finish(self) -> None:
        self.wait()
        if self.error is not None:
            raise self.error


def sheet_tile(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """A copy small enough for the contact sheet (a tile is ~300 px wide there), so the
    frames kept for it cost little even when a long set has many reps."""
    h, w = rgb.shape[:2]
    s = min(1.0, SHEET_TILE_MAX_SIDE / max(h, w))
    if s >= 1.0:
        return rgb.copy()
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)


def write_contact_sheet(tiles: dict[str, NDArray[np.uint8]], path: Path) -> None:
    """Grid: one row per rep, bottom then lockout; a placeholder if no rep was found."""
    from matplotlib.figure import Figure  # not pyplot: the plot may be drawn meanwhile

    reps = sorted({k.split()[1] for k in tiles}, key=int)
    rows = max(1, len(reps))
    fig = Figure(figsize=(7, 3.2 * rows))
    axes = fig.subplots(rows, 2, squeeze=False)
    for r, rep in enumerate(reps or ["-"]):
        for c, phase in enumerate(("bottom", "lockout")):
            ax = axes[r][c]
            ax.axis("off")
            key = f"rep {rep} {phase}"
            if key in tiles:
                ax.imshow(tiles[key])
                ax.set_title(key, fontsize=10)
            else:
                ax.set_title(f"{key}: no frame" if reps else "no rep found", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
