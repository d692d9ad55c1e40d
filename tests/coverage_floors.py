"""Per-package coverage floors: `python -m tests.coverage_floors` after a `pytest --cov` run.

coverage.py's own `fail_under` is one number for the whole tree; a well-tested core could then
hide an untested adapter. This reads the combined data, prints each package's line coverage and
fails (exit 1) when one is under its floor in pyproject.toml's [tool.backcheck.coverage-floors].
"""

from __future__ import annotations

import json
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import coverage

REPO = Path(__file__).resolve().parents[1]
REPORT = REPO / "artifacts" / "coverage.json"


@dataclass
class PackageCoverage:
    """Statements and covered statements of one package of src/backcheck."""

    name: str
    statements: int = 0
    covered: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.covered / self.statements if self.statements else 100.0


def package_of(path: str) -> str:
    """`backcheck.web` for src/backcheck/web/analyses/jobs.py; `backcheck` for top-level files."""
    parts = Path(path).resolve().relative_to(REPO / "src").parts
    return ".".join(parts[:2]) if len(parts) > 2 else parts[0]


def measure() -> dict[str, PackageCoverage]:
    """Add data files written after pytest-cov combined (processes that exit last, such as a
    worker pool) to the run's data, and sum statements per package."""
    cov = coverage.Coverage(config_file=str(REPO / "pyproject.toml"))
    cov.load()
    cov.combine(strict=False)
    cov.save()
    REPORT.parent.mkdir(exist_ok=True)
    cov.json_report(outfile=str(REPORT))
    files = json.loads(REPORT.read_text(encoding="utf-8"))["files"]
    packages: dict[str, PackageCoverage] = {}
    for path, data in files.items():
        name = package_of(path)
        entry = packages.setdefault(name, PackageCoverage(name))
        entry.statements += data["summary"]["num_statements"]
        entry.covered += data["summary"]["covered_lines"]
    return packages


def floors() -> dict[str, float]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return dict(config["tool"]["backcheck"]["coverage-floors"])


def main() -> int:
    """Print the table; exit 1 if a package is under its floor or nothing was measured."""
    packages = measure()
    if not packages:
        print("coverage: no data (run `pytest --cov` first)", file=sys.stderr)
        return 1
    limits = floors()
    default = float(limits.get("default", 0))
    failed = False
    print(f"{'package':<22}{'statements':>11}{'covered':>9}{'floor':>8}")
    for name in sorted(packages):
        entry = packages[name]
        floor = float(limits.get(name, default))
        mark = "" if entry.percent >= floor else "   UNDER THE FLOOR"
        failed = failed or bool(mark)
        print(
            f"{name:<22}{entry.statements:>11}{entry.percent:>8.1f}%{floor:>7.0f}%{mark}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
