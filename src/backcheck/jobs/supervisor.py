"""The embedded job backend: one worker process per job, the database as the queue.

A dispatcher thread starts queued jobs (at most ``workers`` at a time) in fresh processes
forked from a fork server that has the analysis modules already imported (so a job starts in
milliseconds rather than paying Python start-up and imports again),
kills any that pass the timeout, and marks a job failed if its process dies without saying
how it went. Workers write their own progress and result to the database.

At start-up, a job marked running whose worker still lives (the server was killed, its worker
was not) is adopted: watched like our own until it writes its outcome, or timed out. A job
whose worker is gone is failed. It is not run again: a worker that died without a word may
have died of that very video (a decoder crash, memory), and re-running it at every start
could take the machine down again and again; the lifter is told plainly instead.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from backcheck.jobs import store
from backcheck.jobs.housekeeping import clean_leftovers, discard_failed_files
from backcheck.jobs.process import WorkerId, is_alive, is_local, kill
from backcheck.jobs.worker import run_job
from backcheck.storage import Database, folder_lock

log = logging.getLogger("backcheck.jobs")
# Imported once in the fork server; missing ones are skipped (ImportError is ignored there).
# "__main__" too: otherwise every child re-imports the main script (~0.3 s for `backcheck`).
PRELOAD = [
    "__main__",
    "backcheck.jobs.worker",
    "backcheck.video.pipeline",
    "backcheck.video.pose",
    "backcheck.video.annotate",
    "backcheck.video.plots",
    "cv2",
    "mediapipe",
    "matplotlib.pyplot",
]


def _process_context() -> Any:
    """forkserver (preloaded) where the platform has it, else spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


def _warm_fork_server() -> None:
    try:
        from multiprocessing import forkserver

        forkserver.ensure_running()
    except Exception:  # a cold start later is only slower
        log.exception("could not pre-start the fork server")


@dataclass
class _Running:
    process: BaseProcess
    started: float


@dataclass
class _Adopted:
    """A worker a previous server started, still running: not our child, so it is watched by
    its pid and start time, and its deadline counts from when it claimed the job."""

    worker: WorkerId
    deadline: float  # time.monotonic()


