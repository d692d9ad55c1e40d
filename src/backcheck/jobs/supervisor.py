"""The embedded job backend: one worker process per job, the database as the queue.

A dispatcher thread starts queued jobs (at most ``workers`` at a time) in fresh processes
forked from a fork server that has the analysis modules already imported (so a job starts in
milliseconds rather than paying Python start-up and imports again),
kills any that pass the timeout, and marks a job failed if its process dies without saying
how it went. Workers write their own progress and result to the database.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from backcheck.jobs import store
from backcheck.jobs.worker import run_job
from backcheck.storage import Database

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
    ) -> None:
        self.db = db
        self.root = root
        self.runner = runner
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self._running: dict[str, _Running] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._context: Any = _process_context()

    def start(self) -> None:
        """Recover interrupted jobs, then start dispatching."""
        with self.db.session() as session:
            recovered = store.recover_interrupted(session=session)
        if recovered:
            log.warning("marked %d interrupted analysis job(s) as failed", recovered)
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
            self._fail(job_id, store.INTERRUPTED)
        self._running.clear()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:  # keep dispatching whatever one tick hit
                log.exception("job dispatcher error")
            # While workers run, look often: a slot frees the moment a worker exits.
            self._wake.wait(0.05 if self._running else self.poll_s)
            self._wake.clear()

    def _tick(self) -> None:
        now = time.monotonic()
        for job_id, running in list(self._running.items()):
            process = running.process
            if not process.is_alive():
                process.join()
                del self._running[job_id]
                if process.exitcode != 0:
                    self._fail(
                        job_id,
                        "The analysis process stopped unexpectedly "
                        f"(exit code {process.exitcode}).",
                    )
                else:
                    self._fail(job_id, "The analysis ended without a result.")
            elif now - running.started > self.timeout_s:
                process.kill()
                process.join(timeout=5)
                del self._running[job_id]
                self._fail(
                    job_id, f"The analysis took longer than {self.timeout_s:.0f} s and was stopped."
                )
        if len(self._running) >= self.workers:
            return
        with self.db.session() as session:
            queued = [(j.id, j.container, j.lift) for j in store.queued_jobs(session=session)]
        for job_id, container, lift in queued:
            if len(self._running) >= self.workers or job_id in self._running:
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

    def _fail(self, job_id: str, reason: str) -> None:
        with self.db.session() as session:
            store.mark_failed(session=session, job_id=job_id, reason=reason)
