"""The core commands through the real console script, as users and other tools run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from backcheck.core import load_knowledge
from tests.cli.cli_kit import context_questions_all_unknown

BACKCHECK = [sys.executable, "-m", "backcheck"]
KB = load_knowledge()


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, like a user's shell does."""
    return subprocess.run(
        [*BACKCHECK, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,  # a real clip analysed on a loaded 2-core machine can take a minute
        env={**os.environ, "COLUMNS": "120"},
    )


def negative_screen() -> dict[str, Any]:
    """Every red-flag question answered with its negative answer."""
    return {fid: KB.findings[fid].safe_value for fid in KB.red_flags}


def write_case(tmp_path: Path, findings: dict[str, Any], **extra: Any) -> Path:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"findings": findings, **extra}))
    return path


def test_assess_json_matches_contract(tmp_path: Path) -> None:
    findings = {
        **negative_screen(),
        "pain_changes_with_movement": True,
        "lift": "deadlift",
        "phase": "bottom",
        "back_rounds_at_bottom": True,
    }
    result = run("assess", "--input", str(write_case(tmp_path, findings)), "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"triage", "causes", "plan", "next_questions", "disclaimer"}
    assert set(data["triage"]) >= {"level", "complete", "missing", "reasons"}
    assert data["triage"]["level"] == "self_care" and data["triage"]["complete"] is True
    for cause in data["causes"]:
        assert set(cause) >= {
            "id",
            "kind",
            "identified",
            "likelihood",
            "evidence_for",
            "evidence_against",
            "explanation",
        }
        assert 0 <= cause["likelihood"] <= 1
    assert data["causes"][0]["id"] == "lumbar_flexion" and data["causes"][0]["identified"]
    for item in data["plan"]:
        assert set(item) >= {"id", "title", "because", "steps", "dose"}
    assert {"rdl_substitution", "block_pulls", "heat_ice"} <= {p["id"] for p in data["plan"]}
    for question in data["next_questions"]:
        assert set(question) >= {"id", "text"}


def test_assess_text_puts_emergency_first(tmp_path: Path) -> None:
    case = write_case(tmp_path, {"saddle_numbness": True, "lift": "deadlift"})
    result = run("assess", "--input", str(case), "--format", "text")
    assert result.returncode == 0
    lines = [line for line in result.stdout.splitlines() if line.strip("!")]
    assert lines[0].startswith("EMERGENCY")
    message = KB.rule("cauda_equina_symptoms").message
    assert " ".join(result.stdout.split()).count(" ".join(message.split())) >= 1


def test_assess_accepts_video_analysis_in_case(tmp_path: Path) -> None:
    analysis = {
        "findings": {"back_rounds_at_bottom": True, "back_arches_at_lockout": None},
        "finding_confidence": {"back_rounds_at_bottom": 0.8},
    }
    case = write_case(tmp_path, {**negative_screen(), "lift": "deadlift"}, video_analysis=analysis)
    data = json.loads(run("assess", "-i", str(case), "--format", "json").stdout)
    flexion = next(c for c in data["causes"] if c["id"] == "lumbar_flexion")
    video = [e for e in flexion["evidence_for"] if e["findings"] == ["back_rounds_at_bottom"]]
    assert video and video[0]["weight"] == 0.8


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "empty"),
        ("{not json", "not valid JSON"),
        ('{"findings": {"pain_score": 14}}', "pain_score"),
        ('{"findings": {"days_since_onset": -1}}', "days_since_onset"),
        ('{"findings": {"no_such_thing": true}}', "no_such_thing"),
        ('{"findings": {"lift": "curl"}}', "lift"),
        ('{"findings": {"saddle_numbness": "maybe"}}', "saddle_numbness"),
        ("[1, 2]", "case"),
    ],
)
def test_assess_bad_input_is_one_line_exit_2(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "case.json"
    path.write_text(content)
    result = run("assess", "--input", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr


def test_assess_missing_file(tmp_path: Path) -> None:
    result = run("assess", "--input", str(tmp_path / "absent.json"))
    assert result.returncode == 2 and "no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_knowledge_json_has_every_item_with_source() -> None:
    result = run("knowledge", "--format", "json")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    for key in ("findings", "triage_rules", "causes", "plan_items"):
        assert data[key], key
        for item in data[key]:
            assert item["id"] and item["source"], (key, item["id"])
    assert {c["id"] for c in data["causes"]} >= {"lumbar_flexion", "lumbar_hyperextension"}


def test_knowledge_markdown_names_every_item() -> None:
    result = run("knowledge", "--format", "markdown")
    assert result.returncode == 0
    text = result.stdout
    for item_id in [
        *KB.findings,
        *(r.id for r in KB.rules),
        *(c.id for c in KB.causes),
        *(p.id for p in KB.plan_items),
        *KB.sources,
    ]:
        assert f"`{item_id}`" in text, item_id


CONTEXT_QUESTIONS = context_questions_all_unknown()
SAFETY_SCREENS = [s for s in KB.screens if s.kind == "safety"]


def dont_know_context() -> list[str]:
    return ["?"] * CONTEXT_QUESTIONS


def test_interview_driven_through_stdin_asks_red_flags_first() -> None:
    # Context "don't know", "none of these" on every safety screen, then "?" until input ends.
    answers = "\n".join(dont_know_context() + ["n"] * len(SAFETY_SCREENS) + ["?"] * 60) + "\n"
    result = run("interview", "--format", "json", stdin=answers)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["triage"]["complete"] is True
    prompts = result.stderr
    positions = [prompts.index(f"{screen.title}  (") for screen in SAFETY_SCREENS]
    assert positions == sorted(positions)
    assert prompts.index("What happened") < positions[0]
    follow_up = prompts.find("Question 1 of about")
    assert follow_up == -1 or follow_up > positions[-1], "safety screens before follow-ups"
    assert "groin" in prompts[positions[0] :]


def test_interview_emergency_answer_shows_emergency(tmp_path: Path) -> None:
    answers = [*dont_know_context(), "y", "yes", "n"]
    result = run("interview", stdin="\n".join(answers) + "\n")
    assert result.returncode == 0
    out = result.stdout
    # the advice comes at once, before the next item of the screen; the rest is offered
    second_item = KB.findings[SAFETY_SCREENS[0].findings[1]].item
    assert second_item is not None
    assert out.index("EMERGENCY") > out.index("Any of these?")
    assert second_item not in out[out.index("Any of these?") : out.index("Answer them now?")]
    assert out.index("EMERGENCY") < out.index("Answer them now?")
    report = out.split("Answer them now?")[1]
    assert report.split("> ", 1)[1].startswith("!" * 10), "the report opens with the emergency"


def test_interview_with_answers_file_and_eof(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({**negative_screen(), "pain_changes_with_movement": True}))
    result = run("interview", "--answers", str(answers), "--format", "json", stdin="")
    assert result.returncode == 0
    data = json.loads(result.stdout)
    assert data["triage"]["complete"] is True and data["triage"]["level"] == "self_care"
    assert "Any of these?" not in result.stderr


def test_interview_unknown_red_flag_answer_never_self_care() -> None:
    first = SAFETY_SCREENS[0]
    answers = dont_know_context() + ["y", "?"] + ["n"] * (len(first.findings) - 1)
    answers += ["n"] * (len(SAFETY_SCREENS) - 1) + ["?"] * 60
    data = json.loads(run("interview", "--format", "json", stdin="\n".join(answers) + "\n").stdout)
    assert data["triage"]["level"] != "self_care"
    assert data["triage"]["missing"] == [first.findings[0]]


def test_interview_reasks_invalid_answer() -> None:
    result = run("interview", "--format", "json", stdin="perhaps\n1\n")
    assert "Please answer with a number from 1 to" in result.stderr
    assert result.returncode == 0


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "backcheck"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("assess", "interview", "knowledge"):
        assert command in result.stdout


CLIPS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "videos"


@pytest.mark.slow
@pytest.mark.skipif(not CLIPS.is_dir(), reason="labelled clips in ../shared/data/videos absent")
def test_assess_with_video_uses_its_findings(tmp_path: Path) -> None:
    # dl_garage_rounded: a real side-view deadlift labelled "rounded" (shared/data/README.md).
    case = write_case(tmp_path, {"lift": "deadlift"})
    out = tmp_path / "video"
    result = run(
        "assess",
        "-i",
        str(case),
        "--video",
        str(CLIPS / "dl_garage_rounded.mp4"),
        "--video-out",
        str(out),
        "-f",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (out / "analysis.json").is_file()
    assert any(
        note.startswith("From the video:") or "could not judge" in note for note in data["notes"]
    )
    flexion = next(c for c in data["causes"] if c["id"] == "lumbar_flexion")
    extension = next(c for c in data["causes"] if c["id"] == "lumbar_hyperextension")
    assert flexion["likelihood"] >= extension["likelihood"]


def test_assess_with_a_video_that_is_not_a_video(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video")
    case = write_case(tmp_path, {"lift": "deadlift"})
    result = run("assess", "-i", str(case), "--video", str(fake))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
