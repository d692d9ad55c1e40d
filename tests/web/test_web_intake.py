"""POST /api/v1/intake: a story in, the assessment with what was understood out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from backcheck.core import load_knowledge
from tests.web.web_support import csrf_of

KB = load_knowledge()


def test_an_emergency_story_is_an_emergency_with_its_advice_first(client: TestClient) -> None:
    r = client.post(
        "/api/v1/intake",
        json={
            "text": "felt something go on a deadlift PR since thursday, now my groin feels numb",
            "today": "2026-12-01",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["triage"]["level"] == "emergency"
    assert body["triage"]["reasons"][0]["level"] == "emergency"
    assert body["triage"]["complete"] is False
    intake = body["intake"]
    assert intake["findings"]["saddle_numbness"] is True
    assert intake["findings"]["days_since_onset"] == 5
    assert intake["needs_confirmation"] == ["saddle_numbness"]
    groin = next(e for e in intake["evidence"] if e["finding"] == "saddle_numbness")
    assert groin["text"] == "groin feels numb" and groin["certainty"] == "positive"
    story = "felt something go on a deadlift PR since thursday, now my groin feels numb"
    assert story[groin["start"] : groin["end"]] == groin["text"]
    shown = {u["finding"]: u for u in body["understood"]}
    assert shown["saddle_numbness"]["answer"] == "Yes"
    assert shown["saddle_numbness"]["asked_again"] is True
    assert "_" not in shown["lift"]["answer"]


def test_denied_red_flags_stay_missing(client: TestClient) -> None:
    r = client.post("/api/v1/intake", json={"text": "no numbness, no fever, bladder fine"})
    body = r.json()
    assert body["intake"]["findings"]["fever_or_unwell"] is False
    assert "fever_or_unwell" in body["triage"]["missing"]
    assert body["triage"]["level"] != "self_care"


def test_given_answers_win_and_the_story_never_lowers_the_level(client: TestClient) -> None:
    answers: dict[str, object] = {
        fid: (False if KB.findings[fid].type == "bool" else "none") for fid in KB.red_flags
    }
    answers |= {"days_since_onset": 5, "pain_trend": "same"}
    alone = client.post("/api/v1/assess", json={"findings": answers}).json()["triage"]["level"]
    r = client.post("/api/v1/intake", json={"text": "pain is 0/10 now", "findings": answers})
    assert r.json()["triage"]["level"] == alone


def test_bad_input_is_a_clear_422(client: TestClient) -> None:
    for body in ({"text": ""}, {}, {"text": "x" * 20_001}, {"text": "ok", "today": "soon"}):
        r = client.post("/api/v1/intake", json=body)
        assert r.status_code == 422, body
        assert "Traceback" not in r.text
    r = client.post("/api/v1/intake", json={"text": "sore back", "findings": {"age": "old"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "age"


def test_intake_is_in_the_api_reference(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/intake" in schema["paths"]


# --- the "Tell us what happened" screen (no browser: the pages as HTML) ----------------------


def post_story(client: TestClient, **fields: str | list[str]) -> Any:
    token = csrf_of(client, "/story")
    return client.post("/story", data={"csrf_token": token, **fields}, follow_redirects=False)


def test_story_screen_puts_an_emergency_first(client: TestClient) -> None:
    r = post_story(client, text="went on a deadlift and now my groin feels numb")
    assert r.status_code == 200
    body = r.text[r.text.index("<body>") :]
    assert body.index('id="emergency"') < body.index("<header")
    assert '<mark class="m-flag"' in r.text and "groin feels numb</mark>" in r.text


def test_story_screen_escapes_the_story(client: TestClient) -> None:
    r = post_story(client, text='<script>alert(1)</script> tweaked it on squats "7/10"')
    assert "<script>alert(1)" not in r.text
    assert "&lt;script&gt;" in r.text


def test_story_screen_needs_some_words(client: TestClient) -> None:
    r = post_story(client, text="   ")
    assert r.status_code == 422 and "Write a few words" in r.text


def test_removed_items_stay_removed_and_the_interview_starts_from_the_rest(
    client: TestClient,
) -> None:
    text = "tweaked it on squats yesterday, 5/10, no numbness, groin feels numb"
    r = post_story(client, text=text, remove="lift")
    assert 'name="removed" value="lift"' in r.text
    token = csrf_of(client, "/story")
    started = client.post(
        "/story/start",
        data={"csrf_token": token, "text": text, "removed": ["lift", "saddle_numbness"]},
        follow_redirects=False,
    )
    assert started.status_code == 303
    page = client.get(started.headers["location"])
    assert page.status_code == 200
    from backcheck.storage import Interview

    interview_id = started.headers["location"].rsplit("/", 1)[1]
    with client.app.state.ctx.db.session() as session:  # type: ignore[attr-defined]
        stored = session.get(Interview, interview_id)
        assert stored is not None
        assert stored.findings == {
            "days_since_onset": 1,
            "pain_score": 5,
            "onset": "sudden",
            "onset_with_lift": True,
        }


def test_story_screen_shows_labels_not_value_ids(client: TestClient) -> None:
    story = "I was deadlifting yesterday and felt a sudden sharp pain in my lower back."
    response = post_story(client, text=story)
    assert response.status_code == 200
    page = response.text
    understood = page.split('class="understood-list"', 1)[1].split("</ul>", 1)[0]
    for raw in ("deadlift", "sudden", "onset_with_lift", "days_since_onset"):
        assert f"<strong>{raw}<" not in understood and f"{raw}</strong>" not in understood
    assert "<strong>Deadlift</strong>" in understood
    assert "<strong>Suddenly, at one moment</strong>" in understood
    assert "1 days" not in understood
