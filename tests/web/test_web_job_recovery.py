"""One server per data folder, and analysis jobs that survive a server crash.

Real `backcheck serve` processes, kill -9, and a restart: a worker still running is adopted
and its result kept; a second server on the folder stops with one line and touches nothing;
a job whose worker is really gone (dead pid, reused pid, none recorded) is failed plainly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.jobs.housekeeping import PARTIAL_UPLOAD, clean_leftovers
from backcheck.jobs.process import WorkerId, this_process
from backcheck.jobs.supervisor import LocalJobQueue
from backcheck.storage import AnalysisJob, open_database
from backcheck.storage.models import utcnow
from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.video.synth_clip import write_numbered_clip
from tests.web.fake_runner import RELEASE
from tests.web.web_support import REPO, LiveServer, free_port, make_settings, start_server, wait_for


def synthetic_upload(folder: Path, marker: bytes) -> bytes:
    """A small real H.264 clip (10 numbered frames) carrying the fake runner's marker."""
    return write_numbered_clip(folder / "clip.mp4", 10, size=(160, 120)).read_bytes() + marker


def server_db_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'backcheck.db'}"


def job_row(data_dir: Path, job_id: str) -> dict[str, Any]:
    db = open_database(server_db_url(data_dir), migrate=False)
    try:
        with db.session() as session:
            job = jobs.get_job(session=session, job_id=job_id)
            assert job is not None
            return {
                "status": job.status,
                "error": job.error,
                "worker": jobs.worker_of(job),
            }
    finally:
        db.close()


def upload_waiting_job(server: LiveServer, folder: Path) -> str:
    """Upload a clip whose analysis waits for its release file; return once it runs."""
    files = {"video": ("clip.mp4", synthetic_upload(folder, b"WAIT"), "video/mp4")}
    r = httpx.post(server.url + "/api/v1/analyses", files=files, timeout=30)
    assert r.status_code == 202, r.text
    job_id: str = r.json()["id"]

    def running() -> bool:
        return bool(job_row(server.data_dir, job_id)["status"] == JobStatus.RUNNING)

    wait_for(running, timeout=60)
    return job_id


