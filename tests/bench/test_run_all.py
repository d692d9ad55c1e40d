"""run_all: runs each benchmark, reads its JSON back and checks the goals."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import run_all

BENCH = Path(run_all.__file__).resolve().parent
FAKE = """
import argparse, sys
from bench_report import BenchReport, add_bench_arguments
parser = argparse.ArgumentParser()
add_bench_arguments(parser)
args = parser.parse_args()
report = BenchReport("{name}", quick=args.quick)
report.measure("t", {value}, "ms", "time")
report.goal("t", "time per step", {value}, "<", 5.0, "ms")
sys.exit(report.finish(args))
"""


def fake_benches(folder: Path, values: dict[str, float]) -> None:
    for name, value in values.items():
        (folder / f"{name}_bench.py").write_text(FAKE.format(name=name, value=value))


def test_discover_knows_every_benchmark_in_order() -> None:
    names = list(run_all.discover())
    assert names[:3] == ["core", "intake", "video"]
    assert {"web", "upload"} <= set(names)
    assert "back_calibration" not in names  # a calibration tool, not a benchmark


def test_discover_puts_new_benchmarks_last(tmp_path: Path) -> None:
    fake_benches(tmp_path, {"zeta": 1.0, "web": 1.0, "alpha": 1.0})
    assert list(run_all.discover(tmp_path)) == ["web", "alpha", "zeta"]


@pytest.fixture
def bench_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake benchmarks live in a temp folder: let them import bench_report."""
    monkeypatch.setenv("PYTHONPATH", str(BENCH))


@pytest.mark.usefixtures("bench_on_path")
def test_check_fails_on_a_missed_goal_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_benches(tmp_path, {"fast": 1.0, "slow": 9.0})
    out = tmp_path / "out"
    assert run_all.main(["--out", str(out), "--quick"], folder=tmp_path) == 0
    assert run_all.main(["--out", str(out), "--check"], folder=tmp_path) == 1
    printed = capsys.readouterr().out
    assert "slow: MISSED: time per step: 9 ms (goal < 5 ms)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["fast.json", "slow.json"]
    assert run_all.main(["--out", str(out), "--check", "--only", "fast"], folder=tmp_path) == 0
    assert run_all.main(["--out", str(out), "--only", "nope"], folder=tmp_path) == 2


@pytest.mark.usefixtures("bench_on_path")
def test_a_benchmark_without_results_fails_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "broken_bench.py").write_text("raise SystemExit(3)\n")
    (tmp_path / "oldstyle_bench.py").write_text(
        "import sys, json\nopen(sys.argv[2], 'w').write(json.dumps({'p99_ms': 2}))\n"
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "broken.json").write_text("{}")  # last run's file must not count
    assert run_all.main(["--out", str(out)], folder=tmp_path) == 1
    printed = capsys.readouterr().out
    assert "benchmark failed: broken: exited with status 3 and wrote no results" in printed
    assert "benchmark failed: oldstyle:" in printed and "no 'schema'" in printed


@pytest.mark.usefixtures("bench_on_path")
def test_a_benchmark_past_its_time_is_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pid_file = tmp_path / "child.pid"
    (tmp_path / "stuck_bench.py").write_text(
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(60)\n"
    )
    out = tmp_path / "out"
    assert run_all.main(["--out", str(out), "--timeout", "3"], folder=tmp_path) == 1
    assert "benchmark failed: stuck: stopped after 3 s" in capsys.readouterr().out
    child = int(pid_file.read_text())  # the server a benchmark started goes with it
    deadline = time.monotonic() + 5
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    status = Path(f"/proc/{child}/stat")
    assert not status.exists() or status.read_text().split()[2] == "Z"
