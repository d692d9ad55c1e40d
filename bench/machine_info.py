"""The machine a benchmark ran on: one line to print, and the same facts for its JSON."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return cpu


def cores_available() -> int:
    """Cores this process may run on (what a benchmark can use, not what the box has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def memory_gib() -> float | None:
    """Total memory in GiB, or None where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine() -> str:
    """CPU model, cores available to this process, Python version and OS."""
    return (
        f"{cpu_model()}, {cores_available()} cores available, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def machine_details() -> dict[str, Any]:
    """The machine facts every benchmark's JSON carries (see bench_report.py)."""
    return {
        "cpu": cpu_model(),
        "cores_available": cores_available(),
        "cores_total": os.cpu_count() or 1,
        "memory_gib": memory_gib(),
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "summary": machine(),
    }
