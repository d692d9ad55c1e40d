"""readme_table: the README speed table is made from the benchmarks' JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_report import BenchReport
from readme_table import END, START, BlockError, main, render_block, replace_block

from tests.bench.test_bench_report import sample_report

README = Path(__file__).resolve().parents[2] / "README.md"


def test_block_has_a_row_per_headline_figure_and_goal() -> None:
    block = render_block([sample_report().to_dict()])
    lines = block.splitlines()
    assert lines[0] == START and lines[-1] == END
    assert "| benchmark | what | figure | goal | met |" in lines
    assert "| sample bench | assessments per second | 27,400/s | | |" in lines
    assert "| sample bench | assess / bare loop | 0.91× | | |" in lines
    assert "| sample bench | assess, one core | 27,400/s | ≥ 20,000/s | yes |" in lines
    assert "| sample bench | next question p99 | 7.50 ms | < 5 ms | **no** |" in lines
    assert (
        "| sample bench | two-core speed-up | – | ≥ 1.50× | not checked: one core only |" in lines
    )
    assert not any("the same loop, bare" in line for line in lines)  # not a headline
    assert "Goals: 1 of 3 met, 1 missed, 1 not checked." in block
    assert "quick sizes; load average (1 min)" in block
    assert "Machine: " in block


def test_runs_are_listed_in_the_order_they_ran() -> None:
    first, second = BenchReport("first"), BenchReport("second")
    one, two = first.to_dict(), second.to_dict()
    one["started_at"], two["started_at"] = "2026-12-01T13:00:00+00:00", "2026-12-01T12:00:00+00:00"
    block = render_block([one, two])
    assert block.index("- second: 2026-12-01 12:00 UTC") < block.index("- first: 2026-12-01 13:00")


def test_pipes_in_descriptions_do_not_break_the_table() -> None:
    report = BenchReport("x")
    report.goal("g", "a | b", 1.0, "<", 2.0)
    assert "| x | a \\| b |" in render_block([report.to_dict()])


def test_replace_block_keeps_the_rest() -> None:
    text = f"# Title\n\nbefore\n{START}\nold table\n{END}\nafter\n"
    new = replace_block(text, f"{START}\nnew table\n{END}")
    assert new == f"# Title\n\nbefore\n{START}\nnew table\n{END}\nafter\n"


@pytest.mark.parametrize(
    "text", ["no markers", f"{START} only", f"{END}\n{START}", f"{START}{END}{START}{END}"]
)
def test_replace_block_needs_one_pair_of_markers(text: str) -> None:
    with pytest.raises(BlockError):
        replace_block(text, f"{START}\n{END}")


def test_the_readme_has_the_generated_block() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    block = text[text.index(START) : text.index(END)]
    assert "| benchmark | what | figure | goal | met |" in block
    assert "load average" in block


def test_main_rewrites_a_readme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "sample.json"
    sample_report().write(data)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\n{END}\noutro\n")
    assert main([str(data), "--readme", str(readme)]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n")
    assert "next question p99" in text
    assert main([str(data), "--readme", str(tmp_path / "missing.md")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": 1}))
    assert main([str(bad), "--readme", str(readme)]) == 2
    assert "no 'name'" in capsys.readouterr().out


def test_a_headline_figure_that_is_also_a_goal_is_one_row() -> None:
    report = BenchReport("x")
    report.measure("p99", 3.0, "ms", "static file p99", headline=True)
    report.goal("p99", "static file p99", 3.0, "<", 100, "ms")
    rows = [line for line in render_block([report.to_dict()]).splitlines() if "p99" in line]
    assert rows == ["| x | static file p99 | 3 ms | < 100 ms | yes |"]
