"""A partly undecodable video: the result page says so in words (issue 7, defect 8)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.fake_runner import DAMAGED_WARNING
from tests.web.test_web_jobs import finished, upload
from tests.web.web_support import MP4_HEAD


def test_the_result_page_warns_about_undecodable_frames(client: TestClient) -> None:
    job = upload(client, MP4_HEAD + b"DAMAGED").json()  # type: ignore[attr-defined]
    assert finished(client, job["id"])["status"] == "done"
    page = client.get(f"/analyses/{job['id']}").text
    assert DAMAGED_WARNING["message"].replace("'", "&#39;") in page
    assert "frames_undecodable" not in page  # the code is for programs, not people
