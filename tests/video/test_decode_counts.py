"""Input `analyze` must refuse or flag (issue 7, defect 8): a still picture, a clip too short
to hold a rep, and frames that cannot be decoded (counted; a warning above 10 %, refused above
half). Clips are built here: synthetic numbered clips (tests/video/synth_clip.py), damaged by
overwriting bytes in the middle of the file; PyAV really reports errors for them (checked).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import pytest
from typer.testing import CliRunner

from backcheck.cli.analyze import render_text
from backcheck.jobs.runner import AnalysisError, VideoRunner
from backcheck.video import decode
from backcheck.video.decode import DecodeStats, iter_frames, probe
from backcheck.video.errors import VideoError
from backcheck.video.parallel import extract_track_parallel
from backcheck.video.pipeline import run_analysis
from backcheck.video.track import extract_track
from tests.video.synth_clip import (
    NumberedPose,
    frame_number,
    write_damaged_copy,
    write_numbered_clip,
)

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, capture_output=True)


def pattern_clip(path: Path, frames: int, rate: int = 30) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size=320x240:rate={rate}", "-frames:v", str(frames),
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def still(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=320x240", "-frames:v", "1", str(path))
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    from backcheck.cli.app import app

    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def assert_one_line_error(code: int, stderr: str, needle: str) -> None:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1, stderr
    assert lines[0].startswith("error:") and needle in lines[0], lines[0]
    assert "Traceback" not in stderr


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A clean 3 s numbered clip, a copy with a damaged middle, one damaged almost whole."""
    folder = tmp_path_factory.mktemp("damaged")
    clean = write_numbered_clip(folder / "clean.mp4", 90)
    return {
        "clean": clean,
        "damaged": write_damaged_copy(clean, folder / "damaged.mp4", 0.3, 0.6),
        "ruined": write_damaged_copy(clean, folder / "ruined.mp4", 0.15, 0.85),
        "long_damaged": write_damaged_copy(
            write_numbered_clip(folder / "long.mp4", 300), folder / "long_damaged.mp4", 0.3, 0.5
        ),
        "long_clean": folder / "long.mp4",
    }


@pytest.mark.parametrize("name", ["photo.jpg", "photo.png", "photo_renamed.mp4"])
def test_a_still_picture_is_refused(tmp_path: Path, name: str) -> None:
    picture = still(tmp_path / ("renamed.jpg" if name.endswith(".mp4") else name))
    if name.endswith(".mp4"):
        picture = picture.rename(tmp_path / name)  # a photo with a video's name
    with pytest.raises(VideoError) as exc:
        probe(picture)
    assert exc.value.code == "still_image"
    code, _out, err = run_cli("analyze", str(picture), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "still picture, not a video")
    assert not (tmp_path / "o" / "analysis.json").exists()


@pytest.mark.parametrize("frames", [1, 5, 14])  # 14 frames at 30 f/s: 0.47 s
def test_a_clip_too_short_for_a_rep_is_refused(tmp_path: Path, frames: int) -> None:
    clip = pattern_clip(tmp_path / f"short{frames}.mp4", frames)
    code, _out, err = run_cli("analyze", str(clip), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "too short to hold a rep")
    assert f"{frames} frame" in err


def test_the_decoded_frames_are_checked_too(tmp_path: Path) -> None:
    """A container that announces nothing still gets the minimum once decoded."""
    clip = pattern_clip(tmp_path / "short.mp4", 8)
    unknown = decode.VideoInfo(str(clip), 320, 240, 30.0, 0, 0.0, 0, "h264")
    with pytest.raises(VideoError) as exc:
        list(iter_frames(unknown))
    assert exc.value.code == "too_short"


@pytest.mark.parametrize(("frames", "rate"), [(15, 30), (10, 20), (29, 30)])
def test_half_a_second_and_ten_frames_are_enough(tmp_path: Path, frames: int, rate: int) -> None:
    """The limits themselves pass (29 frames: the shortest dev clip with a judged rep)."""
    clip = pattern_clip(tmp_path / "short_but_enough.mp4", frames, rate)
    stats = DecodeStats()
    assert len(list(iter_frames(probe(clip), stats=stats))) == frames
    assert stats.undecodable == 0 and stats.undecodable_share == 0.0


def test_pyav_really_reports_errors_for_the_damaged_clip(clips: dict[str, Path]) -> None:
    """The damaged copy is not a trick of ours: a plain PyAV decode stops with an error."""
    with av.open(str(clips["damaged"])) as container, pytest.raises(av.error.FFmpegError):
        for _frame in container.decode(container.streams.video[0]):
            pass


