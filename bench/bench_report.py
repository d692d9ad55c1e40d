"""One JSON shape for every benchmark: build it, write it, read it back, check its goals.

A benchmark script fills a :class:`BenchReport` as it measures and ends with
``return report.finish(args)``; `bench/run_all.py` collects the files and checks the goals,
and `bench/readme_table.py` makes the README's speed table from them. One shape means one
checker and one table generator instead of a parser per benchmark's printout.

    parser = argparse.ArgumentParser()
    add_bench_arguments(parser)                    # --json PATH, --quick, --check
    args = parser.parse_args()
    report = BenchReport("core", quick=args.quick)  # machine + load average at start
    rate = report.measure("assess_rate", 27000.0, "/s", "assessments per second", headline=True)
    report.reference("bare_rate", 30000.0, "/s", "the same loop without ranking")
    report.ratio("rate_over_bare", "assess_rate", "bare_rate", "assess / bare")
    report.goal("assess_rate", "assess, one core", rate, ">=", 20000, "/s")
    return report.finish(args)                     # write, print goals, exit status

The file (``SCHEMA_VERSION`` 1)::

    {"schema": 1, "name": str, "title": str, "quick": bool,
     "started_at": ISO 8601 UTC, "finished_at": ..., "duration_s": float,
     "machine": {"cpu", "cores_available", "cores_total", "memory_gib", "python", "os",
                 "summary"},
     "load_average": {"start": [1 min, 5 min, 15 min], "end": [...]},
     "measurements": {key: {"value", "unit", "description", "headline"}},
     "references":   {key: {"value", "unit", "description", "headline"}},
     "ratios":       {key: {"value", "numerator", "denominator", "description", "headline"}},
     "goals": [{"id", "description", "value", "comparison", "threshold", "unit", "met",
                "note"}],
     "notes": [str], "extra": {anything the benchmark adds}}

A reference is measured in the same run as what it is compared with, so that the machine's
other load hits both. A goal's ``met`` is true, false, or null when it could not be checked
on this run (for example a two-core goal on one core); null is never counted as met.
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import os
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine_info import machine_details

SCHEMA_VERSION = 1
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
REQUIRED_KEYS = (
    "schema",
    "name",
    "machine",
    "load_average",
    "measurements",
    "references",
    "ratios",
    "goals",
)
GOAL_KEYS = ("id", "description", "value", "threshold", "comparison", "met")


class ReportError(ValueError):
    """A benchmark file that is missing, unreadable or not in the shared shape."""


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages now (zeros where the OS has none)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return [0.0, 0.0, 0.0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _number(value: float) -> float | None:
    """JSON has no NaN or infinity: those are written as null."""
    value = float(value)
    return value if math.isfinite(value) else None


def goal_met(value: float | None, comparison: str, threshold: float) -> bool:
    """Whether ``value comparison threshold`` holds; a missing or NaN value never meets it."""
    if comparison not in COMPARISONS:
        raise ValueError(f"unknown comparison {comparison!r} (use one of {', '.join(COMPARISONS)})")
    if value is None or not math.isfinite(value):
        return False
    return COMPARISONS[comparison](value, threshold)


class BenchReport:
    """What one benchmark run measured, built as it goes and written as JSON at the end."""

    def __init__(self, name: str, *, title: str = "", quick: bool = False) -> None:
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"a benchmark name is letters, digits, - and _: {name!r}")
        self.name = name
        self.title = title or name
        self.quick = quick
        self.started_at = _now()
        self._start = time.perf_counter()
        self.machine = machine_details()
        self.load_start = load_average()
        self.measurements: dict[str, dict[str, Any]] = {}
        self.references: dict[str, dict[str, Any]] = {}
        self.ratios: dict[str, dict[str, Any]] = {}
        self.goals: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.extra: dict[str, Any] = {}

    def _quantity(
        self,
        table: dict[str, dict[str, Any]],
        key: str,
        value: float,
        unit: str,
        description: str,
        headline: bool,
    ) -> float:
        if key in self.measurements or key in self.references:
            raise ValueError(f"{key!r} is recorded twice")
        table[key] = {
            "value": _number(value),
            "unit": unit,
            "description": description,
            "headline": headline,
        }
        return value

    def measure(
        self, key: str, value: float, unit: str, description: str, *, headline: bool = False
    ) -> float:
        """Record a measured figure; ``headline`` ones go in the README table. Returns it."""
        return self._quantity(self.measurements, key, value, unit, description, headline)

    def reference(
        self, key: str, value: float, unit: str, description: str, *, headline: bool = False
    ) -> float:
        """Record a reference measured in this same run (what a figure is compared with)."""
        return self._quantity(self.references, key, value, unit, description, headline)

    def value_of(self, key: str) -> float | None:
        """A recorded measurement, reference or ratio by key."""
        for table in (self.measurements, self.references, self.ratios):
            if key in table:
                value = table[key]["value"]
                return None if value is None else float(value)
        raise KeyError(f"nothing recorded as {key!r}")

    def ratio(
        self,
        key: str,
        numerator: str,
        denominator: str,
        description: str,
        *,
        headline: bool = False,
    ) -> float:
        """Record numerator / denominator of two recorded figures; returns it (NaN if either
        is missing or the denominator is 0)."""
        if key in self.ratios:
            raise ValueError(f"{key!r} is recorded twice")
        top, bottom = self.value_of(numerator), self.value_of(denominator)
        value = top / bottom if top is not None and bottom else math.nan
        self.ratios[key] = {
            "value": _number(value),
            "numerator": numerator,
            "denominator": denominator,
            "description": description,
            "headline": headline,
        }
        return value

    def goal(
        self,
        key: str,
        description: str,
        value: float | None,
        comparison: str,
        threshold: float,
        unit: str = "",
        *,
        note: str = "",
    ) -> bool:
        """Record a goal and whether this run met it; returns met."""
        if any(g["id"] == key for g in self.goals):
            raise ValueError(f"goal {key!r} is recorded twice")
        met = goal_met(value, comparison, threshold)
        self.goals.append(
            {
                "id": key,
                "description": description,
                "value": None if value is None else _number(value),
                "comparison": comparison,
                "threshold": threshold,
                "unit": unit,
                "met": met,
                "note": note,
            }
        )
        return met

    def goal_not_checked(
        self, key: str, description: str, comparison: str, threshold: float, unit: str, why: str
    ) -> None:
        """Record a goal this run could not check (met is null), saying why."""
        if comparison not in COMPARISONS:
            raise ValueError(f"unknown comparison {comparison!r}")
        self.goals.append(
            {
                "id": key,
                "description": description,
                "value": None,
                "comparison": comparison,
                "threshold": threshold,
                "unit": unit,
                "met": None,
                "note": why,
            }
        )

    def note(self, text: str) -> None:
        """A sentence a reader of the figures should know (e.g. what was skipped)."""
        self.notes.append(text)

    def to_dict(self) -> dict[str, Any]:
        """The report in the shared shape; the load average at the end is read now."""
        return {
            "schema": SCHEMA_VERSION,
            "name": self.name,
            "title": self.title,
            "quick": self.quick,
            "started_at": self.started_at,
            "finished_at": _now(),
            "duration_s": round(time.perf_counter() - self._start, 2),
            "machine": self.machine,
            "load_average": {"start": self.load_start, "end": load_average()},
            "measurements": self.measurements,
            "references": self.references,
            "ratios": self.ratios,
            "goals": self.goals,
            "notes": self.notes,
            "extra": self.extra,
        }

    def write(self, path: Path) -> dict[str, Any]:
        """Write the JSON (folders made as needed) and return what was written."""
        data = self.to_dict()
        problems = validate(data)
        if problems:
            raise ReportError(f"{self.name}: {problems[0]}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(json.dumps(data, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        tmp.replace(path)
        return data

    def finish(self, args: argparse.Namespace | None = None) -> int:
        """Write ``--json`` if given, print the goals, and return the exit status: 1 with
        ``--check`` when a goal is missed, else 0."""
        json_path = getattr(args, "json", None)
        data = self.write(Path(json_path)) if json_path else self.to_dict()
        print(goal_summary(data), flush=True)
        if getattr(args, "check", False) and missed_goals(data):
            return 1
        return 0


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark takes (run_all.py passes --json and --quick)."""
    parser.add_argument("--json", type=Path, help="write the results to this JSON file")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a quick look")
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")


