"""What the web app needs from a job backend, so another one can stand behind it.

The embedded backend (backcheck.jobs.supervisor.LocalJobQueue) uses the database as the
queue and runs each job in a local worker process. A distributed task queue would implement
the same three calls: the web layer stores a queued job row and its video, then calls
``submit``; whoever runs the job calls ``backcheck.jobs.worker.run_job`` with its id.
"""

from __future__ import annotations

from typing import Protocol


class JobQueue(Protocol):
    """Runs queued analysis jobs outside the request."""

    def start(self) -> None:
        """Recover what a previous run left behind and begin taking jobs."""
        ...

    def submit(self, job_id: str) -> None:
        """A job row is queued and its input is in place: run it when there is room."""
        ...

    def stop(self) -> None:
        """Stop taking jobs; settle the ones this process is responsible for."""
        ...
