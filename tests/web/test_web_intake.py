"""POST /api/v1/intake: a story in, the assessment with what was understood out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backcheck.core import load_knowledge

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
