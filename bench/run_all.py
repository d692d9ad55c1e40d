"""`make bench`: every benchmark in its own process, each writing artifacts/bench/<name>.json.

Run: .venv/bin/python bench/run_all.py [--check] [--quick] [--only NAME ...]
Separate processes keep one benchmark's settings (the core benchmark pins itself to one core)
from leaking into the next. Every `bench/*_bench.py` is run (the known ones in a fixed order,
new ones after them), with ``--json`` and, when asked, ``--quick``. The goals are read back
from the JSON (bench_report.py's shape): with ``--check`` the exit status is 1 when any goal
is missed or a benchmark failed to produce its file, and the missed goals are named.
`python bench/readme_table.py` then makes the README's speed table from the same files.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench_report import ReportError, goal_line, load_report, missed_goals, unchecked_goals

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "artifacts" / "bench"
ORDER = ["core", "intake", "video", "web", "upload", "loop"]
TIMEOUT_S = 900


def discover(folder: Path = HERE) -> dict[str, Path]:
    """Benchmark name → script, for every ``<name>_bench.py``, the known order first."""
    found = {p.name.removesuffix("_bench.py"): p for p in folder.glob("*_bench.py")}
    names = [n for n in ORDER if n in found] + sorted(n for n in found if n not in ORDER)
    return {name: found[name] for name in names}


def run_one(
    name: str, script: Path, out: Path, quick: bool, timeout_s: float = TIMEOUT_S
) -> tuple[dict[str, Any] | None, str]:
    """Run one benchmark; its report, or None and why there is none."""
    path = out / f"{name}.json"
    path.unlink(missing_ok=True)  # a crash must not leave last run's file looking fresh
    command = [sys.executable, str(script), "--json", str(path)] + (["--quick"] if quick else [])
    # Its own process group, so that a benchmark stopped for taking too long takes the
    # servers and workers it started with it.
    process = subprocess.Popen(command, start_new_session=True)
    try:
        returncode = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return None, f"stopped after {timeout_s:g} s"
    except KeyboardInterrupt:  # Ctrl-C reaches only this process: stop the benchmark too
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()
        raise
    if returncode != 0 and not path.exists():
        return None, f"exited with status {returncode} and wrote no results"
    try:
        report = load_report(path)
    except ReportError as error:
        return None, str(error)
    if returncode != 0:
        return report, f"exited with status {returncode}"
    return report, ""


def main(argv: Sequence[str] | None = None, folder: Path = HERE) -> int:
    """Run the benchmarks in ``folder``, print every goal, and (with --check) fail on a
    missed one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--quick", action="store_true", help="each benchmark's small sizes")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the JSON files")
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT_S, help="seconds one benchmark may take"
    )
    args = parser.parse_args(argv)
    benchmarks = discover(folder)
    if args.only:
        unknown = [n for n in args.only if n not in benchmarks]
        if unknown:
            print(f"no such benchmark: {', '.join(unknown)} (there are {', '.join(benchmarks)})")
            return 2
        benchmarks = {n: benchmarks[n] for n in args.only}
    args.out.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    missed: list[str] = []
    unchecked: list[str] = []
    begin = time.perf_counter()
    for name, script in benchmarks.items():
        print(f"\n=== {name} ({script.name}) ===", flush=True)
        report, problem = run_one(name, script, args.out, args.quick, args.timeout)
        if problem:
            failures.append(f"{name}: {problem}")
        if report is not None:
            missed += [f"{name}: {goal_line(g)}" for g in missed_goals(report)]
            unchecked += [f"{name}: {goal_line(g)}" for g in unchecked_goals(report)]
    print(f"\n=== summary ({time.perf_counter() - begin:.0f} s; files in {args.out}) ===")
    for line in failures:
        print(f"benchmark failed: {line}")
    for line in unchecked:
        print(line)
    for line in missed:
        print(line)
    if not failures and not missed:
        print("every goal checked was met")
    if failures:
        return 1
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
