"""Video analysis speed and memory benchmark (`make bench` calls it via run_all.py).

On one real side-view clip re-encoded to 720p30 and 1080p30 (with the ffmpeg binary shipped in
imageio-ffmpeg, in a temp dir): frames/s of decode alone, of the bare pose loop (decode +
MediaPipe process with the mask, what a hand-written script does) and of the full analysis
(`run_analysis`: pose pass, back measure, annotated video, plots, JSON); the ratio full/bare
(goal ≥ 0.8). Then peak RSS of the full analysis on ~20 s and ~60 s 1080p clips made by
concatenating real clips (goal: flat in length, < 1.5 GB). Real clips come from
../shared/data/videos; the benchmark stops with a message if they are absent.

The machine's other load makes single runs noisy: `--repeat N` (or BENCH_REPEAT=N) measures each
f/s figure N times, interleaved, and reports the median. A summary table ends the output.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import imageio_ffmpeg
from machine_info import machine

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
CLIPS = (REPO / ".." / "shared" / "data" / "videos").resolve()
SOURCE = "dl_shirtless_coach_neutral.mp4"  # 10.9 s side-view deadlift, 1280x720
LONG_PARTS = [
    "dl_shirtless_coach_neutral.mp4",
    "dl_yfgd_pink.mp4",
    "dl_formfit_redshirt.mp4",
    "dl_shield_neutral.mp4",
]
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def encode(src: list[Path], dst: Path, w: int, h: int, seconds: float | None = None) -> None:
    """Scale/pad each part to w×h at 30 fps, concatenate, H.264 yuv420p."""
    args = [FFMPEG, "-v", "error", "-y"]
    for s in src:
        args += ["-i", str(s)]
    chains = "".join(
        f"[{i}:v]scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2,"
        f"fps=30,setsar=1[v{i}];"
        for i in range(len(src))
    )
    concat = "".join(f"[v{i}]" for i in range(len(src))) + f"concat=n={len(src)}:v=1:a=0[out]"
    args += [
        "-filter_complex",
        chains + concat,
        "-map",
        "[out]",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
    ]
    args += ["-pix_fmt", "yuv420p", "-an"]
    if seconds:
        args += ["-t", str(seconds)]
    subprocess.run([*args, str(dst)], check=True)


def fps_decode(path: Path) -> float:
    from backcheck.video.decode import iter_frames, probe

    info = probe(path)
    t = time.perf_counter()
    n = sum(1 for _ in iter_frames(info))
    return n / (time.perf_counter() - t)


def fps_bare(path: Path) -> float:
    """What a hand-written script does: decode every frame, MediaPipe pose with the mask."""
    import av
    import mediapipe as mp

    from backcheck.video.pose import quiet_native_stderr

    warnings.filterwarnings("ignore", message=".*GetPrototype.*", category=UserWarning)
    with quiet_native_stderr():  # MediaPipe's start-up log lines, not the benchmark's output
        pose = mp.solutions.pose.Pose(
            model_complexity=1, enable_segmentation=True, static_image_mode=False
        )
        t = time.perf_counter()
        n = 0
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            s.thread_type = "AUTO"
            for frame in c.decode(s):
                pose.process(frame.to_ndarray(format="rgb24"))
                n += 1
        dt = time.perf_counter() - t
    pose.close()
    return n / dt


def fps_full(path: Path, out: Path) -> tuple[float, int]:
    from backcheck.video.pipeline import run_analysis

    t = time.perf_counter()
    a = run_analysis(path, out)
    return a.video.frames / (time.perf_counter() - t), a.video.frames


def peak_rss_child(path: Path, out: Path) -> float:
    """Peak RSS (MB) of a fresh process running the full analysis.

    Read from /proc/self/status VmHWM: Linux carries ru_maxrss across fork+exec, so a child's
    ru_maxrss would report this (already large) benchmark process's peak instead of its own.
    """
    code = (
        f"import sys, resource; sys.path.insert(0, {str(REPO / 'src')!r})\n"
        "from pathlib import Path\nfrom backcheck.video.pipeline import run_analysis\n"
        f"run_analysis(Path({str(path)!r}), Path({str(out)!r}))\n"
        "kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n"
        "    status = open('/proc/self/status').read().splitlines()\n"
        "    kb = int(next(x for x in status if x.startswith('VmHWM:')).split()[1])\n"
        "except (OSError, StopIteration):\n"
        "    pass\n"
        "print(kb)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(res.stdout.strip().splitlines()[-1]) / 1024.0


def duration(path: Path) -> float:
    from backcheck.video.decode import probe

    return probe(path).duration_s


def summary_table(results: dict[str, object], sizes: list[str]) -> str:
    """The figures people compare, one row per size (medians when repeated)."""
    head = (
        f"{'size':<8} {'frames':>6} {'decode f/s':>10} {'bare f/s':>9} {'full f/s':>9} "
        f"{'full/bare':>9} {'x real time':>11}"
    )
    lines = ["", f"summary: {results['machine']}", f"load average at start: {results['load']}"]
    lines += [head, "-" * len(head)]
    for label in sizes:
        r = results[label]
        assert isinstance(r, dict)
        lines.append(
            f"{label:<8} {r['frames']:>6} {r['decode_fps']:>10} {r['bare_pose_fps']:>9} "
            f"{r['full_analysis_fps']:>9} {r['full_over_bare']:>9} {r['realtime_factor']:>10}x"
        )
    rss = [k for k in results if k.startswith("peak_rss_mb_")]
    if rss:
        lines.append(
            "peak RSS, full analysis: "
            + ", ".join(f"{k.removeprefix('peak_rss_mb_')} {results[k]} MB" for k in rss)
        )
    lines.append(
        f"(repeat {results['repeat']}, medians; goals: full/bare >= 0.8, > 1x real time, "
        "RSS flat in length)"
    )
    return "\n".join(lines)


def measure_size(clip: Path, out: Path, repeat: int) -> dict[str, float | int]:
    """decode, bare and full f/s of one clip, each the median of `repeat` interleaved runs."""
    dec: list[float] = []
    bare: list[float] = []
    full: list[float] = []
    frames = 0
    for k in range(repeat):
        dec.append(fps_decode(clip))
        bare.append(fps_bare(clip))
        f, frames = fps_full(clip, out / f"run{k}")
        full.append(f)
    d, b, f = statistics.median(dec), statistics.median(bare), statistics.median(full)
    return {
        "frames": frames,
        "decode_fps": round(d, 1),
        "bare_pose_fps": round(b, 1),
        "full_analysis_fps": round(f, 1),
        "full_over_bare": round(f / b, 2),
        "realtime_factor": round(f / 30.0, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "1")))
    parser.add_argument("--no-rss", action="store_true", help="skip the long-clip memory runs")
    args, _ = parser.parse_known_args()
    repeat = max(1, args.repeat)
    if not (CLIPS / SOURCE).exists():
        print(f"video bench: real clips not found at {CLIPS}; skipped")
        return 0
    os.environ.setdefault("GLOG_minloglevel", "2")
    print(f"machine: {machine()}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results: dict[str, object] = {"machine": machine(), "load": load, "repeat": repeat}
    sizes = {"720p30": (1280, 720), "1080p30": (1920, 1080)}
    with tempfile.TemporaryDirectory(prefix="bc-bench-") as tmp_s:
        tmp = Path(tmp_s)
        for label, (w, h) in sizes.items():
            clip = tmp / f"{label}.mp4"
            encode([CLIPS / SOURCE], clip, w, h)
            row = measure_size(clip, tmp / f"out-{label}", repeat)
            results[label] = row
            print(
                f"{label}: {row['frames']} frames  decode {row['decode_fps']:.0f} f/s  "
                f"bare pose loop {row['bare_pose_fps']:.1f} f/s  "
                f"full analysis {row['full_analysis_fps']:.1f} f/s  "
                f"full/bare {row['full_over_bare']:.2f}  ({row['realtime_factor']:.2f}x real time)",
                flush=True,
            )
        if not args.no_rss:
            parts = [CLIPS / p for p in LONG_PARTS if (CLIPS / p).exists()]
            long_all = tmp / "long_all.mp4"
            encode(parts * 3, long_all, 1920, 1080, seconds=60)
            short = tmp / "long_20s.mp4"
            encode(parts, short, 1920, 1080, seconds=20)
            for label, clip in (("1080p_20s", short), ("1080p_60s", long_all)):
                mb = peak_rss_child(clip, tmp / f"out-{label}")
                results[f"peak_rss_mb_{label}"] = round(mb)
                secs = duration(clip)
                print(f"peak RSS, full analysis of a {secs:.0f} s 1080p30 clip: {mb:.0f} MB")
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    results["bench_process_peak_rss_mb"] = round(self_rss)
    print(json.dumps(results))
    print(summary_table(results, list(sizes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
