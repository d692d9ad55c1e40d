"""`make bench`: every benchmark, one after the other, each printing its own figures."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ["core_bench.py", "video_bench.py", "web_bench.py"]


def main() -> None:
    """Run each benchmark that exists; report the ones that are missing."""
    sys.path.insert(0, str(HERE))
    for name in BENCHMARKS:
        path = HERE / name
        print(f"\n=== {name} ===", flush=True)
        if not path.exists():
            print(f"(not present: {name})")
            continue
        runpy.run_path(str(path), run_name="__main__")


if __name__ == "__main__":
    main()