def validate(data: Any) -> list[str]:
    """What is wrong with a report's shape, in words (empty when it is fine)."""
    if not isinstance(data, Mapping):
        return ["the report is not a JSON object"]
    problems = [f"no {key!r}" for key in REQUIRED_KEYS if key not in data]
    if problems:
        return problems
    if data["schema"] != SCHEMA_VERSION:
        problems.append(f"schema {data['schema']!r}, expected {SCHEMA_VERSION}")
    load = data["load_average"]
    if not isinstance(load, Mapping) or "start" not in load or "end" not in load:
        problems.append("load_average needs start and end")
    for table in ("measurements", "references", "ratios"):
        entries = data[table]
        if not isinstance(entries, Mapping):
            problems.append(f"{table} is not an object")
            continue
        for key, entry in entries.items():
            if not isinstance(entry, Mapping) or "value" not in entry:
                problems.append(f"{table}.{key} has no value")
            elif table != "ratios" and "unit" not in entry:
                problems.append(f"{table}.{key} has no unit")
    if not isinstance(data["goals"], list):
        problems.append("goals is not a list")
    else:
        for index, goal in enumerate(data["goals"]):
            missing = [k for k in GOAL_KEYS if not isinstance(goal, Mapping) or k not in goal]
            if missing:
                problems.append(f"goal {index} lacks {', '.join(missing)}")
            elif goal["comparison"] not in COMPARISONS:
                problems.append(f"goal {goal['id']!r} has comparison {goal['comparison']!r}")
            elif goal["met"] not in (True, False, None):
                problems.append(f"goal {goal['id']!r} has met {goal['met']!r}")
    return problems


