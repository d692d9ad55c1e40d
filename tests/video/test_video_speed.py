"""The speed paths of the analysis: the pose input's shrink (a box filter cheaper than
OpenCV's area filter at 1.5x), the plot drawn while the annotated video is encoded, and the
per-stage CPU times the bench reports.

The slow test checks on a real 1080p clip that the cheaper shrink gives the analysis OpenCV's
area filter gave, within the tolerance of the two-core seam.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from backcheck.video import decode
from backcheck.video.decode import iter_frames, probe, shrink
from backcheck.video.parallel import extract_track_parallel
from backcheck.video.pipeline import StageTimes, run_analysis
from backcheck.video.track import Track, extract_track
from tests.video.synth_clip import NumberedPose, write_numbered_clip
from tests.video.test_parallel import numbers, tolerance_of


@pytest.fixture(scope="module")
def numbered_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_numbered_clip(tmp_path_factory.mktemp("speed") / "numbered.mp4", 190)


def area(rgb: NDArray[np.uint8], size: tuple[int, int]) -> NDArray[np.uint8]:
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)


@pytest.mark.parametrize(
    ("src", "dst"),
    [((1920, 1080), (1280, 720)), ((1080, 1920), (720, 1280)), ((1600, 900), (1280, 720))],
)
def test_a_fractional_shrink_is_the_area_filter(src: tuple[int, int], dst: tuple[int, int]) -> None:
    rgb = np.random.default_rng(3).integers(0, 256, (src[1], src[0], 3), dtype=np.uint8)
    got = shrink(rgb, dst)
    assert got.shape == (dst[1], dst[0], 3) and got.dtype == np.uint8
    diff = np.abs(got.astype(int) - area(rgb, dst).astype(int))
    # pure noise is the worst case of the remap's 1/32 fixed-point weights: a few levels
    assert diff.max() <= 5 and diff.mean() < 1.0, (diff.max(), diff.mean())


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ((2560, 1440), (1280, 720)),  # 2x
        ((3840, 2160), (1280, 720)),  # 3x
        ((2880, 1620), (1280, 720)),  # 2.25x
        ((1920, 1012), (1280, 674)),  # 1.5 x 1.5015: some boxes span three pixels
    ],
)
def test_whole_and_large_factors_use_the_area_filter_itself(
    src: tuple[int, int], dst: tuple[int, int]
) -> None:
    rgb = np.random.default_rng(4).integers(0, 256, (src[1], src[0], 3), dtype=np.uint8)
    np.testing.assert_array_equal(shrink(rgb, dst), area(rgb, dst))


def write_1080p_clip(path: Path, frames: int = 20) -> Path:
    """A 1920x1080 clip with detail at several scales (gradients, edges, fine texture)."""
    yy, xx = np.mgrid[0:1080, 0:1920]
    rng = np.random.default_rng(7)
    texture = rng.integers(0, 40, (1080, 1920), dtype=np.int64)
    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height = 1920, 1080
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast"}
        for i in range(frames):
            base = (xx + 7 * i) % 256 // 2 + (yy // 90 % 2) * 60 + texture
            rgb = np.stack([base, (base + 60) % 256, 255 - base], axis=-1).clip(0, 255)
            rgb[400:700, 600 + 10 * i : 900 + 10 * i] = (230, 40, 40)  # a moving block
            frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def test_1080p_pose_input_is_close_to_the_area_filter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = probe(write_1080p_clip(tmp_path / "hd.mp4"))
    assert info.analysis_size == (1280, 720)
    fast = [f.rgb for f in iter_frames(info, info.analysis_size)]
    monkeypatch.setattr(decode, "shrink", area)  # OpenCV's own area filter
    slow = [f.rgb for f in iter_frames(info, info.analysis_size)]
    assert len(fast) == len(slow) == 20 and fast[0].shape == (720, 1280, 3)
    diff = np.abs(np.stack(fast).astype(int) - np.stack(slow).astype(int))
    assert diff.max() <= 4 and diff.mean() < 0.2, (diff.max(), diff.mean())


@pytest.mark.parametrize("workers", [1, 2])
def test_stage_times_cover_every_stage(numbered_clip: Path, tmp_path: Path, workers: int) -> None:
    times = StageTimes()
    run_analysis(
        numbered_clip, tmp_path / "out", workers=workers, engine_factory=NumberedPose, times=times
    )
    report = times.as_dict()
    stages = report["stages"]
    assert isinstance(stages, dict)
    assert set(stages) == {"probe", "pose", "measures_decisions", "artifacts", "json"}
    for entry in stages.values():
        assert entry["wall_s"] >= 0 and entry["cpu_s"] >= 0
    cpu = report["pose_pass_cpu_s"]
    assert isinstance(cpu, dict)
    assert cpu["decode_s"] > 0 and cpu["engine_caller_s"] > 0 and cpu["display_copy_s"] > 0
    assert cpu["model_threads_s"] >= 0
    plot_cpu = report["plot_thread_cpu_s"]
    assert isinstance(plot_cpu, float) and plot_cpu > 0
    # the kinds of pose-pass work are parts of the pass's process CPU time, not more
    measured = cpu["decode_s"] + cpu["engine_caller_s"] + cpu["display_copy_s"]
    assert measured <= stages["pose"]["cpu_s"] * 1.05 + 0.05


@pytest.mark.parametrize(
    ("module", "function", "left"),
    [
        ("backcheck.video.plots", "write_plot", ["contact_sheet.png"]),  # harmless
        ("backcheck.video.annotate", "write_contact_sheet", ["angles.png"]),  # on its thread
    ],
)
def test_a_failing_figure_fails_the_analysis_and_leaves_nothing(
    numbered_clip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    module: str,
    function: str,
    left: list[str],
) -> None:
    """The plot and the contact sheet are drawn on threads of their own: a failure there
    still fails the analysis, with no analysis.json, no half video and no display copy."""

    def broken(*args: object) -> None:
        raise RuntimeError("no room for the figure")

    monkeypatch.setattr(f"{module}.{function}", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="no room for the figure"):
        run_analysis(numbered_clip, out, workers=2, engine_factory=NumberedPose)
    assert sorted(p.name for p in out.iterdir()) == left


def test_plot_and_sheet_draw_without_pyplot(numbered_clip: Path, tmp_path: Path) -> None:
    """Both figures are drawn on their own Figure (thread-safe), and still come out as PNGs."""
    run_analysis(numbered_clip, tmp_path / "out", workers=2, engine_factory=NumberedPose)
    for name in ("angles.png", "contact_sheet.png"):
        data = (tmp_path / "out" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def compare_analyses(one: Track, two: Track) -> None:
    """Same reps, findings, lift and view; numbers within the two-core seam's tolerance."""
    from backcheck.video.analysis import analyze_track

    a = numbers(analyze_track(one).model_dump(mode="json"))
    b = numbers(analyze_track(two).model_dump(mode="json"))
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not isinstance(y, float | int):
            assert x == y, key
        else:
            assert abs(x - y) <= tolerance_of(key, x), (key, x, y)


