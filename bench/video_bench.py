"""Video analysis speed and memory benchmark (`make bench` calls it via run_all.py).

On one real side-view clip re-encoded to 720p30 and 1080p30 (with the ffmpeg binary shipped in
imageio-ffmpeg, in a temp dir): frames/s of decode alone, of the bare pose loop (decode +
MediaPipe process with the mask in one stream, what a hand-written script does: the reference)
and of the full analysis (`run_analysis`: pose pass, back measure, annotated video, plots, JSON)
as one stream (`workers=1`) and on two cores (`workers=2`, the default on a 2-core machine).
Goals: two-core full analysis ≥ 1.5× the bare loop at both sizes (on ≥ 2 cores); one-stream
full ≥ 0.8× bare. Then peak memory (VmHWM) of the default full analysis on ~10 s and ~30 s
1080p clips made by concatenating real clips (goal: flat in length — the 30 s clip within
10 % + 50 MB of the 10 s one — and < 1.5 GB). Real clips come from ../shared/data/videos; the
benchmark stops with a message if they are absent.

The machine's other load makes single runs noisy: `--repeat N` (or BENCH_REPEAT=N) measures each
f/s figure N times, interleaved, and reports the median and the range. Process CPU seconds per
frame are reported beside (less sensitive to other load than wall-clock time). A summary table
and one JSON line end the output; `--check` makes the exit status 1 when a goal is missed.
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
from bench_report import BenchReport
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


def fps_bare(path: Path) -> tuple[float, float]:
    """What a hand-written script does: decode every frame, MediaPipe pose with the mask.
    Returns f/s and process CPU seconds per frame (engine start-up not counted)."""
    import av
    import mediapipe as mp

    from backcheck.video.pose import quiet_native_stderr

    warnings.filterwarnings("ignore", message=".*GetPrototype.*", category=UserWarning)
    with quiet_native_stderr():  # MediaPipe's start-up log lines, not the benchmark's output
        pose = mp.solutions.pose.Pose(
            model_complexity=1, enable_segmentation=True, static_image_mode=False
        )
        t, cpu = time.perf_counter(), time.process_time()
        n = 0
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            s.thread_type = "AUTO"
            for frame in c.decode(s):
                pose.process(frame.to_ndarray(format="rgb24"))
                n += 1
        dt, dc = time.perf_counter() - t, time.process_time() - cpu
    pose.close()
    return n / dt, dc / n


def fps_full(path: Path, out: Path, workers: int) -> tuple[float, float, int, dict[str, object]]:
    """Full analysis f/s, process CPU seconds per frame, frames, and the stage times."""
    from backcheck.video.pipeline import StageTimes, run_analysis

    times = StageTimes()
    t, cpu = time.perf_counter(), time.process_time()
    a = run_analysis(path, out, workers=workers, times=times)
    n = a.video.frames
    return n / (time.perf_counter() - t), (time.process_time() - cpu) / n, n, times.as_dict()


def peak_rss_child(path: Path, out: Path) -> float:
    """Peak memory (MB) of a fresh process running the default full analysis.

    Read from /proc/self/status VmHWM: Linux carries ru_maxrss across fork+exec, so a child's
    ru_maxrss would report this (already large) benchmark process's peak instead of its own.
    The pose engines run as threads of that process, so this is the whole analysis's peak.
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


GOAL_TWO_CORE_OVER_BARE = 1.5
GOAL_ONE_STREAM_OVER_BARE = 0.8
GOAL_RSS_MB = 1500.0