def load_report(path: Path) -> dict[str, Any]:
    """Read and validate one benchmark's JSON; a one-line :class:`ReportError` otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ReportError(f"{path}: cannot read it ({error.strerror or error})") from None
    except ValueError as error:
        raise ReportError(f"{path}: not JSON ({error})") from None
    problems = validate(data)
    if problems:
        raise ReportError(f"{path}: {problems[0]}")
    return dict(data)


def missed_goals(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The goals this run checked and missed."""
    return [dict(g) for g in data["goals"] if g["met"] is False]


def unchecked_goals(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The goals this run could not check."""
    return [dict(g) for g in data["goals"] if g["met"] is None]


def format_number(value: float | None) -> str:
    """A figure as people read it: 27,400 · 412 · 41.6 · 1.64 · 0.042 · 35 (a whole number);
    a dash when missing."""
    if value is None or not math.isfinite(value):
        return "–"
    size = abs(value)
    if float(value).is_integer() and size < 1000:  # a count: 35, not 35.0
        return str(int(value))
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 0.1 or size == 0:
        return f"{value:.2f}"
    return f"{value:.2g}"


def with_unit(value: float | None, unit: str) -> str:
    """A figure and its unit ("41.6 f/s", "1.64×", "27,400/s", "12 %")."""
    return _join(format_number(value), unit)


def _join(number: str, unit: str) -> str:
    if not unit or number == "–":
        return number
    if unit in ("×", "x"):
        return f"{number}×"
    if unit.startswith("/"):
        return f"{number}{unit}"
    return f"{number} {unit}"


def goal_text(goal: Mapping[str, Any]) -> str:
    """A goal's target in words-and-symbols: "≥ 20,000 /s", "< 5 ms", "≥ 0.80×"."""
    symbol = {">=": "≥", "<=": "≤", ">": ">", "<": "<"}[goal["comparison"]]
    threshold, unit = goal["threshold"], goal.get("unit", "")
    whole = isinstance(threshold, (int, float)) and float(threshold).is_integer()
    if whole and abs(threshold) < 1000:  # a round target reads "< 5 ms", not "< 5.00 ms"
        return f"{symbol} {_join(str(int(threshold)), unit)}"
    return f"{symbol} {with_unit(threshold, unit)}"


def goal_line(goal: Mapping[str, Any]) -> str:
    """One goal in one line: state, what, figure against target."""
    state = {True: "met", False: "MISSED", None: "not checked"}[goal["met"]]
    figure = with_unit(goal["value"], goal.get("unit", ""))
    line = f"{state}: {goal['description']}: {figure} (goal {goal_text(goal)})"
    return f"{line}; {goal['note']}" if goal.get("note") else line


def goal_summary(data: Mapping[str, Any]) -> str:
    """Every goal of one report, one per line, and a closing count."""
    lines = [f"goals of {data['name']}:"] + [f"  {goal_line(g)}" for g in data["goals"]]
    missed, unchecked = missed_goals(data), unchecked_goals(data)
    met = len(data["goals"]) - len(missed) - len(unchecked)
    lines.append(f"  {met} met, {len(missed)} missed, {len(unchecked)} not checked")
    return "\n".join(lines)


if __name__ == "__main__":  # `python bench/bench_report.py FILE...`: print their goals
    status = 0
    for name in sys.argv[1:]:
        try:
            report = load_report(Path(name))
        except ReportError as error:
            print(error)
            status = 2
            continue
        print(goal_summary(report))
        status = status or (1 if missed_goals(report) else 0)
    sys.exit(status)
