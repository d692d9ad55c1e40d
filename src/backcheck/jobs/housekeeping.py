"""What a crash or a failure leaves in the analyses folder, removed: half-written uploads,
folders no job row owns, and the videos of failed jobs.

Run only by the process that holds the data folder's lock (backcheck.storage.folder_lock):
another server's upload in progress looks exactly like a leftover.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.jobs.status import JobStatus
from backcheck.jobs.store import JOB_ID, artifact_names
from backcheck.storage import AnalysisJob

log = logging.getLogger("backcheck.jobs")
PARTIAL_UPLOAD = ".upload.part"  # the name an upload streams into until it is complete


@dataclass
class Cleaned:
    """What one clean-up removed."""

    partial_uploads: int = 0
    orphan_folders: int = 0
    failed_folders: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.partial_uploads or self.orphan_folders or self.failed_folders)


def discard_failed_files(folder: Path, *, keep: frozenset[str] = frozenset()) -> bool:
    """Remove a failed job's video and partial outputs (all but ``keep``); True if any."""
    if not folder.is_dir():
        return False
    removed = False
    for path in folder.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed = True
    if not keep:
        with contextlib.suppress(OSError):  # something appeared meanwhile: leave it
            folder.rmdir()
    return removed


def clean_leftovers(*, session: Session, root: Path) -> Cleaned:
    """At start-up, with the data folder locked: remove what no job needs any more."""
    cleaned = Cleaned()
    if not root.is_dir():
        return cleaned
    rows = session.execute(select(AnalysisJob.id, AnalysisJob.status, AnalysisJob.result))
    known = {job_id: (status, result) for job_id, status, result in rows}
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.is_symlink() or not JOB_ID.fullmatch(folder.name):
            continue  # not a job folder: not ours to judge
        part = folder / PARTIAL_UPLOAD
        if part.exists():
            part.unlink(missing_ok=True)
            cleaned.partial_uploads += 1
        row = known.get(folder.name)
        if row is None:  # an upload or import cut off before its row was committed
            shutil.rmtree(folder, ignore_errors=True)
            cleaned.orphan_folders += 1
        elif row[0] == JobStatus.FAILED:
            keep = frozenset(artifact_names(result=row[1])) if row[1] else frozenset()
            if discard_failed_files(folder, keep=keep):
                cleaned.failed_folders += 1
    if cleaned.anything:
        log.warning(
            "cleaned up %d partial upload(s), %d folder(s) without an analysis and the files "
            "of %d failed analysis(es)",
            cleaned.partial_uploads,
            cleaned.orphan_folders,
            cleaned.failed_folders,
        )
    return cleaned