@pytest.mark.slow
def test_1080p_real_clip_bilinear_input_and_two_cores_match_the_area_filter(
    clips_dir: Path, track_of: Callable[[str], Track], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dl_yfgd_pink is 1920x1080: its pose input is shrunk 1.5x. The remap box filter (one
    stream and two cores) gives the analysis of OpenCV's area filter within tolerance (a plain
    bilinear shrink did not: lockout angles 5 degrees off)."""
    from backcheck.video.pose import MediaPipePose

    info = probe(clips_dir / "dl_yfgd_pink.mp4")
    assert max(info.width, info.height) == 1920
    fast = track_of("dl_yfgd_pink")  # default: the remap box filter
    two, segments = extract_track_parallel(info, MediaPipePose, 2)
    assert segments == 2
    monkeypatch.setattr(decode, "shrink", area)
    engine = MediaPipePose()
    try:
        reference = extract_track(info, engine)
    finally:
        engine.close()
    compare_analyses(reference, fast)
    compare_analyses(reference, two)


def test_two_engines_starting_together_leave_sys_stderr_alone() -> None:
    """Each MediaPipe engine hides its start-up chatter with redirect_stderr; two starting in
    two threads (the two-core pass) once left sys.stderr pointing at a StringIO, so the CLI's
    error line after them was lost."""
    import sys
    import threading

    from backcheck.video.pose import MediaPipePose

    before = sys.stderr
    engines: list[MediaPipePose] = []
    threads = [threading.Thread(target=lambda: engines.append(MediaPipePose())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.close()
    assert len(engines) == 2 and sys.stderr is before


@pytest.mark.slow
def test_the_speed_settings_of_the_pose_engine_change_nothing(clips_dir: Path) -> None:
    """MediaPipePose turns the mask smoothing off, and the two-core pass runs each model on
    one thread: in mediapipe 0.10.14 both leave every landmark and mask bit-identical while
    saving ~15 % and ~10 % of the CPU time. If an upgrade makes either change a result, this
    fails: the back measure's calibration would then need a new look."""
    import mediapipe as mp

    from backcheck.video.pose import (
        SMOOTH_SEGMENTATION,
        MediaPipePose,
        quiet_native_stderr,
        sharing_engine,
    )

    assert SMOOTH_SEGMENTATION is False
    with quiet_native_stderr():
        smoothed = mp.solutions.pose.Pose(
            model_complexity=1, enable_segmentation=True, smooth_segmentation=True
        )
    ours, sharing = MediaPipePose(), sharing_engine()
    assert isinstance(sharing, MediaPipePose)
    compared = 0
    try:
        with av.open(str(clips_dir / "rdl_posereader.mp4")) as container:
            for frame in container.decode(video=0):
                rgb = np.asarray(frame.to_ndarray(format="rgb24"), np.uint8)
                reference = smoothed.process(rgb)
                results = [ours.process(rgb), sharing.process(rgb)]
                if reference.pose_landmarks is None:
                    assert results == [None, None]
                    continue
                h, w = rgb.shape[:2]
                image = np.array(
                    [(p.x * w, p.y * h, p.z * w, p.visibility) for p in
                     reference.pose_landmarks.landmark],
                    np.float32,
                )
                for res in results:
                    assert res is not None and res.mask is not None
                    assert np.array_equal(res.image, image)
                    assert np.array_equal(res.mask, reference.segmentation_mask)
                compared += 1
    finally:
        smoothed.close()
        ours.close()
        sharing.close()
    assert compared >= 40