def summary_table(results: dict[str, object], sizes: list[str]) -> str:
    """The figures people compare, one row per size (medians when repeated)."""
    head = (
        f"{'size':<8} {'frames':>6} {'decode':>7} {'bare':>6} {'full 1':>7} {'full 2':>7} "
        f"{'1/bare':>7} {'2/bare':>7} {'2 x rt':>7}"
    )
    lines = ["", f"summary: {results['machine']}", f"load average at start: {results['load']}"]
    lines.append("ratios are medians of each run's own ratio (bare and full back to back)")
    lines += ["f/s; full 1 = one-stream full analysis, full 2 = two-core full analysis"]
    lines += [head, "-" * len(head)]
    for label in sizes:
        r = results[label]
        assert isinstance(r, dict)
        lines.append(
            f"{label:<8} {r['frames']:>6} {r['decode_fps']:>7} {r['bare_pose_fps']:>6} "
            f"{r['full_one_stream_fps']:>7} {r['full_two_core_fps']:>7} "
            f"{r['one_stream_over_bare']:>7} {r['two_core_over_bare']:>7} "
            f"{r['two_core_realtime_factor']:>6}x"
        )
    lines.append("process CPU ms per frame (bare / full 1 / full 2) and CPU s per stage, full 2:")
    for label in sizes:
        r = results[label]
        assert isinstance(r, dict)
        cpu, stages = r["cpu_ms_per_frame"], r["cpu_s_per_stage"]["full_two_core"]
        lines.append(
            f"  {label}: {cpu['bare']} / {cpu['full_one_stream']} / {cpu['full_two_core']}  "
            + ", ".join(f"{k} {v}" for k, v in stages.items())
        )
        lines.append(f"  {label}: load average (1 min) before each run: {r['load_1min']}")
    rss = [k for k in results if k.startswith("peak_rss_mb_")]
    if rss:
        lines.append(
            "peak memory (VmHWM), default full analysis: "
            + ", ".join(f"{k.removeprefix('peak_rss_mb_')} {results[k]} MB" for k in rss)
        )
    lines.append(
        f"(repeat {results['repeat']}, medians; goals: two-core full/bare >= "
        f"{GOAL_TWO_CORE_OVER_BARE} on >= 2 cores, one-stream full/bare >= "
        f"{GOAL_ONE_STREAM_OVER_BARE}, memory flat in length and < {GOAL_RSS_MB:.0f} MB)"
    )
    return "\n".join(lines)


def load_1min() -> float:
    return round(os.getloadavg()[0], 2)


def median_stage_cpu(runs: list[dict[str, object]]) -> dict[str, float]:
    """Median CPU seconds per stage over runs (the pose pass split into its kinds of work)."""
    per: dict[str, list[float]] = {}
    for times in runs:
        stages = times["stages"]
        cpu = times["pose_pass_cpu_s"]
        assert isinstance(stages, dict) and isinstance(cpu, dict)
        for name, entry in stages.items():
            per.setdefault(name, []).append(float(entry["cpu_s"]))
        for name, value in cpu.items():
            per.setdefault(f"pose.{name.removesuffix('_s')}", []).append(float(value))
        per.setdefault("artifacts.plot_thread", []).append(float(str(times["plot_thread_cpu_s"])))
    return {k: round(statistics.median(v), 2) for k, v in per.items()}


def measure_size(clip: Path, out: Path, repeat: int) -> dict[str, object]:
    """decode, bare and full (one stream, two cores) f/s of one clip: medians of `repeat`
    interleaved runs, each run's figures and load average, CPU seconds per stage.

    The ratios are medians of each run's own ratio (bare and full measured back to back), so
    load that changes between runs moves both sides of a ratio alike."""
    dec = fps_decode(clip)  # once: not a goal, only a reference for the reader
    runs: list[dict[str, object]] = []
    times_one: list[dict[str, object]] = []
    times_two: list[dict[str, object]] = []
    frames = 0
    for k in range(repeat):
        load_before = load_1min()
        b, cpu_b = fps_bare(clip)
        f1, cpu_1, frames, t1 = fps_full(clip, out / f"one{k}", workers=1)
        f2, cpu_2, frames, t2 = fps_full(clip, out / f"two{k}", workers=2)
        times_one.append(t1)
        times_two.append(t2)
        runs.append(
            {
                "load_1min_before": load_before,
                "load_1min_after": load_1min(),
                "bare_pose_fps": round(b, 1),
                "full_one_stream_fps": round(f1, 1),
                "full_two_core_fps": round(f2, 1),
                "one_stream_over_bare": round(f1 / b, 3),
                "two_core_over_bare": round(f2 / b, 3),
                "cpu_ms_per_frame": {
                    "bare": round(1000 * cpu_b, 1),
                    "full_one_stream": round(1000 * cpu_1, 1),
                    "full_two_core": round(1000 * cpu_2, 1),
                },
            }
        )

    def med(key: str) -> float:
        return statistics.median(float(str(r[key])) for r in runs)

    def med_cpu(key: str) -> float:
        return statistics.median(
            float(r["cpu_ms_per_frame"][key])  # type: ignore[index]
            for r in runs
        )

    def span(key: str) -> list[float]:
        values = [float(str(r[key])) for r in runs]
        return [round(min(values), 1), round(max(values), 1)]

    f2 = med("full_two_core_fps")
    return {
        "frames": frames,
        "decode_fps": round(dec, 1),
        "bare_pose_fps": round(med("bare_pose_fps"), 1),
        "full_one_stream_fps": round(med("full_one_stream_fps"), 1),
        "full_two_core_fps": round(f2, 1),
        "one_stream_over_bare": round(med("one_stream_over_bare"), 2),
        "two_core_over_bare": round(med("two_core_over_bare"), 2),
        "two_core_realtime_factor": round(f2 / 30.0, 2),
        "range_fps": {
            "bare": span("bare_pose_fps"),
            "full_one_stream": span("full_one_stream_fps"),
            "full_two_core": span("full_two_core_fps"),
        },
        "cpu_ms_per_frame": {
            "bare": round(med_cpu("bare"), 1),
            "full_one_stream": round(med_cpu("full_one_stream"), 1),
            "full_two_core": round(med_cpu("full_two_core"), 1),
        },
        "cpu_s_per_stage": {
            "full_one_stream": median_stage_cpu(times_one),
            "full_two_core": median_stage_cpu(times_two),
        },
        "load_1min": [r["load_1min_before"] for r in runs],
        "runs": runs,
    }


