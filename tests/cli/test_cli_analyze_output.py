"""`analyze` into a folder that already holds an analysis: the old set survives any failure,
and a success replaces it whole (issue 7, defect 8). Also: usage errors are one line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from tests.cli.test_cli_bad_input import assert_one_line_error, run

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def small_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of a test pattern: a valid video with nobody in it."""
    path = tmp_path_factory.mktemp("gen") / "testsrc.mp4"
    subprocess.run(
        [FFMPEG, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=30",
         "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder (hidden staging folders included) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def analyse(video: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return run("analyze", str(video), "--out", str(out), "--format", "json", "--quiet")


def refused_video(kind: str, folder: Path) -> Path:
    """A file `analyze` refuses: garbage with an MP4 head, a photo, a one-frame video."""
    if kind == "garbage":
        bad = folder / "broken.mp4"
        bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
        return bad
    source = "testsrc=size=320x240:rate=30"
    if kind == "still image":
        made, bad = folder / "photo.jpg", folder / "photo.mp4"  # a photo renamed to .mp4
        args = ["-f", "lavfi", "-i", source, "-frames:v", "1", str(made)]
    else:
        made = bad = folder / "one_frame.mp4"
        args = ["-f", "lavfi", "-i", source, "-frames:v", "1", "-c:v", "libx264", str(made)]
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, capture_output=True)
    return made.rename(bad) if made != bad else bad


@pytest.mark.parametrize("kind", ["garbage", "still image", "one frame"])
def test_bad_video_leaves_the_previous_analysis_whole(
    tmp_path: Path, small_video: Path, kind: str
) -> None:
    out = tmp_path / "results"
    first = analyse(small_video, out)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert "analysis.json" in before and "angles.png" in before
    assert_one_line_error(analyse(refused_video(kind, tmp_path), out), "error:")
    assert snapshot(out) == before  # same files, same bytes, no staging folder left behind


def test_a_new_analysis_replaces_the_old_set(tmp_path: Path, small_video: Path) -> None:
    out = tmp_path / "results"
    assert analyse(small_video, out).returncode == 0
    (out / "analysis.json").write_text(
        json.dumps({"artifacts": {"plots": [str(out / "old_plot.png")]}}), encoding="utf-8"
    )
    (out / "old_plot.png").write_bytes(b"stale")
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    second = analyse(small_video, out)
    assert second.returncode == 0, second.stderr
    data = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert not (out / "old_plot.png").exists()  # the earlier set's image, not in the new set
    assert (out / "my_notes.txt").read_text(encoding="utf-8") == "mine"  # not ours: kept
    for path in [data["artifacts"]["annotated_video"], *data["artifacts"]["plots"]]:
        assert Path(path).parent == out.resolve() and Path(path).is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    assert json.loads(second.stdout) == data


def test_usage_error_is_one_line(tmp_path: Path) -> None:
    result = run("assess", "-i", str(tmp_path / "c.json"), "--format", "xml")
    assert_one_line_error(result, "--format")
    assert_one_line_error(run("assess", "--no-such-option"), "no-such-option")
