"""Annotated H.264 MP4 (skeleton, back line coloured by state, rep counter, flags) and the
contact sheet of each rep's bottom and lockout frames, written in one second decode pass.
That pass is kept cheap: frames are decoded a few ahead on another thread, scaled inside the
colour conversion, and handed to the encoder already in yuv420p.

Encoder: PyAV's bundled libx264, yuv420p, +faststart, so the file plays in Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
from numpy.typing import NDArray

from backcheck.video import pose as P
from backcheck.video.analysis import BackSeries, frame_state
from backcheck.video.backshape import PROFILE_T, frame_axes
from backcheck.video.decode import iter_frames, prefetched
from backcheck.video.schema import Analysis
from backcheck.video.track import Track

COLOURS = {  # RGB
    "green": (40, 200, 80),
    "amber": (255, 176, 0),
    "red": (230, 40, 40),
    "grey": (170, 170, 170),
}
ANNOTATE_MAX_SIDE = 720  # the annotated copy is for looking at, not measuring: keep it cheap


def annotated_size(track: Track) -> tuple[int, int]:
    """Size of the annotated video (even dims, at most ANNOTATE_MAX_SIDE)."""
    w, h = track.frame_size
    s = min(1.0, ANNOTATE_MAX_SIDE / max(w, h))
    return max(2, round(w * s / 2) * 2), max(2, round(h * s / 2) * 2)


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
    h = rgb.shape[0]
    fs = max(0.5, h / 900)
    cv2.rectangle(rgb, (0, 0), (rgb.shape[1], int(34 * fs)), (0, 0, 0), -1)
    cv2.putText(
        rgb, banner, (8, int(24 * fs)), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * fs, (255, 255, 255), 2
    )
    if flag_text:
        y = h - int(16 * fs)
        cv2.rectangle(rgb, (0, y - int(28 * fs)), (rgb.shape[1], h), (120, 0, 0), -1)
        cv2.putText(rgb, flag_text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.7 * fs, (255, 255, 255), 2)


def write_annotated(
    track: Track,
    series: BackSeries,
    analysis: Analysis,
    out_path: Path,
    sheet_path: Path | None,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Second pass: decode, draw, encode; collect bottom/lockout frames for the contact sheet."""
    size = annotated_size(track)
    scale = size[0] / track.frame_size[0]
    fps = track.info.fps
    wanted: dict[int, str] = {}
    for r in analysis.reps:
        wanted[int(np.argmin(np.abs(track.t_s - r.bottom_s)))] = f"rep {r.index} bottom"
        wanted[int(np.argmin(np.abs(track.t_s - r.lockout_s)))] = f"rep {r.index} lockout"
    tiles: dict[str, NDArray[np.uint8]] = {}
    lockouts = [r.lockout_s for r in analysis.reps]
    flag_events = [
        (r.bottom_s, f"rep {r.index}: {f.id.replace('_', ' ')} at {f.phase} ({f.confidence:.0%})")
        for r in analysis.reps
        for f in r.flags
    ]
    judge = analysis.back_judgement.judgeable
    rate = max(1, round(fps))
    with av.open(str(out_path), mode="w", options={"movflags": "+faststart"}) as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "26", "tune": "zerolatency"}
        stream.codec_context.thread_count = 2
        frames = prefetched(iter_frames(track.info, size, strict=False, display=True))
        for frame in frames:
            i = frame.index
            rgb = np.ascontiguousarray(frame.rgb)
            if i < track.n:
                t = float(track.t_s[i])
                done = sum(1 for lt in lockouts if lt <= t + 1e-6)
                state = frame_state(series, i) if judge else "grey"
                flag = next((txt for ts, txt in flag_events if ts <= t <= ts + 2.0), None)
                banner = f"{analysis.lift}  reps {done}/{len(analysis.reps)}  view {analysis.view}"
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
                    tiles[wanted[i]] = rgb.copy()
            # OpenCV's I420 conversion gives the same bytes as the encoder's own swscale
            # rgb24→yuv420p (BT.601, limited range) at a fraction of the cost.
            yuv: NDArray[np.uint8] = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), np.uint8)
            vf = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            for packet in stream.encode(vf):
                out.mux(packet)
            if progress is not None:
                progress(1)
        for packet in stream.encode():
            out.mux(packet)
    if sheet_path is not None:
        write_contact_sheet(tiles, sheet_path)


def write_contact_sheet(tiles: dict[str, NDArray[np.uint8]], path: Path) -> None:
    """Grid: one row per rep, bottom then lockout; a placeholder if no rep was found."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reps = sorted({k.split()[1] for k in tiles}, key=int)
    rows = max(1, len(reps))
    fig, axes = plt.subplots(rows, 2, figsize=(7, 3.2 * rows), squeeze=False)
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
    plt.close(fig)