def check_goals(results: dict[str, object], sizes: list[str]) -> list[str]:
    """The goals missed, in words (empty when all are met)."""
    missed: list[str] = []
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for label in sizes:
        r = results[label]
        assert isinstance(r, dict)
        if (cores or 1) >= 2 and r["two_core_over_bare"] < GOAL_TWO_CORE_OVER_BARE:
            missed.append(
                f"{label}: two-core full analysis is {r['two_core_over_bare']}x the bare loop "
                f"(goal {GOAL_TWO_CORE_OVER_BARE}x)"
            )
        if r["one_stream_over_bare"] < GOAL_ONE_STREAM_OVER_BARE:
            missed.append(
                f"{label}: one-stream full analysis is {r['one_stream_over_bare']}x the bare "
                f"loop (goal {GOAL_ONE_STREAM_OVER_BARE}x)"
            )
    short, long_ = results.get("peak_rss_mb_1080p_10s"), results.get("peak_rss_mb_1080p_30s")
    if isinstance(short, (int, float)) and isinstance(long_, (int, float)):
        if long_ > short * 1.1 + 50:
            missed.append(f"peak memory grows with length: {short} MB (10 s) -> {long_} MB (30 s)")
        if max(short, long_) > GOAL_RSS_MB:
            missed.append(f"peak memory {max(short, long_)} MB (goal < {GOAL_RSS_MB:.0f} MB)")
    return missed