def test_undecodable_frames_are_counted_and_decoding_goes_on(clips: dict[str, Path]) -> None:
    stats = DecodeStats()
    frames = list(iter_frames(probe(clips["damaged"]), stats=stats))
    assert stats.failed > 0
    assert stats.decoded == len(frames) and stats.decoded + stats.failed == 90
    assert 0.10 < stats.undecodable_share <= 0.5
    # frames after the damage are still there (before: the decode stopped at the first error)
    assert frame_number(frames[-1].rgb) == 89
    clean = DecodeStats()
    list(iter_frames(probe(clips["clean"]), stats=clean))
    assert (clean.decoded, clean.undecodable) == (90, 0)


def test_a_mostly_undecodable_clip_is_refused(clips: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(VideoError) as exc:
        list(iter_frames(probe(clips["ruined"])))
    assert exc.value.code == "undecodable"
    code, _out, err = run_cli("analyze", str(clips["ruined"]), "--out", str(tmp_path / "o"))
    assert_one_line_error(code, err, "could not be decoded")


def test_the_analysis_warns_about_undecodable_frames(
    clips: dict[str, Path], tmp_path: Path
) -> None:
    analysis = run_analysis(clips["damaged"], tmp_path / "o", engine=NumberedPose())
    assert analysis.video.frames_undecodable > 9
    assert 0.10 < analysis.video.undecodable_share <= 0.5
    warning = next(w for w in analysis.warnings if w.code == "frames_undecodable")
    assert "could not be decoded" in warning.message
    saved = json.loads((tmp_path / "o" / "analysis.json").read_text(encoding="utf-8"))
    assert saved["video"]["undecodable_share"] == analysis.video.undecodable_share
    text = render_text(analysis)
    assert f"warning: {warning.message}" in text and "frames_undecodable" not in text
    clean = run_analysis(clips["clean"], tmp_path / "c", engine=NumberedPose(), artifacts=False)
    assert clean.video.frames_undecodable == 0
    assert "frames_undecodable" not in {w.code for w in clean.warnings}


def test_the_two_core_path_reports_the_same_counts(clips: dict[str, Path]) -> None:
    info = probe(clips["long_damaged"])
    one = extract_track(info, NumberedPose())
    two, _ = extract_track_parallel(info, NumberedPose, workers=2)
    assert one.decode.failed > 0 and one.decode.undecodable_share > 0.10
    assert two.decode == one.decode and two.n == one.n
    clean_info = probe(clips["long_clean"])
    clean, segments = extract_track_parallel(clean_info, NumberedPose, workers=2)
    assert segments == 2  # the segment path itself, not the fallback
    assert clean.decode == DecodeStats(announced=300, decoded=300)


def test_the_cli_says_so_on_a_damaged_clip(clips: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "o"
    code, stdout, err = run_cli(
        "analyze", str(clips["damaged"]), "--out", str(out), "--format", "json", "--quiet"
    )
    assert code == 0, err
    data = json.loads(stdout)  # stdout stays pure JSON
    assert "frames_undecodable" in {w["code"] for w in data["warnings"]}
    message = next(w["message"] for w in data["warnings"] if w["code"] == "frames_undecodable")
    assert [ln for ln in err.splitlines() if ln.startswith("warning:")] == [f"warning: {message}"]


def test_a_refused_video_fails_the_web_job_with_a_plain_message(tmp_path: Path) -> None:
    stored = pattern_clip(tmp_path / "input.mp4", 1)
    with pytest.raises(AnalysisError) as exc:
        VideoRunner().run(
            video=stored, out_dir=tmp_path / "job", lift="auto", progress=lambda f, s: None
        )
    message = str(exc.value)
    assert message.startswith("The video is too short to hold a rep")
    assert "input.mp4" not in message and "[" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("clip", "pre_roll"), [("dl_yfgd_pink", 5), ("sq_formfit_rack_closeup", 42)]
)
def test_an_edit_list_pre_roll_is_not_counted_as_lost(
    clips_dir: Path, clip: str, pre_roll: int
) -> None:
    """Real phone/editor clips whose container counts pre-roll frames it never shows (42 of
    591 here): those are not undecodable, on either path."""
    info = probe(clips_dir / f"{clip}.mp4")
    stats = DecodeStats()
    for _frame in iter_frames(info, (64, 64), stats=stats):
        pass
    assert stats.skipped == pre_roll and stats.undecodable == 0
    table = decode.frame_table(info)
    assert table is not None and table.discarded == pre_roll
