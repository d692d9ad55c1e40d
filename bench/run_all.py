"""`make bench`: every benchmark in its own process, each printing its own figures.

Separate processes keep one benchmark's settings (the core benchmark pins itself to one core)
from leaking into the next.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "core_bench.py",
    "intake_bench.py",
    "video_bench.py",
    "web_bench.py",
    "upload_bench.py",
]


def main() -> int:
    """Run each benchmark; the exit status is the first failure's, if any."""
    status = 0
    for name in BENCHMARKS:
        print(f"\n=== {name} ===", flush=True)
        result = subprocess.run([sys.executable, str(HERE / name)], check=False)
        if result.returncode != 0:
            print(f"({name} exited with status {result.returncode})", flush=True)
            status = status or result.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
