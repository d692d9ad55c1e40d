"""The life of an analysis job: queued → running → done or failed."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """Where a job is; the values are what the database and the API hold."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def active(self) -> bool:
        """True while the job may still produce a result."""
        return self in ACTIVE


ACTIVE: frozenset[JobStatus] = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
