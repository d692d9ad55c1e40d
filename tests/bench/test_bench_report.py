"""bench_report: the one JSON shape every benchmark writes, and its goal check."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest
from bench_report import (
    BenchReport,
    ReportError,
    format_number,
    goal_met,
    goal_summary,
    load_report,
    missed_goals,
    unchecked_goals,
    validate,
    with_unit,
)


def sample_report() -> BenchReport:
    """A report with one of everything: a met goal, a missed one, one not checked."""
    report = BenchReport("sample", title="sample bench", quick=True)
    report.measure("rate", 27400.0, "/s", "assessments per second", headline=True)
    report.reference("bare_rate", 30000.0, "/s", "the same loop, bare")
    report.ratio("rate_over_bare", "rate", "bare_rate", "assess / bare loop", headline=True)
    report.goal("rate", "assess, one core", 27400.0, ">=", 20000, "/s")
    report.goal("p99", "next question p99", 7.5, "<", 5, "ms")
    report.goal_not_checked("two_core", "two-core speed-up", ">=", 1.5, "×", "one core only")
    return report


def test_report_has_the_shared_shape() -> None:
    data = sample_report().to_dict()
    assert validate(data) == []
    assert data["schema"] == 1 and data["name"] == "sample" and data["quick"] is True
    assert set(data["machine"]) >= {"cpu", "cores_available", "cores_total", "python", "os"}
    assert len(data["load_average"]["start"]) == 3 and len(data["load_average"]["end"]) == 3
    assert data["measurements"]["rate"] == {
        "value": 27400.0,
        "unit": "/s",
        "description": "assessments per second",
        "headline": True,
    }
    assert data["ratios"]["rate_over_bare"]["value"] == pytest.approx(27400 / 30000)
    assert data["ratios"]["rate_over_bare"]["denominator"] == "bare_rate"
    assert [g["met"] for g in data["goals"]] == [True, False, None]
    assert data["duration_s"] >= 0


@pytest.mark.parametrize(
    ("value", "comparison", "threshold", "met"),
    [
        (5.0, ">=", 5.0, True),
        (5.0, ">", 5.0, False),
        (5.0, "<=", 5.0, True),
        (5.0, "<", 5.0, False),
        (4.9, "<", 5.0, True),
        (math.nan, "<", 5.0, False),
        (math.nan, ">=", 5.0, False),
        (None, ">=", 0.0, False),
    ],
)
def test_goal_met(value: float | None, comparison: str, threshold: float, met: bool) -> None:
    assert goal_met(value, comparison, threshold) is met


def test_unknown_comparison_is_refused() -> None:
    with pytest.raises(ValueError, match="comparison"):
        BenchReport("x").goal("g", "a goal", 1.0, "=>", 1.0)


def test_nan_is_written_as_null_and_a_ratio_over_zero_is_missing() -> None:
    report = BenchReport("x")
    report.measure("a", math.nan, "ms", "a failed timing")
    report.reference("zero", 0.0, "ms", "nothing")
    report.measure("b", 2.0, "ms", "b")
    ratio = report.ratio("b_over_zero", "b", "zero", "b / zero")
    assert math.isnan(ratio)
    data = report.to_dict()
    assert data["measurements"]["a"]["value"] is None
    assert data["ratios"]["b_over_zero"]["value"] is None
    json.dumps(data, allow_nan=False)  # strict JSON: no NaN literal


def test_a_key_recorded_twice_is_refused() -> None:
    report = BenchReport("x")
    report.measure("a", 1.0, "ms", "a")
    with pytest.raises(ValueError, match="twice"):
        report.reference("a", 1.0, "ms", "again")
    report.goal("g", "goal", 1.0, "<", 2.0)
    with pytest.raises(ValueError, match="twice"):
        report.goal("g", "goal", 1.0, "<", 2.0)
    with pytest.raises(KeyError):
        report.ratio("r", "a", "missing", "a / missing")


def test_a_bad_name_is_refused() -> None:
    with pytest.raises(ValueError, match="name"):
        BenchReport("../core")


def test_write_then_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "sample.json"
    written = sample_report().write(path)
    loaded = load_report(path)
    assert loaded == written
    assert [g["id"] for g in missed_goals(loaded)] == ["p99"]
    assert [g["id"] for g in unchecked_goals(loaded)] == ["two_core"]
    assert not list(tmp_path.glob("deep/*.part"))


def test_finish_exit_status_follows_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sample.json"
    args = argparse.Namespace(json=path, check=False, quick=False)
    assert sample_report().finish(args) == 0
    assert path.exists()
    args.check = True
    assert sample_report().finish(args) == 1
    out = capsys.readouterr().out
    assert "MISSED: next question p99: 7.50 ms (goal < 5 ms)" in out
    assert "not checked: two-core speed-up" in out and "one core only" in out
    met_only = BenchReport("ok")
    met_only.goal("g", "fast enough", 1.0, "<", 2.0, "s")
    assert met_only.finish(args) == 0


@pytest.mark.parametrize(
    "broken",
    [
        [],
        {"schema": 1},
        {**sample_report().to_dict(), "schema": 2},
        {**sample_report().to_dict(), "load_average": {"start": [0, 0, 0]}},
        {**sample_report().to_dict(), "measurements": {"a": {"value": 1}}},
        {**sample_report().to_dict(), "goals": [{"id": "g", "description": "d"}]},
        {
            **sample_report().to_dict(),
            "goals": [
                {
                    "id": "g",
                    "description": "d",
                    "value": 1,
                    "threshold": 1,
                    "comparison": "==",
                    "met": True,
                }
            ],
        },
        {
            **sample_report().to_dict(),
            "goals": [
                {
                    "id": "g",
                    "description": "d",
                    "value": 1,
                    "threshold": 1,
                    "comparison": "<",
                    "met": "yes",
                }
            ],
        },
    ],
)
def test_validate_names_what_is_wrong(broken: object) -> None:
    assert validate(broken)


def test_load_report_errors_are_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    with pytest.raises(ReportError, match="cannot read") as error:
        load_report(missing)
    assert "\n" not in str(error.value)
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ReportError, match="not JSON"):
        load_report(bad)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"machine": "x", "assess": {"p99_ms": 2}}))
    with pytest.raises(ReportError, match="no 'schema'"):
        load_report(old)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (27412.4, "27,412"),
        (412.4, "412"),
        (41.63, "41.6"),
        (1.639, "1.64"),
        (0.0421, "0.042"),
        (0.0, "0"),
        (35.0, "35"),
        (2.5, "2.50"),
        (None, "–"),
        (math.inf, "–"),
    ],
)
def test_format_number(value: float | None, text: str) -> None:
    assert format_number(value) == text


def test_with_unit() -> None:
    assert with_unit(41.63, "f/s") == "41.6 f/s"
    assert with_unit(27400, "/s") == "27,400/s"
    assert with_unit(1.5, "×") == "1.50×"
    assert with_unit(None, "ms") == "–"


def test_goal_summary_counts() -> None:
    summary = goal_summary(sample_report().to_dict())
    assert summary.splitlines()[-1].strip() == "1 met, 1 missed, 1 not checked"