@pytest.mark.parametrize(("workers", "expected"), [(1, ["default"]), (2, ["sharing"] * 2)])
def test_engines_that_share_the_cores_are_the_one_thread_kind(
    numbered_clip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: int,
    expected: list[str],
) -> None:
    from backcheck.video import pipeline

    made: list[str] = []

    def factory(kind: str) -> Callable[[], NumberedPose]:
        return lambda: made.append(kind) or NumberedPose()  # type: ignore[func-returns-value]

    monkeypatch.setattr(pipeline, "default_engine", factory("default"))
    monkeypatch.setattr(pipeline, "sharing_engine", factory("sharing"))
    run_analysis(numbered_clip, tmp_path / "out", workers=workers, artifacts=False)
    assert made == expected


def test_a_one_thread_engine_starts_and_finds_nobody_in_a_blank_frame() -> None:
    from backcheck.video.pose import sharing_engine

    engine = sharing_engine()
    try:
        assert engine.process(np.zeros((240, 320, 3), np.uint8)) is None
    finally:
        engine.close()


def test_a_drawing_failure_stops_the_video_and_leaves_nothing(
    numbered_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frames are drawn on a thread of their own while the caller encodes: an error there
    reaches the caller, stops the encoder and leaves no video behind."""
    import threading

    from backcheck.video import annotate

    real = annotate.draw_frame
    drawn: list[int] = []

    def breaks_at_frame_40(*args: Any) -> None:
        drawn.append(1)
        if len(drawn) == 40:
            raise RuntimeError("drawing failed")
        real(*args)

    progress_threads: set[str] = set()

    def stage(name: str, total: int) -> Callable[[int], None]:
        return lambda n: progress_threads.add(threading.current_thread().name)

    monkeypatch.setattr(annotate, "draw_frame", breaks_at_frame_40)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="drawing failed"):
        run_analysis(numbered_clip, out, workers=2, engine_factory=NumberedPose, stage=stage)
    assert len(drawn) == 40  # the drawing stopped there
    leftovers = sorted(p.name for p in out.iterdir())
    assert not any(name.endswith(".mp4") or name.endswith(".json") for name in leftovers)
    assert not any(name.startswith(".") for name in leftovers), leftovers
    # progress is reported from the caller's thread only (callbacks need not be thread-safe)
    assert progress_threads == {threading.current_thread().name}