def status_of(server: LiveServer, job_id: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{server.url}/api/v1/analyses/{job_id}", timeout=10).json()
    return body


def release(data_dir: Path, job_id: str) -> None:
    (data_dir / "analyses" / job_id / RELEASE).write_text("go")


def serve_once(data_dir: Path) -> subprocess.CompletedProcess[str]:
    """`backcheck serve` on ``data_dir`` in the foreground (it should refuse at once)."""
    env = dict(os.environ)
    env.update(
        BACKCHECK_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]),
    )
    env.pop("BACKCHECK_DATABASE_URL", None)
    command = [sys.executable, "-c", "from backcheck.cli.app import main; main()", "serve"]
    return subprocess.run(
        [*command, "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )


@pytest.mark.slow  # real servers, started three times
def test_kill_9_mid_job_the_restarted_server_adopts_the_worker_and_keeps_its_result(
    tmp_path: Path,
) -> None:
    server = start_server(tmp_path)
    try:
        job_id = upload_waiting_job(server, tmp_path)
        worker = job_row(tmp_path, job_id)["worker"]
        assert isinstance(worker, WorkerId) and worker.pid != server.process.pid
        server.kill()
        assert psutil.pid_exists(worker.pid), "kill -9 of the server does not reach its worker"
    finally:
        server.stop()
    restarted = start_server(tmp_path)
    try:
        state = status_of(restarted, job_id)
        assert state["status"] == "running", state  # adopted, not failed
        assert "adopted analysis job" in restarted.log()
        release(tmp_path, job_id)

        def done() -> bool:
            return bool(status_of(restarted, job_id)["status"] in ("done", "failed"))

        wait_for(done, timeout=60)
        state = status_of(restarted, job_id)
        assert state["status"] == "done" and state["error"] is None, state
        result = httpx.get(f"{restarted.url}/api/v1/analyses/{job_id}/result").json()
        video = httpx.get(restarted.url + result["artifacts"]["annotated_video"])
        assert video.status_code == 200 and video.content.endswith(b"WAIT")
        for plot in result["artifacts"]["plots"]:
            assert httpx.get(restarted.url + plot).status_code == 200
    finally:
        restarted.stop()


@pytest.mark.slow  # real servers, started three times
def test_a_second_server_on_the_folder_exits_with_one_line_and_leaves_the_first_alone(
    tmp_path: Path,
) -> None:
    first = start_server(tmp_path)
    try:
        job_id = upload_waiting_job(first, tmp_path)
        second = serve_once(tmp_path)
        assert second.returncode == 2, second
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, second.stderr
        line = lines[0]
        assert line.startswith("backcheck: error: ") and "Traceback" not in second.stderr
        assert str(tmp_path.resolve()) in line
        assert f"process {first.process.pid}" in line
        assert "BACKCHECK_DATA_DIR" in line
        assert first.process.poll() is None
        assert status_of(first, job_id)["status"] == "running"  # not failed by the second
        release(tmp_path, job_id)

        def done() -> bool:
            return bool(status_of(first, job_id)["status"] == "done")

        wait_for(done, timeout=60)
    finally:
        first.stop()
    # Once the first has stopped, the folder is free again.
    again = start_server(tmp_path)
    again.stop()


def dead_process() -> WorkerId:
    """The identity of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = psutil.Process(child.pid).create_time()
    child.wait()
    return WorkerId(pid=child.pid, started=started, host=this_process().host)


def running_job(job_id: str, worker: WorkerId | None, **extra: Any) -> AnalysisJob:
    return AnalysisJob(
        id=job_id,
        status=JobStatus.RUNNING,
        progress=0.4,
        label="x.mp4",
        container="mp4",
        started_at=utcnow(),
        worker_pid=worker.pid if worker else None,
        worker_started=worker.started if worker else None,
        worker_host=worker.host if worker else None,
        **extra,
    )


def test_jobs_whose_worker_is_gone_fail_plainly_live_and_foreign_ones_are_kept(
    settings: Settings,
) -> None:
    me = this_process()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    alive = WorkerId(sleeper.pid, psutil.Process(sleeper.pid).create_time(), me.host)
    dead, reused = "a" * 32, "b" * 32
    unknown, foreign, adopted = "c" * 32, "d" * 32, "e" * 32
    db = open_database(settings.database_url)
    folder = settings.analyses_dir / dead
    folder.mkdir(parents=True)
    (folder / "input.mp4").write_bytes(b"the lifter's video")
    with db.session() as s:
        s.add(running_job(dead, dead_process()))
        s.add(running_job(reused, WorkerId(me.pid, me.started - 3600, me.host)))
        s.add(running_job(unknown, None))
        s.add(running_job(foreign, WorkerId(4242, 1.0, "another-machine.example")))
        s.add(running_job(adopted, alive))
    db.close()
    try:
        with TestClient(create_app(settings)) as client:
            for job_id in (dead, reused, unknown):
                state = client.get(f"/api/v1/analyses/{job_id}").json()
                assert state["status"] == "failed", state
                assert state["error"] == jobs.WORKER_GONE
                assert "Upload the video again" in state["error"]
            assert not folder.exists(), "a failed job's video is not kept"
            assert client.get(f"/api/v1/analyses/{foreign}").json()["status"] == "running"
            assert client.get(f"/api/v1/analyses/{adopted}").json()["status"] == "running"
            page = client.get(f"/analyses/{dead}").text
            assert "The analysis failed." in page and "Upload the video again" in page
            sleeper.kill()  # the adopted worker dies without writing its outcome
            sleeper.wait()

            def failed() -> bool:
                state = client.get(f"/api/v1/analyses/{adopted}").json()
                return bool(state["status"] == "failed")

            wait_for(failed, timeout=20)
            error = client.get(f"/api/v1/analyses/{adopted}").json()["error"]
            assert error == "The analysis process stopped unexpectedly."
    finally:
        sleeper.kill()
        sleeper.wait()


def test_an_adopted_worker_past_the_timeout_is_stopped(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, job_timeout_s=60)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    me = this_process()
    worker = WorkerId(sleeper.pid, psutil.Process(sleeper.pid).create_time(), me.host)
    db = open_database(settings.database_url)
    with db.session() as s:
        job = running_job("f" * 32, worker)
        job.started_at = utcnow() - timedelta(hours=1)
        s.add(job)
    db.close()
    try:
        with TestClient(create_app(settings)) as client:

            def stopped() -> bool:
                return bool(client.get(f"/api/v1/analyses/{'f' * 32}").json()["status"] == "failed")

            wait_for(stopped, timeout=20)
            assert "longer than 60 s" in client.get(f"/api/v1/analyses/{'f' * 32}").json()["error"]
            assert sleeper.wait(timeout=10) != 0  # it was killed
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stopping_the_server_stops_an_adopted_worker(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    me = this_process()
    worker = WorkerId(sleeper.pid, psutil.Process(sleeper.pid).create_time(), me.host)
    db = open_database(settings.database_url)
    with db.session() as s:
        s.add(running_job("9" * 32, worker))
    db.close()
    try:
        with TestClient(create_app(settings)) as client:
            assert client.get(f"/api/v1/analyses/{'9' * 32}").json()["status"] == "running"
        assert sleeper.wait(timeout=10) != 0
        db = open_database(settings.database_url)
        with db.session() as s:
            job = jobs.get_job(session=s, job_id="9" * 32)
            assert job is not None and job.status == JobStatus.FAILED
            assert job.error == jobs.INTERRUPTED
        db.close()
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_worker_that_never_claimed_the_job_cannot_fail_the_one_that_did(
    settings: Settings,
) -> None:
    db = open_database(settings.database_url)
    try:
        with db.session() as s:
            s.add(running_job("1" * 32, this_process()))
        with db.session() as s:
            assert not jobs.mark_failed(session=s, job_id="1" * 32, reason="x", worker_pid=1)
            assert jobs.mark_failed(
                session=s, job_id="1" * 32, reason="gone", worker_pid=os.getpid()
            )
        with db.session() as s:
            job = jobs.get_job(session=s, job_id="1" * 32)
            assert job is not None and job.error == "gone"
    finally:
        db.close()


def test_start_up_cleans_partial_uploads_orphans_and_failed_videos(settings: Settings) -> None:
    root = settings.analyses_dir
    orphan, failed, done, failed_kept = "d" * 32, "e" * 32, "f" * 32, "7" * 32
    for name in (orphan, failed, done, failed_kept):
        (root / name).mkdir(parents=True)
    (root / orphan / PARTIAL_UPLOAD).write_bytes(b"half a video")
    (root / failed / "input.mp4").write_bytes(b"video")
    (root / failed / "annotated.mp4").write_bytes(b"half written")
    (root / done / "input.mp4").write_bytes(b"video")
    (root / done / "annotated.mp4").write_bytes(b"result")
    (root / done / PARTIAL_UPLOAD).write_bytes(b"stale")
    (root / failed_kept / "input.mp4").write_bytes(b"video")
    (root / failed_kept / "plot.png").write_bytes(b"png")
    (root / "notes").mkdir()  # not a job folder: left alone
    db = open_database(settings.database_url)
    with db.session() as s:
        s.add(AnalysisJob(id=failed, status=JobStatus.FAILED, label="a", error="no person"))
        s.add(AnalysisJob(id=done, status=JobStatus.DONE, label="b", result={"artifacts": {}}))
        s.add(
            AnalysisJob(
                id=failed_kept,
                status=JobStatus.FAILED,
                label="c",
                result={"artifacts": {"plots": ["plot.png"]}},
            )
        )
    db.close()
    with TestClient(create_app(settings)):
        pass
    assert not (root / orphan).exists()
    assert not (root / failed).exists()
    assert sorted(p.name for p in (root / done).iterdir()) == ["annotated.mp4", "input.mp4"]
    assert [p.name for p in (root / failed_kept).iterdir()] == ["plot.png"]
    assert (root / "notes").is_dir()


def test_recovery_and_clean_up_need_the_folder_lock(settings: Settings) -> None:
    db = open_database(settings.database_url)
    try:
        queue = LocalJobQueue(
            db=db, root=settings.analyses_dir, runner="x:y", lock_folder=settings.data_dir
        )
        with pytest.raises(RuntimeError, match="not locked"):
            queue.start()
        with db.session() as s:  # the clean-up itself on a missing folder: nothing to do
            assert not clean_leftovers(session=s, root=settings.data_dir / "nowhere").anything
    finally:
        db.close()


def test_an_app_on_a_folder_another_server_holds_refuses_and_changes_nothing(
    settings: Settings,
) -> None:
    db = open_database(settings.database_url)
    with db.session() as s:
        s.add(running_job("2" * 32, None))
    db.close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from backcheck.storage import folder_lock; "
            "folder_lock.acquire(Path(sys.argv[1])); print('held', flush=True); time.sleep(120)",
            str(settings.data_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        from backcheck.storage.folder_lock import FolderInUse

        with pytest.raises(FolderInUse, match=f"process {holder.pid}"), TestClient(
            create_app(settings)
        ):
            pass
        db = open_database(settings.database_url)
        with db.session() as s:
            job = jobs.get_job(session=s, job_id="2" * 32)
            assert job is not None and job.status == JobStatus.RUNNING  # untouched
        db.close()
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    with TestClient(create_app(settings)):  # the lock died with its holder (kill -9)
        pass
