"""`backcheck assess --story`: a story file alone or with a case, through the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BACKCHECK = [sys.executable, "-m", "backcheck"]
EMERGENCY_STORY = (
    "felt something go on a 220 deadlift PR, now it shoots down both legs and my groin "
    "feels numb. my mate had sciatica last year"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI like a user's shell does."""
    return subprocess.run(
        [*BACKCHECK, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "120"},
    )


def story_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "story.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_story_json_has_intake_and_an_emergency(tmp_path: Path) -> None:
    result = run("assess", "--story", str(story_file(tmp_path, EMERGENCY_STORY)), "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["triage"]["level"] == "emergency" and data["triage"]["complete"] is False
    intake = data["intake"]
    assert set(intake) == {"findings", "evidence", "needs_confirmation"}
    assert intake["findings"]["saddle_numbness"] is True
    assert "burning_or_electric_leg_pain" in intake["needs_confirmation"]
    assert any(e["certainty"] == "other_person" for e in intake["evidence"])


def test_story_text_opens_with_the_emergency_then_says_what_it_understood(
    tmp_path: Path,
) -> None:
    result = run("assess", "--story", str(story_file(tmp_path, EMERGENCY_STORY)))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.lstrip("!\n").startswith("EMERGENCY")
    understood = out[out.index("What I understood from your story:") :]
    assert '"groin feels numb"' in understood and "confirm" in understood
    assert 'Not counted: "sciatica" (it was about someone else)' in understood
    assert "saddle_numbness" not in understood and "_" not in understood.replace("___", "")


def test_story_with_a_case_keeps_the_answers(tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"findings": {"lift": "squat", "age": 40}}))
    story = story_file(tmp_path, "tweaked it on deadlifts, im 30, 4/10")
    result = run("assess", "--story", str(story), "--input", str(case), "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["intake"]["findings"]["lift"] == "deadlift"  # what the story said
    assert data["triage"]["level"] == "see_clinician"  # unanswered red flags: never self-care


def test_story_file_errors_are_one_line(tmp_path: Path) -> None:
    empty = story_file(tmp_path, "  \n")
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\xff\xfe\x00\x81" * 10)
    for args, message in [
        ((), "give a case file"),
        (("--story", str(tmp_path / "missing.txt")), "no such file"),
        (("--story", str(empty)), "the file is empty"),
        (("--story", str(binary)), "not text"),
        (("--story", str(tmp_path)), "is a directory"),
    ]:
        result = run("assess", *args)
        assert result.returncode == 2, args
        assert message in result.stderr and "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
