"""The web app on each database: journal, interview, and an analysis job whose worker process
writes progress and result through its own connection (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.web_support import FAKE_RUNNER

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"x" * 1000


def test_app_on_each_database(database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="k",
        runner=FAKE_RUNNER,
        allowed_hosts=("testserver",),
    )
    with TestClient(create_app(settings)) as client:
        r = client.post("/api/v1/journal/entries", json={"pain": 6, "radiates": "past_knee"})
        assert r.status_code == 201
        triage = client.get("/api/v1/journal/triage").json()
        assert triage["assessment"]["triage"]["level"] == "see_clinician"
        job = client.post("/api/v1/analyses", files={"video": ("a.mp4", MP4, "video/mp4")}).json()
        deadline = time.monotonic() + 30
        while (state := client.get(f"/api/v1/analyses/{job['id']}").json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert state["status"] == "done", state
        assert client.get(f"/api/v1/analyses/{job['id']}/result").json()["reps"]
        exported = client.get("/api/v1/export").json()
        assert len(exported["journal"]) == 1 and len(exported["analyses"]) == 1