class LocalJobQueue:
    """Starts, watches and times out analysis worker processes (a ``JobQueue``)."""

    def __init__(
        self,
        *,
        db: Database,
        root: Path,
        runner: str,
        workers: int = 1,
        timeout_s: float = 900.0,
        poll_s: float = 0.5,
        lock_folder: Path | None = None,
    ) -> None:
        self.db = db
        self.root = root
        self.runner = runner
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.lock_folder = lock_folder
        self._running: dict[str, _Running] = {}
        self._adopted: dict[str, _Adopted] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: Any = _process_context()

    def start(self) -> None:
        """Adopt live workers, fail jobs whose worker is gone, clean up, start dispatching.

        With ``lock_folder`` this process must hold that data folder's lock: recovery and
        clean-up judge every job and file in it, which is only right for its one server.
        """
        if self.lock_folder is not None and not folder_lock.holds(self.lock_folder):
            raise RuntimeError(f"the data folder {self.lock_folder} is not locked by this server")
        self._recover()
        with self.db.session() as session:
            clean_leftovers(session=session, root=self.root)
        if self._context.get_start_method() == "forkserver":
            threading.Thread(target=_warm_fork_server, name="backcheck-warm", daemon=True).start()
        self._thread = threading.Thread(target=self._loop, name="backcheck-jobs", daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        """A job was queued: dispatch now rather than at the next poll (the row is the queue)."""
        self._wake.set()

    def stop(self) -> None:
        """Stop dispatching; kill running workers and mark their jobs failed."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for job_id, running in list(self._running.items()):
            running.process.kill()
            running.process.join(timeout=5)
            self._fail(job_id, store.INTERRUPTED, worker_pid=running.process.pid)
        self._running.clear()
        for job_id, adopted in list(self._adopted.items()):
            kill(adopted.worker)
            self._fail(job_id, store.INTERRUPTED, worker_pid=adopted.worker.pid)
        self._adopted.clear()

    def _recover(self) -> None:
        """Jobs left running: adopt those whose worker lives, fail those whose worker is gone."""
        failed = 0
        with self.db.session() as session:
            for job in store.running_jobs(session=session):
                worker = store.worker_of(job)
                if worker is not None and not is_local(worker):
                    log.warning("job %s runs on %s: left to that machine", job.id, worker.host)
                elif worker is not None and is_alive(worker):
                    started = job.started_at
                    elapsed = 0.0 if started is None else _seconds_since(started)
                    deadline = time.monotonic() + max(self.timeout_s - elapsed, 0.0)
                    self._adopted[job.id] = _Adopted(worker, deadline)
                    log.warning("adopted analysis job %s (worker %d)", job.id, worker.pid)
                elif store.mark_failed(session=session, job_id=job.id, reason=store.WORKER_GONE):
                    failed += 1
        if failed:
            log.warning("marked %d analysis job(s) whose worker is gone as failed", failed)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep dispatching whatever one tick hit
                log.exception("job dispatcher error")
            # While workers run, look often: a slot frees the moment a worker exits.
            self._wake.wait(0.05 if self._running else self.poll_s)
            self._wake.clear()

    def _busy(self) -> int:
        return len(self._running) + len(self._adopted)

    def _too_long(self) -> str:
        return f"The analysis took longer than {self.timeout_s:.0f} s and was stopped."

    def _tick(self) -> None:
        now = time.monotonic()
        for job_id, running in list(self._running.items()):
            process = running.process
            if not process.is_alive():
                process.join()
                del self._running[job_id]
                if process.exitcode != 0:
                    reason = (
                        "The analysis process stopped unexpectedly "
                        f"(exit code {process.exitcode})."
                    )
                else:
                    reason = "The analysis ended without a result."
                self._fail(job_id, reason, worker_pid=process.pid)
            elif now - running.started > self.timeout_s:
                process.kill()
                process.join(timeout=5)
                del self._running[job_id]
                self._fail(job_id, self._too_long(), worker_pid=process.pid)
        for job_id, adopted in list(self._adopted.items()):
            if not is_alive(adopted.worker):  # it wrote its outcome, or it died
                del self._adopted[job_id]
                self._fail(
                    job_id,
                    "The analysis process stopped unexpectedly.",
                    worker_pid=adopted.worker.pid,
                )
            elif now > adopted.deadline:
                kill(adopted.worker)
                del self._adopted[job_id]
                self._fail(job_id, self._too_long(), worker_pid=adopted.worker.pid)
        if self._busy() >= self.workers:
            return
        with self.db.session() as session:
            queued = [(j.id, j.container, j.lift) for j in store.queued_jobs(session=session)]
        for job_id, container, lift in queued:
            if self._busy() >= self.workers or job_id in self._running:
                continue
            folder = store.job_dir(root=self.root, job_id=job_id)
            process = self._context.Process(
                target=run_job,
                args=(self.db.url, job_id, str(folder), container, lift, self.runner),
                name=f"backcheck-analysis-{job_id[:8]}",
                daemon=True,
            )
            process.start()
            self._running[job_id] = _Running(process, time.monotonic())

    def _fail(self, job_id: str, reason: str, *, worker_pid: int | None) -> None:
        """Fail the job if that worker's run of it is still open (a no-op once the worker
        recorded its own outcome), and drop the lifter's video."""
        with self.db.session() as session:
            failed = store.mark_failed(
                session=session, job_id=job_id, reason=reason, worker_pid=worker_pid
            )
        if failed:
            discard_failed_files(store.job_dir(root=self.root, job_id=job_id))


def _seconds_since(moment: datetime) -> float:
    """Seconds from a stored time (UTC; SQLite hands it back naive) to now."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return max((datetime.now(UTC) - aware).total_seconds(), 0.0)
