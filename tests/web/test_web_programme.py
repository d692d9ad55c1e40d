"""The programme in the web app: today's session, logging a session in a few fields, the
next-morning pain, the rule moving the phase, a warning sign stopping it, per-activity
journal responses, confirmation before deleting an entry with a warning sign, and the
illustrations served as image/svg+xml."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from backcheck.core import load_knowledge
from backcheck.storage import Interview
from backcheck.storage.db import open_database
from backcheck.web.settings import Settings
from tests.web.web_support import csrf_of

KB = load_knowledge()


def add_interview(settings: Settings, **findings: Any) -> str:
    """A finished interview, every red flag answered no, plus ``findings``."""
    negative = {f: (False if KB.findings[f].type == "bool" else "none") for f in KB.red_flags}
    db = open_database(settings.database_url)
    try:
        with db.session() as session:
            interview = Interview(
                findings={**negative, "onset_with_lift": True, "pain_score": 3, **findings},
                asked=[],
                finished=True,
                level="self_care",
            )
            session.add(interview)
            session.flush()
            return interview.id
    finally:
        db.close()


def state(client: TestClient) -> tuple[str, str]:
    html = client.get("/today").text
    match = re.search(r'data-status="([a-z_]+)" data-phase="([a-z_]+)"', html)
    assert match, html[:2000]
    return match.group(1), match.group(2)


def log(client: TestClient, days_ago: int, before: int, during: int, **extra: str) -> None:
    day = (date.today() - timedelta(days=days_ago)).isoformat()
    data = {"csrf_token": csrf_of(client, "/today"), "day": day, "pain": str(before),
            "pain_during": str(during), **extra}
    r = client.post("/today", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:1500]


def morning(client: TestClient, pain: int) -> None:
    html = client.get("/today").text
    match = re.search(r'action="/journal/(\d+)/morning"', html)
    assert match, "no next-morning question"
    r = client.post(
        f"/journal/{match.group(1)}/morning",
        data={"csrf_token": csrf_of(client, "/today"), "pain_next_morning": str(pain)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_today_without_an_interview_asks_for_one(client: TestClient) -> None:
    r = client.get("/today")
    assert r.status_code == 200 and "Answer the questions first" in r.text


def test_today_shows_this_phases_exercises_with_pictures(
    client: TestClient, settings: Settings
) -> None:
    add_interview(settings, lift="squat", back_rounds_at_bottom=True, phase="bottom")
    html = client.get("/today").text
    assert "Settle it" in html and "This session's exercises" in html
    assert 'src="/static/illustrations/walking.svg"' in html
    assert "Stop if" in html
    assert state(client) == ("not_started", "settle")


def test_sessions_move_hold_and_step_back_by_the_rule(
    client: TestClient, settings: Settings
) -> None:
    add_interview(settings, lift="deadlift", back_rounds_at_bottom=True, phase="bottom")
    log(client, 6, 2, 2)
    assert state(client)[0] == "waiting"
    morning(client, 2)
    assert state(client) == ("on_track", "settle")
    log(client, 5, 2, 1, pain_after="1", load="walking 20 min")
    morning(client, 1)
    assert state(client) == ("advanced", "rebuild")
    html = client.get("/today").text
    assert "Romanian deadlifts" in html and "Rebuild the movement" in html
    log(client, 4, 2, 5)
    morning(client, 2)
    assert state(client) == ("held", "rebuild")
    log(client, 3, 2, 7)
    assert state(client) == ("stepped_back", "settle")
    assert "7/10" in client.get("/today").text


def test_a_warning_sign_logged_with_a_session_stops_the_programme(
    client: TestClient, settings: Settings
) -> None:
    add_interview(settings, lift="squat")
    log(client, 1, 2, 2, symptoms="bladder_sensation_reduced")
    html = client.get("/today").text
    assert 'data-status="stopped"' in html
    assert "Not knowing when your bladder is full" in html
    assert 'id="session-form"' not in html
    assert 'id="emergency"' in html


def test_per_activity_responses_from_the_form(client: TestClient, settings: Settings) -> None:
    add_interview(settings, lift="squat")
    token = csrf_of(client)
    r = client.post(
        "/journal",
        data={"csrf_token": token, "pain": "4", "response_rest": "better",
              "response_walking": "worse"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    entry = client.get("/api/v1/journal/entries").json()[0]
    assert entry["responses"] == {"rest": "better", "walking": "worse"}
    assert set(entry["activities"]) == {"rest", "walking"}
    triage = client.get("/api/v1/journal/triage").json()
    assert triage["derived_findings"]["worse_with_rest"] is False


def test_deleting_an_entry_with_a_warning_sign_asks_first_and_names_it(
    client: TestClient,
) -> None:
    r = client.post("/api/v1/journal/entries", headers={"X-Requested-With": "fetch"},
                    json={"pain": 3, "symptoms": ["fever_or_unwell"]})
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    token = csrf_of(client)
    r = client.post(f"/journal/{entry_id}/delete", data={"csrf_token": token})
    assert r.status_code == 200 and 'id="confirm-delete"' in r.text
    assert "Fever or feeling generally unwell" in r.text
    assert len(client.get("/api/v1/journal/entries").json()) == 1
    r = client.post(f"/journal/{entry_id}/delete",
                    data={"csrf_token": token, "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/journal/entries").json() == []


def test_an_entry_without_a_warning_sign_deletes_at_once(client: TestClient) -> None:
    r = client.post("/api/v1/journal/entries", headers={"X-Requested-With": "fetch"},
                    json={"pain": 3})
    token = csrf_of(client)
    r = client.post(f"/journal/{r.json()['id']}/delete", data={"csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303


def test_session_round_trips_through_the_api(client: TestClient) -> None:
    body = {"pain": 2, "session": {"pain_during": 3, "done": ["box_squat"], "load": "40 kg"}}
    r = client.post("/api/v1/journal/entries", headers={"X-Requested-With": "fetch"}, json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["session"]["pain_during"] == 3 and out["session"]["pain_next_morning"] is None
    assert "training" in out["activities"]
    bad = {"pain": 2, "session": {"pain_during": 11}}
    r = client.post("/api/v1/journal/entries", headers={"X-Requested-With": "fetch"}, json=bad)
    assert r.status_code == 422


def test_illustrations_are_served_as_svg_under_the_csp(client: TestClient) -> None:
    r = client.get("/static/illustrations/box_squat.svg")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.text.startswith("<svg") and "<script" not in r.text
