"""The plan as the CLI prints it: exercises with stop rules, pictures on disk, the programme."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.cli.test_cli_core import negative_screen, run, write_case


def test_text_report_prints_stop_rules_picture_paths_and_the_programme(tmp_path: Path) -> None:
    findings = {**negative_screen(), "lift": "deadlift", "back_arches_at_lockout": True,
                "phase": "lockout", "onset_with_lift": True, "pain_score": 3}
    result = run("assess", "--input", str(write_case(tmp_path, findings)), "--format", "text")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Finish the lockout with the glutes, ribs down" in out
    assert "Stop if:" in out and "Easier:" in out and "Harder:" in out
    pictures = re.findall(r"Picture: (\S+\.svg)", out)
    assert pictures and all(Path(p).is_file() for p in pictures), pictures
    assert "lockout_glutes.svg" in " ".join(pictures)
    assert "The way back to heavy lifting:" in out and "Back to heavy and to the floor" in out


def test_json_programme_and_care_only_results(tmp_path: Path) -> None:
    findings = {**negative_screen(), "lift": "overhead_press",
                "arches_when_pressing_overhead": True, "phase": "overhead", "pain_score": 2}
    result = run("assess", "--input", str(write_case(tmp_path, findings)), "--format", "json")
    data = json.loads(result.stdout)
    assert data["programme"]["phases"][0]["id"] == "settle"
    press = next(p for p in data["plan"] if p["id"] == "press_ribs_down")
    assert press["illustration"] == "/static/illustrations/split_stance_press.svg"
    emergency = {**findings, "saddle_numbness": True}
    result = run("assess", "--input", str(write_case(tmp_path, emergency)), "--format", "text")
    assert "The way back to heavy lifting" not in result.stdout
    assert "Picture:" not in result.stdout


def test_a_picture_path_is_printed_whole_however_deep_the_install(monkeypatch: Any) -> None:
    """A path broken over two lines cannot be copied or opened (CI installs in a deep folder)."""
    import backcheck.illustrations as illustrations
    from backcheck.cli import render

    deep = Path("/" + "/".join(["a-rather-long-folder-name"] * 8))
    monkeypatch.setattr(illustrations, "svg_file", lambda name: deep / f"{name}.svg")
    item = {"kind": "exercise", "stop_if": ["Pain runs down a leg."],
            "illustrations": ["/static/illustrations/lockout_glutes.svg"]}
    lines = render._exercise_lines(item)
    assert f"      Picture: {deep}/lockout_glutes.svg" in lines


def test_a_pregnant_lifter_is_told_to_brace_breathing_out_in_the_terminal(
    tmp_path: Path,
) -> None:
    findings = {**negative_screen(), "lift": "squat", "pain_score": 3,
                "pregnant_or_recent_birth": True}
    result = run("assess", "--input", str(write_case(tmp_path, findings)), "--format", "text")
    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "Brace while breathing out (pregnancy or after a birth)" in out
    assert "Heavy lifting while pregnant or after a birth" in out
    assert "Practise 360-degree bracing" in out  # named among the items held back, with why
    assert "brace while breathing out instead" in out
    assert "hold the breath." not in out
