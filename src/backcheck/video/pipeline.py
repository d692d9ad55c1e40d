"""The `analyze` adapter: probe → pose pass → analysis → annotated video, plots → JSON.

The pose pass runs on up to two cores (`parallel`: one pose engine per segment of the clip)
and keeps a small display copy of the frames, so the annotated video is drawn without a
second decode of the source.

analysis.json is written last, to a temporary name renamed into place, so a crash or a bad
input never leaves a half-written analysis presented as complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from backcheck.core.vocabulary import STAGE_ANNOTATE, STAGE_POSE, STAGE_REFERENCE_POSE
from backcheck.video.analysis import BackSeries, analyze_track_full
from backcheck.video.annotate import DisplayCopy
from backcheck.video.decode import VideoInfo, probe
from backcheck.video.errors import VideoError
from backcheck.video.parallel import EngineFactory, default_workers, extract_track_parallel
from backcheck.video.pose import PoseEngine, default_engine, sharing_engine
from backcheck.video.schema import Analysis, Artifacts, BackSummary
from backcheck.video.track import PassCpu, Track, extract_track

# stage name, total units; then advance(n)
StageFn = Callable[[str, int], Callable[[int], None]]


def _noop_stage(name: str, total: int) -> Callable[[int], None]:
    return lambda n: None


@dataclass
class StageTimes:
    """Wall-clock and process CPU seconds per stage of one analysis (the bench reads them).

    Process CPU counts every thread; `pose_cpu` splits the pose pass's threads by kind of
    work (the rest of the pass's process time is the pose model's own graph threads), and
    `plot_cpu_s` is the plot thread's own time (it overlaps the annotated video).
    """

    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    pose_cpu: PassCpu = field(default_factory=PassCpu)
    plot_cpu_s: float = 0.0

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            entry = self.stages.setdefault(name, {"wall_s": 0.0, "cpu_s": 0.0})
            entry["wall_s"] += time.perf_counter() - wall
            entry["cpu_s"] += time.process_time() - cpu

    def as_dict(self) -> dict[str, object]:
        return {
            "stages": {
                k: {m: round(v, 3) for m, v in entry.items()} for k, entry in self.stages.items()
            },
            "pose_pass_cpu_s": self.pose_cpu.as_dict(self.stages.get("pose", {}).get("cpu_s")),
            "plot_thread_cpu_s": round(self.plot_cpu_s, 3),
        }


def _timed(times: StageTimes | None, name: str) -> contextlib.AbstractContextManager[None]:
    return times.stage(name) if times is not None else contextlib.nullcontext()


def prepare_out_dir(out: Path) -> Path:
    """Create the output folder and prove it is writable (clear error otherwise)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-", delete=True):
            pass
    except OSError as exc:
        raise VideoError(
            "out_not_writable", f"cannot write to {out}: {exc.strerror or exc}"
        ) from exc
    return out


def track_video(
    path: Path,
    engine: PoseEngine | None = None,
    stage: StageFn = _noop_stage,
    workers: int | None = None,
) -> Track:
    """Probe and run the pose pass over one video (on `workers` cores unless an engine is
    given: one engine is one stream)."""
    info = probe(path)
    progress = stage(f"pose {path.name}", info.frames)
    if engine is not None:
        return extract_track(info, engine, progress)
    track, _ = extract_track_parallel(
        info,
        default_engine,
        workers or default_workers(),
        progress,
        make_sharing_engine=sharing_engine,
    )
    return track


def pose_pass(
    info: VideoInfo,
    engine: PoseEngine | None,
    make_engine: EngineFactory,
    workers: int,
    progress: Callable[[int], None],
    display: DisplayCopy | None = None,
    cpu: PassCpu | None = None,
    make_sharing_engine: EngineFactory | None = None,
) -> Track:
    """One clip's pose pass: the given engine as one stream, else `workers` fresh engines
    (`make_sharing_engine` for those that share the cores: see extract_track_parallel)."""
    if engine is not None:
        sink = display.part(0) if display else None
        return extract_track(info, engine, progress, display=sink, cpu=cpu)
    track, _ = extract_track_parallel(
        info,
        make_engine,
        workers,
        progress,
        display.part if display else None,
        cpu=cpu,
        make_sharing_engine=make_sharing_engine,
    )
    return track


