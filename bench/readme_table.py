"""The README's speed table, made from the benchmarks' JSON (never typed by hand).

Run: .venv/bin/python bench/readme_table.py [FILE.json ...] [--readme README.md]
With no files it reads artifacts/bench/*.json (what `make bench` writes). It rewrites the
block between ``<!-- bench:start -->`` and ``<!-- bench:end -->`` in the README: one row per
headline figure and per goal, then when and under what load each benchmark ran (the machine
is shared: a figure means little without the load beside it) and the machine line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bench_report import ReportError, goal_text, load_report, with_unit

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO / "artifacts" / "bench"
START = "<!-- bench:start -->"
END = "<!-- bench:end -->"
MET = {True: "yes", False: "**no**", None: "not checked"}


class BlockError(ValueError):
    """The README lacks the markers, or has them out of order."""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def report_rows(report: Mapping[str, Any]) -> list[str]:
    """The table rows of one benchmark: headline figures first (unless a goal row says the
    same), then every goal."""
    name = _cell(report.get("title") or report["name"])
    rows: list[str] = []
    goal_rows = {" ".join(str(g["description"]).split()) for g in report["goals"]}
    for table in ("measurements", "references"):
        for entry in report[table].values():
            if entry.get("headline") and " ".join(entry["description"].split()) not in goal_rows:
                figure = with_unit(entry["value"], entry.get("unit", ""))
                rows.append(f"| {name} | {_cell(entry['description'])} | {figure} | | |")
    for entry in report["ratios"].values():
        if entry.get("headline"):
            figure = with_unit(entry["value"], "×")
            rows.append(f"| {name} | {_cell(entry['description'])} | {figure} | | |")
    for goal in report["goals"]:
        figure = with_unit(goal["value"], goal.get("unit", ""))
        met = MET[goal["met"]]
        if goal["met"] is None and goal.get("note"):
            met = f"not checked: {_cell(goal['note'])}"
        rows.append(
            f"| {name} | {_cell(goal['description'])} | {figure} | {_cell(goal_text(goal))} "
            f"| {met} |"
        )
    return rows


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(iso)


def run_line(report: Mapping[str, Any]) -> str:
    """When one benchmark ran, how long it took and the load average around it."""
    load = report["load_average"]
    start = load["start"][0] if load.get("start") else float("nan")
    end = load["end"][0] if load.get("end") else float("nan")
    quick = ", quick sizes" if report.get("quick") else ""
    took = report.get("duration_s")
    duration = f", {took:.0f} s" if isinstance(took, (int, float)) else ""
    name = report.get("title") or report["name"]
    return (
        f"- {name}: {_when(report.get('started_at', ''))}{duration}{quick}; "
        f"load average (1 min) {start:.2f} at start, {end:.2f} at end"
    )


def machine_lines(reports: Sequence[Mapping[str, Any]]) -> list[str]:
    """The machine(s) the runs were on, each said once."""
    seen: list[str] = []
    for report in reports:
        m = report["machine"]
        memory = f", {m['memory_gib']} GiB" if m.get("memory_gib") else ""
        line = f"{m.get('cpu', '?')}, {m.get('cores_total', '?')} cores{memory}, " + (
            f"Python {m.get('python', '?')}, {m.get('os', '?')}"
        )
        if line not in seen:
            seen.append(line)
    return seen


def render_block(reports: Sequence[Mapping[str, Any]]) -> str:
    """The whole generated block, markers included."""
    ordered = sorted(reports, key=lambda r: str(r.get("started_at", "")))
    lines = [
        START,
        "<!-- Made by `python bench/readme_table.py` from artifacts/bench/*.json: "
        "do not edit by hand, run `make bench` and the script again. -->",
        "",
        "| benchmark | what | figure | goal | met |",
        "|---|---|---|---|---|",
    ]
    for report in ordered:
        lines += report_rows(report)
    missed = sum(1 for r in ordered for g in r["goals"] if g["met"] is False)
    unchecked = sum(1 for r in ordered for g in r["goals"] if g["met"] is None)
    total = sum(len(r["goals"]) for r in ordered)
    lines += [
        "",
        f"Goals: {total - missed - unchecked} of {total} met, {missed} missed, "
        f"{unchecked} not checked. The runs (the machine is shared with other work, so "
        "the load average is given with each; a reference measured in the same run shares "
        "that load):",
        "",
    ]
    lines += [run_line(r) for r in ordered]
    machines = machine_lines(ordered)
    lines += ["", ("Machine: " if len(machines) == 1 else "Machines: ") + "; ".join(machines)]
    lines.append(END)
    return "\n".join(lines)


def replace_block(text: str, block: str) -> str:
    """The README text with its generated block replaced by ``block``."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < 0:
        raise BlockError(f"the README needs the lines {START} and {END}")
    if end < start or text.count(START) != 1 or text.count(END) != 1:
        raise BlockError(f"the README needs exactly one {START} before one {END}")
    return text[:start] + block + text[end + len(END) :]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the README block from the given (or the default) benchmark files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="benchmark JSON files")
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument(
        "--print", action="store_true", help="print the block instead of writing the README"
    )
    args = parser.parse_args(argv)
    files = list(args.files) or sorted(DEFAULT_DIR.glob("*.json"))
    if not files:
        print(f"no benchmark files in {DEFAULT_DIR}: run `make bench` first")
        return 2
    try:
        reports = [load_report(path) for path in files]
    except ReportError as error:
        print(error)
        return 2
    block = render_block(reports)
    if args.print:
        print(block)
        return 0
    try:
        text = replace_block(args.readme.read_text(encoding="utf-8"), block)
    except (OSError, BlockError) as error:
        print(f"{args.readme}: {error}")
        return 2
    args.readme.write_text(text, encoding="utf-8")
    print(f"{args.readme}: speed table rewritten from {len(reports)} benchmark files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
