"""Issue 7 defect 10: what the app says when the storage fails, and that nothing typed is lost.

A full disk is simulated where it happens: the upload's file write raises ENOSPC, and the
database session's flush raises SQLAlchemy's OperationalError wrapping sqlite3's own
"database or disk is full" (what a real full disk gives). PostgreSQL down is a real server
stopped in the middle of the test (tests/storage), or a URL where no server listens.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.test_web_hardening import HEADERS, assert_clean_error
from tests.web.test_web_programme import add_interview
from tests.web.web_support import MP4_HEAD, csrf_of

ENTRY_NOT_SAVED_DISK = (
    "Your entry was not saved: the disk is full. Free some space and send it again."
)


def disk_full_error() -> OperationalError:
    """What SQLAlchemy raises when SQLite finds the disk full."""
    return OperationalError(
        "INSERT INTO journal_entries ...", {}, sqlite3.OperationalError("database or disk is full")
    )


@pytest.fixture
def full_database(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make every flush with something to write fail as on a full disk."""

    def fill() -> None:
        real_flush = Session.flush

        def flush(self: Session, objects: Any = None) -> None:
            if self.new or self.dirty or self.deleted:
                raise disk_full_error()
            real_flush(self, objects)

        monkeypatch.setattr(Session, "flush", flush)

    return fill


@pytest.fixture
def faults_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def entries(client: TestClient) -> list[dict[str, Any]]:
    r = client.get("/api/v1/journal/entries")
    assert r.status_code == 200
    result: list[dict[str, Any]] = r.json()
    return result


# --- an upload that meets a full disk -------------------------------------------------------