def write_json_atomic(data: dict[str, object], path: Path) -> None:
    """Write JSON to a temp file in the same folder, then rename over the target."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".analysis-", suffix=".json.tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, ensure_ascii=False)
            f.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_analysis(
    video: Path,
    out_dir: Path,
    lift: str = "auto",
    reference: Path | None = None,
    engine: PoseEngine | None = None,
    stage: StageFn = _noop_stage,
    artifacts: bool = True,
    workers: int | None = None,
    engine_factory: EngineFactory | None = None,
    reference_sets: Mapping[str, tuple[str, BackSummary]] | None = None,
    times: StageTimes | None = None,
) -> Analysis:
    """Analyse `video`, write artifacts and DIR/analysis.json; return the analysis.

    `engine`: run the pose pass as one stream with this engine. Otherwise `workers` engines
    from `engine_factory` (default: MediaPipe, one per core, at most two) share the clip.
    `times` (optional) gets each stage's wall-clock and CPU seconds.
    """
    out = prepare_out_dir(out_dir)
    (out / "analysis.json").unlink(missing_ok=True)
    with _timed(times, "probe"):
        info = probe(video)
        ref_info = probe(reference) if reference is not None else None
    make_engine = engine_factory or default_engine
    # MediaPipe's own engines run their model on one thread when two share the cores
    make_sharing = sharing_engine if engine_factory is None else None
    n_workers = workers or default_workers()
    display = DisplayCopy(out, info.analysis_size) if artifacts else None
    cpu = times.pose_cpu if times is not None else None
    try:
        with _timed(times, "pose"):
            track = pose_pass(
                info,
                engine,
                make_engine,
                n_workers,
                stage(STAGE_POSE, info.frames),
                display,
                cpu,
                make_sharing,
            )
        ref_track = None
        if ref_info is not None:
            with _timed(times, "reference_pose"):
                ref_track = pose_pass(
                    ref_info,
                    engine,
                    make_engine,
                    n_workers,
                    stage(STAGE_REFERENCE_POSE, ref_info.frames),
                    make_sharing_engine=make_sharing,
                )
        with _timed(times, "measures_decisions"):
            result = analyze_track_full(
                track,
                lift=lift,
                reference=ref_track,
                reference_name=reference.name if reference else "reference",
                reference_sets=reference_sets,
            )
        analysis = result.analysis
        if display is not None:
            with _timed(times, "artifacts"):
                write_artifacts(track, analysis, result.series, out, display, stage, times)
    finally:
        if display is not None:
            display.remove()
    with _timed(times, "json"):
        write_json_atomic(analysis.model_dump(mode="json"), out / "analysis.json")
    return analysis


def write_artifacts(
    track: Track,
    analysis: Analysis,
    series: BackSeries,
    out: Path,
    display: DisplayCopy,
    stage: StageFn,
    times: StageTimes | None = None,
) -> None:
    """Annotated video (from the display copy), contact sheet and plot; sets their paths.

    The plot is drawn on a thread of its own meanwhile: the encoder, JPEG decoding and drawing
    release the GIL, so on two cores the plot costs almost no extra time.
    """
    from backcheck.video.annotate import write_annotated
    from backcheck.video.plots import write_plot

    video_path = out / "annotated.mp4"
    sheet = out / "contact_sheet.png"
    plot = out / "angles.png"
    tmp_video = out / ".annotated.tmp.mp4"
    frames = display.frames() if display.frames_written == track.n else None
    plot_errors: list[BaseException] = []

    def draw_plot() -> None:
        start = time.thread_time()
        try:
            write_plot(track, series, analysis, plot)
        except BaseException as exc:  # raised in the caller's thread below
            plot_errors.append(exc)
        finally:
            if times is not None:
                times.plot_cpu_s += time.thread_time() - start

    plotter = threading.Thread(target=draw_plot, name="backcheck-plot", daemon=True)
    plotter.start()
    try:
        write_annotated(
            track, series, analysis, tmp_video, sheet, stage(STAGE_ANNOTATE, track.n), frames
        )
    except BaseException:
        tmp_video.unlink(missing_ok=True)  # never a half video left behind
        raise
    finally:
        plotter.join()
    if plot_errors:
        tmp_video.unlink(missing_ok=True)
        raise plot_errors[0]
    os.replace(tmp_video, video_path)
    analysis.artifacts = Artifacts(
        annotated_video=str(video_path), plots=[str(plot)], contact_sheet=str(sheet)
    )
