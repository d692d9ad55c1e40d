"""The body of one analysis worker: claim the job, run the analysis, record the outcome.

Any backend can call ``run_job`` (the embedded one forks it from a preloaded fork server);
the worker writes its own progress and result to the database.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from backcheck.jobs import store
from backcheck.jobs.housekeeping import discard_failed_files
from backcheck.jobs.process import this_process
from backcheck.jobs.runner import AnalysisError, load_runner
from backcheck.storage import open_database
from backcheck.storage.files import use_private_umask

log = logging.getLogger("backcheck.jobs")
PROGRESS_EVERY_S = 0.3


def run_job(
    database_url: str, job_id: str, folder: str, container: str, lift: str, spec: str
) -> None:
    """Worker process body: claim, analyse, store the result or the reason it failed.

    The claim records this process (pid, start time, host), so a server restarted while it
    runs adopts it rather than failing the job; the worker writes its outcome itself either way.
    The artifacts are private (0600) whatever umask the server had: this process is the
    worker's own, so its umask is set here.
    """
    use_private_umask()
    db = open_database(database_url, migrate=False)
    me = this_process()
    try:
        with db.session() as session:
            if not store.mark_running(session=session, job_id=job_id, worker=me):
                return
        last = 0.0

        def progress(fraction: float, stage: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < PROGRESS_EVERY_S and fraction < 1.0:
                return
            last = now
            with db.session() as session:
                store.set_progress(session=session, job_id=job_id, progress=fraction, stage=stage)

        out = Path(folder)
        try:
            result = load_runner(spec).run(
                video=store.input_path(folder=out, container=container),
                out_dir=out,
                lift=lift,
                progress=progress,
            )
        except AnalysisError as exc:
            reason = str(exc)
        except Exception as exc:  # the worker must always record an outcome
            log.exception("analysis %s failed", job_id)
            reason = f"The analysis failed unexpectedly ({exc.__class__.__name__})."
        else:
            with db.session() as session:
                store.mark_done(session=session, job_id=job_id, result=result)
            return
        with db.session() as session:
            failed = store.mark_failed(
                session=session, job_id=job_id, reason=reason, worker_pid=me.pid
            )
        if failed:  # the lifter's video is kept no longer than it is needed
            discard_failed_files(out)
    finally:
        db.close()
