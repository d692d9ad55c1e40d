"""One server per data folder: an OS lock on a file in the folder, gone when the process is.

Two servers on one folder would each treat the other's running analyses as left behind by a
crash (and fail them) and clean each other's uploads away. ``flock`` on ``server.lock`` makes
the second one stop at start-up instead; the kernel drops the lock when the holder exits,
kill -9 included, so a stale lock file never blocks a restart.

Why not the ``filelock`` package: it truncates the lock file on every attempt to take it, so
the holder's process id (which the second server names in its error) would be wiped by the
very attempt that wants to read it; and ``fcntl.flock`` is all it would wrap on POSIX.
Analysis worker processes do not inherit the lock (Python opens files non-inheritable and the
workers come from a fork server that was exec'd), so a worker that outlives a killed server
does not keep the next one out; the next server adopts it instead (backcheck.jobs).
"""

from __future__ import annotations

import fcntl
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

LOCK_NAME = "server.lock"


class FolderInUse(Exception):
    """Another process holds the data folder; the message says which and what to do."""

    def __init__(self, folder: Path, holder: int | None) -> None:
        who = f"process {holder}" if holder is not None else "another process"
        super().__init__(
            f"the data folder {folder} is in use by another backcheck server ({who}); "
            "stop that server, or use another folder with BACKCHECK_DATA_DIR=/path/to/folder"
        )
        self.folder = folder
        self.holder = holder


@dataclass
class _Held:
    fd: int
    count: int = 1


@dataclass
class _Registry:
    """Locks this process holds, by folder: taking one twice in a process only counts up
    (a second flock on a fresh descriptor would conflict with our own first one)."""

    held: dict[Path, _Held] = field(default_factory=dict)
    guard: threading.Lock = field(default_factory=threading.Lock)


_REGISTRY = _Registry()


def _key(folder: Path) -> Path:
    return folder.resolve()


def holder_pid(folder: Path) -> int | None:
    """The process id written in the folder's lock file, if any (it may be stale)."""
    try:
        text = (folder / LOCK_NAME).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def acquire(folder: Path) -> None:
    """Hold the data folder for this process, or raise FolderInUse (never waits)."""
    key = _key(folder)
    with _REGISTRY.guard:
        held = _REGISTRY.held.get(key)
        if held is not None:
            held.count += 1
            return
        fd = os.open(key / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderInUse(key, holder_pid(key)) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        _REGISTRY.held[key] = _Held(fd)


def release(folder: Path) -> None:
    """Give up one hold; the lock goes when the last one does (or when the process exits)."""
    key = _key(folder)
    with _REGISTRY.guard:
        held = _REGISTRY.held.get(key)
        if held is None:
            return
        held.count -= 1
        if held.count > 0:
            return
        del _REGISTRY.held[key]
        os.ftruncate(held.fd, 0)
        os.close(held.fd)  # closing the only descriptor drops the flock


def holds(folder: Path) -> bool:
    """True while this process holds the folder."""
    with _REGISTRY.guard:
        return _key(folder) in _REGISTRY.held
