"""Deleting an analysis: the API (204/404/409), the page with its confirmation, the files,
and an assessment that had chosen the video."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backcheck.storage import Interview, open_database
from backcheck.web.settings import Settings
from tests.web.web_support import MP4_HEAD, SCREENSHOTS, csrf_of, start_server, wait_for


def analysed(client: TestClient, marker: bytes = b"ok") -> str:
    """Upload a clip and wait until its analysis has ended; return its id."""
    r = client.post(
        "/api/v1/analyses", files={"video": ("squat.mp4", MP4_HEAD + marker, "video/mp4")}
    )
    assert r.status_code == 202, r.text
    job_id: str = r.json()["id"]

    def ended() -> bool:
        return bool(client.get(f"/api/v1/analyses/{job_id}").json()["status"] != "queued")

    wait_for(ended, timeout=30)
    if marker != b"HANG":
        wait_for(
            lambda: client.get(f"/api/v1/analyses/{job_id}").json()["status"]
            in ("done", "failed"),
            timeout=30,
        )
    return job_id


def chosen_analysis(settings: Settings, interview_id: str) -> str | None:
    db = open_database(settings.database_url, migrate=False)
    try:
        with db.session() as s:
            interview = s.get(Interview, interview_id)
            assert interview is not None
            return interview.analysis_id
    finally:
        db.close()


def start_interview(client: TestClient) -> str:
    r = client.post("/interview", data={"csrf_token": csrf_of(client, "/interview")})
    assert r.status_code in (200, 303)
    return str(r.url).rstrip("/").split("/interview/")[1].split("/")[0]


def test_api_delete_removes_row_and_files_and_the_assessment_forgets_it(
    client: TestClient, settings: Settings
) -> None:
    job_id = analysed(client)
    interview_id = start_interview(client)
    r = client.post(f"/analyses/{job_id}/use", data={"csrf_token": csrf_of(client, "/interview")})
    assert r.status_code in (200, 303)
    assert chosen_analysis(settings, interview_id) == job_id
    folder = settings.analyses_dir / job_id
    assert (folder / "annotated.mp4").is_file()
    r = client.delete(f"/api/v1/analyses/{job_id}")
    assert r.status_code == 204 and r.content == b""
    assert not folder.exists()
    assert chosen_analysis(settings, interview_id) is None
    assert client.get(f"/api/v1/analyses/{job_id}").status_code == 404
    assert client.get(f"/analyses/{job_id}").status_code == 404
    assert job_id not in {j["id"] for j in client.get("/api/v1/analyses").json()}
    again = client.delete(f"/api/v1/analyses/{job_id}")
    assert again.status_code == 404 and again.json()["error"]["message"] == "No such analysis."
    assert client.delete("/api/v1/analyses/not-an-id").status_code == 404
    # The assessment still works without it.
    assert client.get(f"/interview/{interview_id}").status_code == 200


def test_a_failed_analysis_can_be_deleted(client: TestClient) -> None:
    job_id = analysed(client, b"FAIL")
    assert client.get(f"/api/v1/analyses/{job_id}").json()["status"] == "failed"
    page = client.get(f"/analyses/{job_id}").text
    assert 'id="delete-analysis"' in page
    assert client.delete(f"/api/v1/analyses/{job_id}").status_code == 204


def test_a_running_analysis_is_refused_with_a_plain_409(
    client: TestClient, settings: Settings
) -> None:
    job_id = analysed(client, b"HANG")
    r = client.delete(f"/api/v1/analyses/{job_id}")
    assert r.status_code == 409
    message = r.json()["error"]["message"]
    assert message.startswith("This analysis is still running, so it cannot be deleted yet.")
    assert (settings.analyses_dir / job_id).is_dir()
    page = client.get(f"/analyses/{job_id}").text
    assert 'id="delete-analysis"' not in page  # no button while it runs
    token = csrf_of(client, "/analyses")
    r = client.post(f"/analyses/{job_id}/delete", data={"csrf_token": token, "confirm": "yes"})
    assert r.status_code == 409 and "still running" in r.text
    assert client.get(f"/api/v1/analyses/{job_id}").json()["status"] == "running"


def test_the_page_asks_first_then_deletes(client: TestClient, settings: Settings) -> None:
    job_id = analysed(client)
    interview_id = start_interview(client)
    client.post(f"/analyses/{job_id}/use", data={"csrf_token": csrf_of(client, "/interview")})
    page = client.get(f"/analyses/{job_id}").text
    assert 'action="/analyses/' + job_id + '/delete"' in page and "Delete this analysis" in page
    # No token: refused, as every form.
    assert client.post(f"/analyses/{job_id}/delete", data={"confirm": "yes"}).status_code == 403
    token = csrf_of(client, f"/analyses/{job_id}")
    ask = client.post(f"/analyses/{job_id}/delete", data={"csrf_token": token})
    assert ask.status_code == 200 and 'id="confirm-delete"' in ask.text
    assert "Your assessment uses this video." in ask.text and "squat.mp4" in ask.text
    assert (settings.analyses_dir / job_id).is_dir()  # asking deletes nothing
    r = client.post(
        f"/analyses/{job_id}/delete",
        data={"csrf_token": token, "confirm": "yes"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/analyses?deleted=1"
    assert "The analysis was deleted." in client.get("/analyses?deleted=1").text
    assert not (settings.analyses_dir / job_id).exists()
    assert chosen_analysis(settings, interview_id) is None


def test_delete_is_in_the_openapi_document(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/analyses/{job_id}"]["delete"]
    assert {"204", "404", "409"} <= set(operation["responses"])


@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1280])
def test_delete_in_the_browser_with_screenshots(browser: Any, tmp_path: Path, width: int) -> None:
    server = start_server(tmp_path)
    try:
        r = httpx.post(
            server.url + "/api/v1/analyses",
            files={"video": ("deadlift-set-2.mp4", MP4_HEAD + b"ok", "video/mp4")},
        )
        job_id = r.json()["id"]
        wait_for(
            lambda: httpx.get(f"{server.url}/api/v1/analyses/{job_id}").json()["status"]
            == "done",
            timeout=60,
        )
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(f"{server.url}/analyses/{job_id}")
        button = page.locator("#delete-analysis button")
        assert button.is_visible()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"analysis-delete-{width}.png"), full_page=True)
        button.click()
        page.wait_for_selector("#confirm-delete")
        confirm = SCREENSHOTS / f"analysis-delete-confirm-{width}.png"
        page.screenshot(path=str(confirm), full_page=True)
        page.locator("#confirm-delete-button").click()
        page.wait_for_selector("#deleted-notice")
        assert httpx.get(f"{server.url}/api/v1/analyses/{job_id}").status_code == 404
        context.close()
    finally:
        server.stop()
