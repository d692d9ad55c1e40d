"""The `analyze` adapter: probe → pose pass → analysis → annotated video, plots → JSON.

analysis.json is written last, to a temporary name renamed into place, so a crash or a bad
input never leaves a half-written analysis presented as complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from backcheck.core.vocabulary import STAGE_ANNOTATE, STAGE_POSE, STAGE_REFERENCE_POSE
from backcheck.video.analysis import analyze_track_full
from backcheck.video.decode import probe
from backcheck.video.errors import VideoError
from backcheck.video.pose import PoseEngine, default_engine
from backcheck.video.schema import Analysis, Artifacts
from backcheck.video.track import Track, extract_track

# stage name, total units; then advance(n)
StageFn = Callable[[str, int], Callable[[int], None]]


def _noop_stage(name: str, total: int) -> Callable[[int], None]:
    return lambda n: None


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
    path: Path, engine: PoseEngine | None = None, stage: StageFn = _noop_stage
) -> Track:
    """Probe and run the pose pass over one video."""
    info = probe(path)
    eng = engine or default_engine()
    try:
        return extract_track(info, eng, stage(f"pose {path.name}", info.frames))
    finally:
        if engine is None:
            eng.close()


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
) -> Analysis:
    """Analyse `video`, write artifacts and DIR/analysis.json; return the analysis."""
    out = prepare_out_dir(out_dir)
    (out / "analysis.json").unlink(missing_ok=True)
    info = probe(video)
    ref_info = probe(reference) if reference is not None else None
    eng = engine or default_engine()
    try:
        track = extract_track(info, eng, stage(STAGE_POSE, info.frames))
        ref_track = None
        if ref_info is not None:
            ref_engine = default_engine() if engine is None else engine
            ref_track = extract_track(
                ref_info, ref_engine, stage(STAGE_REFERENCE_POSE, ref_info.frames)
            )
            if engine is None:
                ref_engine.close()
    finally:
        if engine is None:
            eng.close()
    result = analyze_track_full(
        track,
        lift=lift,
        reference=ref_track,
        reference_name=reference.name if reference else "reference",
    )
    analysis, series = result.analysis, result.series
    if artifacts:
        from backcheck.video.annotate import write_annotated
        from backcheck.video.plots import write_plot

        video_path = out / "annotated.mp4"
        sheet = out / "contact_sheet.png"
        plot = out / "angles.png"
        tmp_video = out / ".annotated.tmp.mp4"
        write_annotated(track, series, analysis, tmp_video, sheet, stage(STAGE_ANNOTATE, track.n))
        os.replace(tmp_video, video_path)
        write_plot(track, series, analysis, plot)
        analysis.artifacts = Artifacts(
            annotated_video=str(video_path), plots=[str(plot)], contact_sheet=str(sheet)
        )
    write_json_atomic(analysis.model_dump(mode="json"), out / "analysis.json")
    return analysis