def test_disk_full_during_an_upload_is_507_and_keeps_nothing(
    faults_client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = os.write

    def write(fd: int, data: Any) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".upload.part"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    video = MP4_HEAD + b"x" * (3 << 20)  # past the first 1 MB batch written
    r = faults_client.post("/api/v1/analyses", files={"video": ("a.mp4", video, "video/mp4")})
    assert_clean_error(r, 507, json_body=True)
    assert "disk is full" in r.json()["error"]["message"]
    token = csrf_of(faults_client, "/analyses")
    r = faults_client.post(
        "/analyses",
        files={"video": ("a.mp4", video, "video/mp4")},
        data={"csrf_token": token, "lift": "auto"},
    )
    assert_clean_error(r, 507, json_body=False)
    assert "disk is full" in r.text
    assert not [p for p in settings.analyses_dir.rglob("*") if p.is_file()]


# --- the journal: API and forms ------------------------------------------------------------


def test_journal_api_post_on_a_full_disk_says_the_entry_was_not_saved(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    full_database()
    r = faults_client.post("/api/v1/journal/entries", json={"pain": 4, "note": "keep me"})
    assert_clean_error(r, 507, json_body=True)
    assert r.json()["error"]["message"] == ENTRY_NOT_SAVED_DISK
    assert "nothing was lost" not in r.text.lower() and "unexpected" not in r.text.lower()
    assert entries(faults_client) == []


def test_journal_put_and_delete_on_a_full_disk_say_so(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    entry = faults_client.post("/api/v1/journal/entries", json={"pain": 4}).json()
    full_database()
    path = f"/api/v1/journal/entries/{entry['id']}"
    r = faults_client.put(path, json={"pain": 7})
    assert_clean_error(r, 507, json_body=True)
    assert r.json()["error"]["message"] == ENTRY_NOT_SAVED_DISK
    r = faults_client.delete(path)
    assert_clean_error(r, 507, json_body=True)
    assert r.json()["error"]["message"].startswith("Nothing was deleted: the disk is full.")
    assert [e["pain"] for e in entries(faults_client)] == [4]


def test_journal_form_on_a_full_disk_keeps_what_was_typed(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    faults_client.post("/api/v1/journal/entries", json={"pain": 2, "note": "earlier"})
    token = csrf_of(faults_client)
    full_database()
    form = {
        "csrf_token": token,
        "pain": "6",
        "response_walking": "worse",
        "locations": ["left"],
        "symptoms": ["saddle_numbness"],
        "note": "deadlift day, tight after",
        "day": "2026-11-30",
    }
    r = faults_client.post("/journal", data=form)
    assert_clean_error(r, 507, json_body=False)
    html = r.text
    assert ENTRY_NOT_SAVED_DISK in html
    assert re.search(r'name="pain" value="6" checked', html)
    assert re.search(r'name="response_walking" value="worse" checked', html)
    assert re.search(r'name="locations" value="left" checked', html)
    assert re.search(r'name="symptoms" value="saddle_numbness" checked', html)
    assert 'value="deadlift day, tight after"' in html
    assert 'value="2026-11-30"' in html
    assert "earlier" in html  # the journal is still shown where it can be read
    assert [e["note"] for e in entries(faults_client)] == ["earlier"]


def test_session_log_on_a_full_disk_keeps_what_was_typed(
    faults_client: TestClient, settings: Settings, full_database: Callable[[], None]
) -> None:
    add_interview(settings, lift="squat", back_rounds_at_bottom=True, phase="bottom")
    token = csrf_of(faults_client, "/today")
    full_database()
    r = faults_client.post(
        "/today", data={"csrf_token": token, "pain": "3", "pain_during": "5", "load": "80 kg"}
    )
    assert_clean_error(r, 507, json_body=False)
    assert ENTRY_NOT_SAVED_DISK in r.text
    assert re.search(r'name="pain_during" value="5" checked', r.text)
    assert entries(faults_client) == []


# --- the other writes: interview answers, imports, an upload's job -------------------------


def _screen_form(client: TestClient, interview_url: str) -> dict[str, str]:
    html = client.get(interview_url).text
    questions = re.search(r'name="questions" value="([^"]*)"', html)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert questions and token, html[:500]
    return {"csrf_token": token.group(1), "questions": questions.group(1)}


def test_interview_answers_on_a_full_disk_show_the_same_screen_with_the_answers(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    token = csrf_of(faults_client, "/interview")
    r = faults_client.post("/interview", data={"csrf_token": token}, follow_redirects=False)
    url = r.headers["location"]
    form = _screen_form(faults_client, url)
    question = form["questions"].split(",")[0]
    form[f"q_{question}"] = "34" if question == "age" else "?"
    full_database()
    r = faults_client.post(f"{url}/answer", data=form, follow_redirects=False)
    assert_clean_error(r, 507, json_body=False)
    assert "Your answers were not saved: the disk is full. Free some space" in r.text
    assert f'name="questions" value="{form["questions"]}"' in r.text  # the same screen
    if question == "age":
        assert 'value="34"' in r.text


def test_an_emergency_answer_not_saved_still_shows_the_emergency(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    token = csrf_of(faults_client, "/interview")
    url = faults_client.post(
        "/interview", data={"csrf_token": token}, follow_redirects=False
    ).headers["location"]
    for _ in range(6):  # "don't know" until the safety screen that asks about saddle numbness
        form = _screen_form(faults_client, url)
        if "saddle_numbness" in form["questions"].split(","):
            break
        for question in form["questions"].split(","):
            form[f"q_{question}"] = "34" if question == "age" else "?"
        assert faults_client.post(f"{url}/answer", data=form).status_code == 200
    else:
        pytest.fail("no safety screen asked about saddle numbness")
    for question in form["questions"].split(","):
        form[f"q_{question}"] = "yes" if question == "saddle_numbness" else "no"
    full_database()
    r = faults_client.post(f"{url}/answer", data=form, follow_redirects=False)
    assert r.status_code == 507
    assert "Your answers were not saved" in r.text
    assert "emergency" in r.text.lower()
    alert = r.text.lower().index("emergency")
    assert alert < r.text.index("Your answers were not saved")  # the advice comes first


def _export_with_one_entry(client: TestClient) -> dict[str, Any]:
    client.post("/api/v1/journal/entries", json={"pain": 5, "note": "to import"})
    document: dict[str, Any] = client.get("/api/v1/export").json()
    for entry in document["journal"]:
        entry["uid"] = "f" * 32  # a record this database does not have
    return document


def test_import_on_a_full_disk_says_nothing_was_imported(
    faults_client: TestClient, full_database: Callable[[], None]
) -> None:
    document = _export_with_one_entry(faults_client)
    token = csrf_of(faults_client, "/data")
    full_database()
    r = faults_client.post("/api/v1/import", json=document)
    assert_clean_error(r, 507, json_body=True)
    assert r.json()["error"]["message"].startswith("Nothing was imported: the disk is full.")
    r = faults_client.post(
        "/data/import",
        data={"csrf_token": token},
        files={"file": ("export.json", json.dumps(document).encode(), "application/json")},
    )
    assert_clean_error(r, 507, json_body=False)
    assert "Nothing was imported: the disk is full." in r.text
    assert [e["note"] for e in entries(faults_client)] == ["to import"]


def test_upload_whose_job_cannot_be_recorded_keeps_nothing(
    faults_client: TestClient, settings: Settings, full_database: Callable[[], None]
) -> None:
    full_database()
    video = MP4_HEAD + b"x" * 1000
    r = faults_client.post("/api/v1/analyses", files={"video": ("a.mp4", video, "video/mp4")})
    assert_clean_error(r, 507, json_body=True)
    assert r.json()["error"]["message"].startswith("The video was not saved: the disk is full.")
    assert not list(settings.analyses_dir.iterdir())


# --- the database cannot be reached ---------------------------------------------------------


def test_a_database_nobody_answers_is_503_with_every_header(tmp_path: Path) -> None:
    from tests.web.web_support import free_port, make_settings

    good = make_settings(tmp_path)
    app = create_app(good)
    with TestClient(app, raise_server_exceptions=False) as client:
        token = csrf_of(client)
        from backcheck.storage import open_database

        # The server goes away: the app now talks to an address where nobody listens.
        app.state.ctx.db.close()
        dead = open_database(f"postgresql+psycopg://u@127.0.0.1:{free_port()}/x", migrate=False)
        app.state.ctx.db = dead
        r = client.post("/api/v1/journal/entries", json={"pain": 4})
        assert_clean_error(r, 503, json_body=True)
        message = r.json()["error"]["message"]
        assert message.startswith("Your entry was not saved: the database cannot be reached.")
        r = client.post("/journal", data={"csrf_token": token, "pain": "4", "note": "typed"})
        assert_clean_error(r, 503, json_body=False)
        assert "Your entry was not saved: the database cannot be reached." in r.text
        assert 'value="typed"' in r.text and re.search(r'name="pain" value="4" checked', r.text)
        r = client.get("/api/v1/journal/entries")
        assert_clean_error(r, 503, json_body=True)
        assert r.json()["error"]["message"].startswith("backcheck cannot read your data")
        for name in HEADERS:
            assert name in r.headers
