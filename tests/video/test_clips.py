"""The pipeline on the labelled real clips in ../shared/data/videos (skipped where absent).

The clips are short public lifting videos gathered from other projects' repositories and
labelled by a reviewer (labels.tsv there: view, back_label neutral/rounded/arched/unclear).
Each clip's pose is computed once per session (see conftest.track_of).

"Confident" means finding_confidence ≥ 0.7 (analysis.CONFIDENT). The contract tested here is the
one that matters most: never a confident call opposite to the reviewer's label; null is allowed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import pytest
from typer.testing import CliRunner

from backcheck.video.analysis import CONFIDENT, analyze_track
from backcheck.video.schema import Analysis
from backcheck.video.track import Track
from tests.video.conftest import clip_labels

pytestmark = pytest.mark.slow

LABELS = clip_labels()
SIDE_LABELLED = sorted(
    k
    for k, r in LABELS.items()
    if r["view"].startswith("side") and r["back_label"] in {"neutral", "rounded", "arched"}
)
FRONT_OR_REAR = ["sq_liftcheck_front", "ohp_gitfit_front"]
PAIRS = [
    ("dl_garage_rounded", "dl_garage_neutral"),
    ("dl_shield_rounded", "dl_shield_neutral"),
    ("dl_posereader_rounded", "dl_posereader_neutral"),
]

_analyses: dict[str, Analysis] = {}


def analysis_of(name: str, track_of: Callable[[str], Track]) -> Analysis:
    if name not in _analyses:
        _analyses[name] = analyze_track(track_of(name))
    return _analyses[name]


def confident(a: Analysis, finding: str, value: bool) -> bool:
    return a.findings.get(finding) is value and a.finding_confidence.get(finding, 0.0) >= CONFIDENT


@pytest.mark.parametrize("name", SIDE_LABELLED or ["<no clips>"])
def test_never_confidently_opposite_to_label(name: str, track_of: Callable[[str], Track]) -> None:
    a = analysis_of(name, track_of)
    label = LABELS[name]["back_label"]
    arches = ("back_arches_at_setup", "back_arches_at_lockout", "arches_when_pressing_overhead")
    if label == "neutral":
        assert not confident(a, "back_rounds_at_bottom", True)
        assert not any(confident(a, f, True) for f in arches)
    elif label == "rounded":
        assert not confident(a, "back_rounds_at_bottom", False)
        assert not any(confident(a, f, True) for f in arches)
    elif label == "arched":
        assert not confident(a, "back_rounds_at_bottom", True)
        assert not confident(a, "back_arches_at_setup", False)
    for v in a.finding_confidence.values():
        assert 0.5 <= v <= 1.0
    if a.back_judgement.judgeable:
        assert a.reps, "a judged back needs reps"
    else:
        assert a.back_judgement.reason
        assert a.findings["back_rounds_at_bottom"] is None


@pytest.mark.parametrize("name", FRONT_OR_REAR)
def test_front_and_rear_views_are_not_judged(name: str, track_of: Callable[[str], Track]) -> None:
    a = analysis_of(name, track_of)
    assert a.view in {"front", "rear"}
    assert "not_side_view" in {w.code for w in a.warnings}
    assert a.findings["back_rounds_at_bottom"] is None
    assert a.findings["back_arches_at_lockout"] is None
    assert not a.back_judgement.judgeable


@pytest.mark.parametrize(("rounded", "neutral"), PAIRS)
def test_matched_pairs_order(rounded: str, neutral: str, track_of: Callable[[str], Track]) -> None:
    """Same lifter, camera and clothes: the rounded clip's bottom bow exceeds the neutral's."""
    r, n = analysis_of(rounded, track_of), analysis_of(neutral, track_of)
    rb, nb = r.reps[0].back.bottom, n.reps[0].back.bottom
    assert rb.lumbar_bow is not None and nb.lumbar_bow is not None
    assert rb.whole_bow is not None and nb.whole_bow is not None
    assert rb.lumbar_bow > nb.lumbar_bow
    assert rb.whole_bow > nb.whole_bow


@pytest.mark.parametrize(("rounded", "neutral"), PAIRS)
def test_reference_clip_makes_the_call(
    rounded: str, neutral: str, track_of: Callable[[str], Track]
) -> None:
    """With the lifter's own neutral rep as --reference the rounded rep is called; and back."""
    a = analyze_track(track_of(rounded), reference=track_of(neutral), reference_name=neutral)
    assert a.findings["back_rounds_at_bottom"] is True
    assert any(c.kind == "reference" and (c.back_change or 0) > 0 for c in a.comparisons)
    b = analyze_track(track_of(neutral), reference=track_of(rounded), reference_name=rounded)
    assert b.findings["back_rounds_at_bottom"] is False


def test_reps_found_on_a_three_rep_squat(track_of: Callable[[str], Track]) -> None:
    a = analysis_of("sq_formfit_volt_side", track_of)
    assert a.lift == "squat" and len(a.reps) == 3


def test_cli_end_to_end(clips_dir: Path, tmp_path: Path) -> None:
    """analyze on a real clip: pure JSON on stdout, analysis.json, a browser-playable MP4, PNGs."""
    from backcheck.cli.app import app

    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "analyze",
            str(clips_dir / "dl_garage_rounded.mp4"),
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data == json.loads((out / "analysis.json").read_text())
    for key in (
        "video",
        "view",
        "lift",
        "lift_detected",
        "reps",
        "comparisons",
        "findings",
        "warnings",
        "artifacts",
    ):
        assert key in data
    assert set(data["video"]) >= {
        "path",
        "width",
        "height",
        "fps",
        "frames",
        "duration_s",
        "rotation",
    }
    rep = data["reps"][0]
    assert set(rep) >= {
        "index",
        "start_s",
        "bottom_s",
        "lockout_s",
        "end_s",
        "angles",
        "back",
        "flags",
    }
    assert set(rep["angles"]) >= {
        "trunk_bottom_deg", "hip_bottom_deg", "knee_bottom_deg",
        "trunk_lockout_deg", "hip_lockout_deg", "knee_lockout_deg",
    }  # fmt: skip
    assert set(data["findings"]) == {
        "back_rounds_at_bottom", "back_arches_at_setup",
        "back_arches_at_lockout", "arches_when_pressing_overhead",
    }  # fmt: skip
    video = Path(data["artifacts"]["annotated_video"])
    probe = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(video)],
        capture_output=True,
        text=True,
    ).stderr
    assert "h264" in probe and "yuv420p" in probe
    head = video.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat"), "moov atom first (+faststart)"
    for p in [*data["artifacts"]["plots"], data["artifacts"]["contact_sheet"]]:
        assert Path(p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(out.glob(".*tmp*"))
