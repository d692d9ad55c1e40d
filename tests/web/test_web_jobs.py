"""Uploads and analysis jobs: streaming limits, sniffing, worker processes, timeouts, restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backcheck.jobs.store import WORKER_GONE
from backcheck.storage import AnalysisJob, open_database
from backcheck.web.analyses.upload import sniff_container
from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.web_support import MP4_HEAD, csrf_of, make_settings, wait_for


def upload(client: TestClient, data: bytes, name: str = "clip.mp4", **fields: str) -> object:
    return client.post("/api/v1/analyses", files={"video": (name, data, "video/mp4")}, data=fields)


def finished(client: TestClient, job_id: str, timeout: float = 30) -> dict[str, object]:
    state: dict[str, object] = {}

    def done() -> bool:
        state.update(client.get(f"/api/v1/analyses/{job_id}").json())
        return state["status"] in ("done", "failed")

    wait_for(done, timeout=timeout, every=0.1)
    return state


def test_sniffing() -> None:
    assert sniff_container(MP4_HEAD) == "mp4"
    assert sniff_container(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00") == "mov"
    assert sniff_container(b"\x1a\x45\xdf\xa3\x01\x00\x00\x00") == "webm"
    assert sniff_container(b"RIFF\x00\x00\x00\x00AVI LIST") == "avi"
    assert sniff_container(b"GIF89a........") is None
    assert sniff_container(b"") is None


def test_upload_runs_a_job_to_the_result(client: TestClient, settings: Settings) -> None:
    r = upload(client, MP4_HEAD + b"x" * 5000, name="../../etc/passwd.mp4")
    assert r.status_code == 202  # type: ignore[attr-defined]
    job = r.json()  # type: ignore[attr-defined]
    assert job["status"] in ("queued", "running") and job["label"] == "passwd.mp4"
    state = finished(client, job["id"])
    assert state["status"] == "done" and state["progress"] == 1.0
    folder = settings.analyses_dir / job["id"]
    assert (folder / "input.mp4").is_file()
    assert not (settings.data_dir.parent / "etc").exists()
    result = client.get(f"/api/v1/analyses/{job['id']}/result").json()
    assert result["artifacts"]["annotated_video"].startswith(
        f"/api/v1/analyses/{job['id']}/artifacts/"
    )
    assert str(settings.data_dir) not in str(result)  # no server paths leak
    video = client.get(result["artifacts"]["annotated_video"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert client.get(f"/api/v1/analyses/{job['id']}/artifacts/input.mp4").status_code == 404
    assert client.get(f"/api/v1/analyses/{job['id']}/artifacts/..%2Fapp.db").status_code == 404
    page = client.get(f"/analyses/{job['id']}").text
    assert "<video" in page and "angles.png" in page and "lower back rounds" in page
    # A finished analysis feeds the assessment only once the lifter chooses it for it.
    client.post("/api/v1/journal/entries", json={"pain": 3})

    def video_evidence() -> bool:
        triage = client.get("/api/v1/journal/triage").json()["assessment"]
        flexion = next(c for c in triage["causes"] if c["id"] == "lumbar_flexion")
        return any("back_rounds_at_bottom" in e["findings"] for e in flexion["evidence_for"])

    assert "answer the questions" in page  # no interview yet: nothing to attach it to
    token = csrf_of(client, "/interview")
    assert client.post("/interview", data={"csrf_token": token}).status_code in (200, 303)
    assert not video_evidence(), "never silently the newest video"
    page = client.get(f"/analyses/{job['id']}").text
    assert "Use this video in my assessment" in page
    token = csrf_of(client, "/interview")
    r = client.post(f"/analyses/{job['id']}/use", data={"csrf_token": token})
    assert r.status_code in (200, 303)
    assert video_evidence()
    assert "part of your assessment" in client.get(f"/analyses/{job['id']}").text


def test_result_is_409_until_done(client: TestClient) -> None:
    job = upload(client, MP4_HEAD + b"HANG").json()  # type: ignore[attr-defined]
    assert client.get(f"/api/v1/analyses/{job['id']}/result").status_code == 409
    page = client.get(f"/analyses/{job['id']}").text
    assert 'http-equiv="refresh"' in page and "<progress" in page


def test_not_a_video_gets_a_clear_page(client: TestClient, settings: Settings) -> None:
    token = csrf_of(client, "/analyses")
    r = client.post(
        "/analyses",
        files={"video": ("holiday.mp4", b"this is a text file, not a video", "video/mp4")},
        data={"csrf_token": token, "lift": "auto"},
    )
    assert r.status_code == 415
    assert 'id="video-error"' in r.text and "not a video" in r.text
    assert list(settings.analyses_dir.iterdir()) == []  # nothing kept


def test_upload_form_needs_the_token(client: TestClient) -> None:
    client.get("/analyses")
    r = client.post(
        "/analyses", files={"video": ("a.mp4", MP4_HEAD, "video/mp4")}, data={"lift": "auto"}
    )
    assert r.status_code == 403


def test_size_limit_is_enforced_while_streaming(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, max_upload_bytes=10_000)
    with TestClient(create_app(settings)) as client:
        r = upload(client, MP4_HEAD + b"x" * 20_000)
        assert r.status_code == 413  # type: ignore[attr-defined]
        assert "limit" in r.json()["error"]["message"]  # type: ignore[attr-defined]
        assert list(settings.analyses_dir.iterdir()) == []

        def chunks() -> object:
            yield b'--B\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\n'
            yield MP4_HEAD
            for _ in range(100):
                yield b"y" * 1000
            yield b"\r\n--B--\r\n"

        # No Content-Length (chunked): the limit still holds.
        r = client.post(
            "/api/v1/analyses",
            content=chunks(),
            headers={"content-type": "multipart/form-data; boundary=B"},
        )
        assert r.status_code == 413
        assert list(settings.analyses_dir.iterdir()) == []


def test_bad_lift_and_missing_file(client: TestClient) -> None:
    r = upload(client, MP4_HEAD, lift="bench")
    assert r.status_code == 422 and r.json()["error"]["field"] == "lift"  # type: ignore[attr-defined]
    r = client.post("/api/v1/analyses", data={"lift": "auto"}, files={"other": ("x", b"1")})
    assert r.status_code == 400


def test_analysis_errors_become_failed_jobs_with_a_reason(client: TestClient) -> None:
    job = upload(client, MP4_HEAD + b"FAIL").json()  # type: ignore[attr-defined]
    state = finished(client, job["id"])
    assert state["status"] == "failed" and state["error"] == "No person was found in the video."
    page = client.get(f"/analyses/{job['id']}").text
    assert "No person was found" in page


def test_a_crashing_worker_fails_the_job(client: TestClient) -> None:
    job = upload(client, MP4_HEAD + b"CRASH").json()  # type: ignore[attr-defined]
    state = finished(client, job["id"])
    assert state["status"] == "failed" and "exit code 3" in str(state["error"])


def test_nothing_hangs_forever(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, job_timeout_s=1.5)
    with TestClient(create_app(settings)) as client:
        job = upload(client, MP4_HEAD + b"HANG").json()  # type: ignore[attr-defined]
        state = finished(client, job["id"], timeout=20)
        assert state["status"] == "failed" and "longer than" in str(state["error"])
        # The dispatcher is not stuck: the next job is dispatched and ends too (done, or
        # stopped by the same short timeout when the machine is slow; never left waiting).
        after = upload(client, MP4_HEAD + b"fine").json()  # type: ignore[attr-defined]
        state = finished(client, after["id"])
        assert state["status"] == "done" or "longer than" in str(state["error"])


def test_restart_marks_interrupted_jobs_failed_and_runs_queued_ones(settings: Settings) -> None:
    db = open_database(settings.database_url)
    folder = settings.analyses_dir / ("c" * 32)
    folder.mkdir(parents=True)
    (folder / "input.mp4").write_bytes(MP4_HEAD + b"ok")
    with db.session() as s:
        s.add(AnalysisJob(id="a" * 32, status="running", progress=0.4, label="x.mp4"))
        s.add(AnalysisJob(id="c" * 32, status="queued", container="mp4", label="y.mp4"))
    db.close()
    with TestClient(create_app(settings)) as client:
        interrupted = client.get(f"/api/v1/analyses/{'a' * 32}").json()
        assert interrupted["status"] == "failed" and interrupted["error"] == WORKER_GONE
        assert finished(client, "c" * 32)["status"] == "done"
        assert len(client.get("/api/v1/analyses").json()) == 2


@pytest.mark.parametrize("name", ["a.mp4", "ü ñ.mov", "<script>.mp4", "C:\\evil\\x.mp4", ""])
def test_odd_filenames_are_only_labels(client: TestClient, name: str) -> None:
    r = upload(client, MP4_HEAD + b"ok", name=name or "x")
    assert r.status_code == 202  # type: ignore[attr-defined]
    label = r.json()["label"]  # type: ignore[attr-defined]
    assert "/" not in label and "\\" not in label and "<" not in label
