"""Issue 7 defect 10: data files are created 0600 and folders 0700 (the journal is health data).

The real command (`backcheck serve`) runs an upload through its analysis, answers an export
and a journal entry; then every file under the data folder must be 0600 and every folder
0700. The same holds in-process (no umask from the command): the modes are set where the
files are made, and each analysis worker sets its own umask.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from backcheck.web.app import create_app
from tests.web.test_web_jobs import finished, upload
from tests.web.web_support import MP4_HEAD, make_settings, start_server


def loose_modes(root: Path, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every path under ``root`` (itself included) whose mode is not 0600 / 0700."""
    found = []
    for path in [root, *sorted(root.rglob("*"))]:
        if path.name in skip:
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            found.append(f"{path.relative_to(root)}: {mode:o}")
    return found


def test_served_data_folder_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"  # made by the server, as on a first start
    data.mkdir(mode=0o755)  # ... or there already, open to others: closed at start
    os.chmod(data, 0o755)
    server = start_server(data)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.post("/api/v1/journal/entries", json={"pain": 3}).status_code == 201
            files = {"video": ("lift.mp4", MP4_HEAD + b"x" * 5000, "video/mp4")}
            job = client.post("/api/v1/analyses", files=files).json()
            deadline = time.monotonic() + 60
            while client.get(f"/api/v1/analyses/{job['id']}").json()["status"] != "done":
                assert time.monotonic() < deadline, "the analysis did not finish"
                time.sleep(0.2)
            assert client.get("/api/v1/export").status_code == 200
    finally:
        server.stop()
    assert list((data / "analyses").iterdir()), "no job folder was written"
    assert loose_modes(data, skip=(f"server-{server.port}.log",)) == []


def test_in_process_app_writes_private_files(tmp_path: Path) -> None:
    old = os.umask(0o022)  # what a test process (or a library caller) usually has
    try:
        (tmp_path / "data").mkdir(mode=0o700)
        settings = make_settings(tmp_path / "data")
        with TestClient(create_app(settings)) as client:
            assert client.post("/api/v1/journal/entries", json={"pain": 3}).status_code == 201
            answer = upload(client, MP4_HEAD + b"x" * 2000)
            assert isinstance(answer, httpx.Response) and answer.status_code == 202
            job_id = str(answer.json()["id"])
            assert finished(client, job_id)["status"] == "done"
            assert (tmp_path / "data" / "app.db-wal").exists()
            assert loose_modes(tmp_path / "data") == []
    finally:
        os.umask(old)
