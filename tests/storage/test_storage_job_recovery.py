"""Start-up recovery and deleting an analysis on each database (SQLite and PostgreSQL): the
worker columns, the conditional updates and the delete that clears interviews.analysis_id."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
from fastapi.testclient import TestClient

from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.jobs.process import WorkerId, this_process
from backcheck.storage import AnalysisJob, Interview, open_database
from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.test_web_job_recovery import dead_process, running_job
from tests.web.web_support import FAKE_RUNNER


def test_recovery_and_delete_on_each_database(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="k",
        runner=FAKE_RUNNER,
        allowed_hosts=("testserver",),
    )
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    alive = WorkerId(sleeper.pid, psutil.Process(sleeper.pid).create_time(), this_process().host)
    gone, adopted, finished = "a" * 32, "b" * 32, "c" * 32
    db = open_database(database_url)
    with db.session() as s:
        s.add(running_job(gone, dead_process()))
        s.add(running_job(adopted, alive))
        s.add(AnalysisJob(id=finished, status=JobStatus.DONE, label="d.mp4", result={}))
        s.add(Interview(id="i" * 32, analysis_id=finished))
    db.close()
    try:
        with TestClient(create_app(settings)) as client:
            state = client.get(f"/api/v1/analyses/{gone}").json()
            assert state["status"] == "failed" and state["error"] == jobs.WORKER_GONE
            assert client.get(f"/api/v1/analyses/{adopted}").json()["status"] == "running"
            assert client.delete(f"/api/v1/analyses/{adopted}").status_code == 409
            assert client.delete(f"/api/v1/analyses/{finished}").status_code == 204
        db = open_database(database_url)
        with db.session() as s:
            interview = s.get(Interview, "i" * 32)
            assert interview is not None and interview.analysis_id is None
            assert s.get(AnalysisJob, finished) is None
        db.close()
    finally:
        sleeper.kill()
        sleeper.wait()
