"""Private files: everything backcheck keeps is readable by its owner only.

Data files are created 0600 and folders 0700. The server (and each analysis worker) runs
with the umask 077, which covers files written by libraries that take no mode (SQLite's
-wal/-shm, the video encoder, matplotlib); the files backcheck creates itself get their mode
explicitly as well, so they are private whatever the process umask is.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def use_private_umask() -> int:
    """Set the process umask to 077 (files 0600, folders 0700); returns the previous one."""
    return os.umask(PRIVATE_UMASK)


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700; an existing folder open to others is
    closed to them (its group and other permission bits cleared)."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        path.chmod(mode & ~0o077)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as 0600 unless it exists (then it is left as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (created 0600, or truncated)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
