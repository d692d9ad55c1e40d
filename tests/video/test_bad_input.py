"""Bad input: a clear one-line error and exit status 2 from the CLI, never a traceback.

Small test videos are generated here with the ffmpeg binary shipped in imageio-ffmpeg; the
truncated-file case cuts a real clip from ../shared/data/videos into tmp (skipped if absent).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from typer.testing import CliRunner

from backcheck.video import decode
from backcheck.video.decode import probe
from backcheck.video.errors import VideoError

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def small_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "testsrc.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=30",
        "-t",
        "1",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(path),
    )
    return path


def app_runner() -> tuple[CliRunner, object]:
    from backcheck.cli.app import app

    return CliRunner(), app


def run_cli(*args: str) -> tuple[int, str, str]:
    runner, app = app_runner()
    res = runner.invoke(app, list(args))  # type: ignore[arg-type]
    return res.exit_code, res.stdout, res.stderr


def assert_clean_error(code: int, stderr: str, needle: str) -> None:
    assert code == 2
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error:")
    assert needle in lines[0].lower()
    assert "Traceback" not in stderr


def test_missing_path(tmp_path: Path) -> None:
    code, _out, err = run_cli("analyze", str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, "not found")
    assert not (tmp_path / "o" / "analysis.json").exists()


def test_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is a text file, not a video\n" * 50)
    code, _out, err = run_cli("analyze", str(fake), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, "video")


def test_audio_only(tmp_path: Path) -> None:
    audio = tmp_path / "sound.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(audio))
    renamed = tmp_path / "sound.mp4"
    audio.rename(renamed)
    code, _out, err = run_cli("analyze", str(renamed), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, "no picture")


def test_zero_frames(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=30",
        "-t",
        "1",
        "-frames:v",
        "0",
        "-c:v",
        "libx264",
        str(empty),
    )
    with pytest.raises(VideoError) as exc:
        probe(empty)
    assert exc.value.code in {"no_frames", "not_a_video"}
    code, _out, err = run_cli("analyze", str(empty), "--out", str(tmp_path / "o"))
    assert code == 2 and err.startswith("error:")


def test_truncated_real_clip(tmp_path: Path, clips_dir: Path) -> None:
    data = (clips_dir / "dl_garage_rounded.mp4").read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.3)])
    code, _out, err = run_cli("analyze", str(cut), "--out", str(tmp_path / "o"))
    assert code == 2 and err.startswith("error:") and "Traceback" not in err
    assert not (tmp_path / "o" / "analysis.json").exists()


def test_unwritable_out(tmp_path: Path, small_video: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _out, err = run_cli("analyze", str(small_video), "--out", str(blocker / "sub"))
    assert_clean_error(code, err, "cannot write")
    if os.geteuid() != 0:  # root ignores permission bits
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        code, _out, err = run_cli("analyze", str(small_video), "--out", str(ro / "sub"))
        assert_clean_error(code, err, "cannot write")


def test_huge_resolution_refused(small_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "MAX_PIXELS", 100 * 100)
    with pytest.raises(VideoError) as exc:
        probe(small_video)
    assert exc.value.code == "too_large"


def test_too_long_refused(small_video: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "MAX_DURATION_S", 0.5)
    code, _out, err = run_cli("analyze", str(small_video), "--out", str(small_video.parent / "o"))
    assert code == 2 and "min" in err


def test_large_frames_are_downscaled(tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=2560x1440:rate=5",
        "-t",
        "2",  # 10 frames: the shortest clip analyze accepts (decode.MIN_CLIP_FRAMES)
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        str(big),
    )
    info = probe(big)
    assert (info.width, info.height) == (2560, 1440)
    frame = next(iter(decode.iter_frames(info, info.analysis_size)))
    assert max(frame.rgb.shape[:2]) == decode.ANALYSIS_MAX_SIDE


def test_rotation_metadata_is_honoured(tmp_path: Path, small_video: Path) -> None:
    rotated = tmp_path / "rot.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(small_video), "-c", "copy", str(rotated))
    info = probe(rotated)
    assert info.rotation in (90, 270)
    assert (info.width, info.height) == (240, 320)
    frame = next(iter(decode.iter_frames(info)))
    assert frame.rgb.shape[:2] == (320, 240)


def test_no_person_is_not_an_error(tmp_path: Path, small_video: Path) -> None:
    """A video with nobody in it is valid input: null findings and a no_person warning."""
    import json

    code, out, err = run_cli(
        "analyze", str(small_video), "--out", str(tmp_path / "o"), "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["findings"]["back_rounds_at_bottom"] is None
    assert "no_person" in {w["code"] for w in data["warnings"]}
    assert (tmp_path / "o" / "analysis.json").exists()