def fill_report(report: BenchReport, results: dict[str, object], sizes: list[str]) -> None:
    """The figures and goals in the shared JSON shape (bench_report.py); the goals are the
    ones check_goals names, and the whole results dict is kept under extra."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for label in sizes:
        r = results[label]
        assert isinstance(r, dict)
        report.measure(f"decode_fps_{label}", r["decode_fps"], "f/s", f"{label}: decode alone")
        report.reference(
            f"bare_fps_{label}",
            r["bare_pose_fps"],
            "f/s",
            f"{label}: bare pose loop (decode + MediaPipe, one stream; same run)",
            headline=True,
        )
        report.measure(
            f"full_one_stream_fps_{label}",
            r["full_one_stream_fps"],
            "f/s",
            f"{label}: full analysis, one stream",
        )
        report.measure(
            f"full_two_core_fps_{label}",
            r["full_two_core_fps"],
            "f/s",
            f"{label}: full analysis, two cores",
            headline=True,
        )
        report.measure(
            f"realtime_{label}",
            r["two_core_realtime_factor"],
            "×",
            f"{label}: two-core full analysis, times real time",
        )
        cpu = r["cpu_ms_per_frame"]
        for kind, words in (
            ("bare", "bare pose loop"),
            ("full_one_stream", "full analysis, one stream"),
            ("full_two_core", "full analysis, two cores"),
        ):
            report.measure(
                f"cpu_ms_per_frame_{kind}_{label}",
                cpu[kind],
                "ms",
                f"{label}: process CPU (user+sys) per frame, {words}",
            )
        report.ratio(  # of the medians; the goals use the median of each run's own ratio
            f"one_stream_over_bare_{label}",
            f"full_one_stream_fps_{label}",
            f"bare_fps_{label}",
            f"{label}: one-stream full / bare loop (of the medians)",
        )
        one, two = float(r["one_stream_over_bare"]), float(r["two_core_over_bare"])
        report.ratio(
            f"two_core_over_bare_{label}",
            f"full_two_core_fps_{label}",
            f"bare_fps_{label}",
            f"{label}: two-core full / bare loop (of the medians)",
        )
        report.goal(
            f"one_stream_over_bare_{label}",
            f"{label}: one-stream full analysis / bare pose loop",
            one,
            ">=",
            GOAL_ONE_STREAM_OVER_BARE,
            "×",
        )
        two_goal = f"{label}: two-core full analysis / bare pose loop"
        if (cores or 1) >= 2:
            report.goal(
                f"two_core_over_bare_{label}", two_goal, two, ">=", GOAL_TWO_CORE_OVER_BARE, "×"
            )
        else:
            report.goal_not_checked(
                f"two_core_over_bare_{label}", two_goal, ">=", GOAL_TWO_CORE_OVER_BARE, "×",
                "one core available",
            )  # fmt: skip
    short, long_ = results.get("peak_rss_mb_1080p_10s"), results.get("peak_rss_mb_1080p_30s")
    if isinstance(short, (int, float)) and isinstance(long_, (int, float)):
        report.reference(
            "peak_rss_mb_1080p_10s", short, "MB", "peak memory, full analysis, 10 s 1080p30"
        )
        report.measure(
            "peak_rss_mb_1080p_30s",
            long_,
            "MB",
            "peak memory, full analysis, 30 s 1080p30",
            headline=True,
        )
        report.goal(
            "memory_flat_in_length",
            "peak memory of a 30 s clip, within 10 % + 50 MB of a 10 s one",
            long_,
            "<=",
            round(short * 1.1 + 50),
            "MB",
        )
        report.goal(
            "memory_under_limit",
            "peak memory, full analysis of 1080p30 clips",
            max(short, long_),
            "<",
            GOAL_RSS_MB,
            "MB",
        )
    else:
        report.note("long-clip memory runs skipped (--no-rss or --quick)")
    report.extra["video_bench"] = results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "3")))
    parser.add_argument(
        "--quick", action="store_true", help="720p only, one run, no memory runs (a smoke test)"
    )
    parser.add_argument("--no-rss", action="store_true", help="skip the long-clip memory runs")
    parser.add_argument(
        "--size", choices=["720p30", "1080p30"], action="append", help="only these sizes"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args, _ = parser.parse_known_args()
    repeat = 1 if args.quick else max(1, args.repeat)
    report = BenchReport("video", title="video", quick=args.quick)
    if not (CLIPS / SOURCE).exists():
        why = f"real clips not found at {CLIPS}"
        print(f"video bench: {why}; skipped")
        report.goal_not_checked(
            "full_over_bare", "full analysis / bare pose loop", ">=", 0.8, "×", why
        )
        return report.finish(args)
    os.environ.setdefault("GLOG_minloglevel", "2")
    print(f"machine: {machine()}")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    results: dict[str, object] = {"machine": machine(), "load": load, "repeat": repeat}
    sizes = {"720p30": (1280, 720), "1080p30": (1920, 1080)}
    if args.quick:
        sizes = {"720p30": (1280, 720)}
    elif args.size:
        sizes = {k: v for k, v in sizes.items() if k in args.size}
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
                f"full one stream {row['full_one_stream_fps']:.1f} f/s "
                f"({row['one_stream_over_bare']:.2f}x bare)  "
                f"full two cores {row['full_two_core_fps']:.1f} f/s "
                f"({row['two_core_over_bare']:.2f}x bare, "
                f"{row['two_core_realtime_factor']:.2f}x real time)  ranges {row['range_fps']}",
                flush=True,
            )
        if not (args.no_rss or args.quick):
            parts = [CLIPS / p for p in LONG_PARTS if (CLIPS / p).exists()]
            long_all = tmp / "long_all.mp4"
            encode(parts * 2, long_all, 1920, 1080, seconds=30)
            short = tmp / "long_10s.mp4"
            encode(parts, short, 1920, 1080, seconds=10)
            for label, clip in (("1080p_10s", short), ("1080p_30s", long_all)):
                mb = peak_rss_child(clip, tmp / f"out-{label}")
                results[f"peak_rss_mb_{label}"] = round(mb)
                secs = duration(clip)
                print(f"peak memory, full analysis of a {secs:.0f} s 1080p30 clip: {mb:.0f} MB")
    self_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    results["bench_process_peak_rss_mb"] = round(self_rss)
    results["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results["duration_s"] = round(time.perf_counter() - started, 1)
    missed = check_goals(results, list(sizes))
    results["goals_missed"] = missed
    print(json.dumps(results))
    print(summary_table(results, list(sizes)))
    for line in missed:
        print(f"goal missed: {line}")
    if not missed:
        print("all goals met")
    fill_report(report, results, list(sizes))
    report.note(
        "load average (1 min) before each run, per size: "
        + "; ".join(f"{label} {results[label]['load_1min']}" for label in sizes)  # type: ignore[index]
    )
    return report.finish(args)


if __name__ == "__main__":
    raise SystemExit(main())
