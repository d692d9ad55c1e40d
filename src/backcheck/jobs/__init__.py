"""Video-analysis jobs, outside any request: status, storage, runner, worker, supervisor.

Kept free of web imports: the web app (or anything else) creates a job row with
``backcheck.jobs.store`` and hands its id to a ``JobQueue``. Only ``status`` and ``base`` are
imported here, so the storage models can use ``JobStatus`` without an import cycle.
"""

from backcheck.jobs.base import JobQueue
from backcheck.jobs.status import ACTIVE, JobStatus

__all__ = ["ACTIVE", "JobQueue", "JobStatus"]
