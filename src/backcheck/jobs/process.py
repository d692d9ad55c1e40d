"""Who a worker process is, beyond its pid: pid + start time + machine.

A restarted server finds jobs marked running. Their worker may still be alive (a kill -9 of
the server does not reach its workers, which then finish and write their result), or gone.
A pid alone cannot tell: after a reboot or a long time, the same number may belong to some
other process. The process's start time can: a reused pid has a later one. And a pid means
nothing on another machine (a shared PostgreSQL database), so the host is recorded too.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import psutil

START_TIME_SLACK_S = 0.05  # both sides read the same kernel value; slack for float rounding


@dataclass(frozen=True)
class WorkerId:
    """A process, told apart from any later process with the same pid."""

    pid: int
    started: float  # seconds since the epoch, as the kernel reports it
    host: str


def this_process() -> WorkerId:
    """The calling process."""
    me = psutil.Process()
    return WorkerId(pid=me.pid, started=me.create_time(), host=socket.gethostname())


def is_local(worker: WorkerId) -> bool:
    """True when the worker runs (or ran) on this machine, so its pid can be looked up."""
    return worker.host == socket.gethostname()


def _process(worker: WorkerId) -> psutil.Process | None:
    """The live process the id names, or None (gone, a zombie, or a reused pid)."""
    if not is_local(worker) or worker.pid <= 0:
        return None
    try:
        process = psutil.Process(worker.pid)
        if abs(process.create_time() - worker.started) > START_TIME_SLACK_S:
            return None  # the pid was reused by another process
        if process.status() == psutil.STATUS_ZOMBIE:
            return None  # exited; only its parent has not collected it yet
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None
    return process


def is_alive(worker: WorkerId) -> bool:
    """True while that very process runs on this machine."""
    return _process(worker) is not None


def kill(worker: WorkerId) -> None:
    """SIGKILL that very process (never another one that reuses its pid)."""
    process = _process(worker)
    if process is None:
        return
    try:
        process.kill()
    except psutil.NoSuchProcess:
        return
