"""The JSON API and the pages through FastAPI's TestClient: behaviour, validation, safety."""

from __future__ import annotations

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient

from backcheck.core import load_knowledge
from backcheck.web.app import create_app
from backcheck.web.settings import Settings
from tests.web.web_support import csrf_of

KB = load_knowledge()
ALL_CLEAR = {f: (False if KB.findings[f].type == "bool" else "none") for f in KB.red_flags}


# --- assess and interview step --------------------------------------------------------------


def test_assess_returns_the_assessment_json(client: TestClient) -> None:
    r = client.post("/api/v1/assess", json={"findings": {"saddle_numbness": True}})
    assert r.status_code == 200
    body = r.json()
    assert body["triage"]["level"] == "emergency"
    assert set(body) >= {"triage", "causes", "plan", "next_questions", "disclaimer"}


def test_assess_names_the_bad_field(client: TestClient) -> None:
    r = client.post("/api/v1/assess", json={"findings": {"age": "old"}})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "age"
    r = client.post("/api/v1/assess", json={"findings": {"no_such_thing": True}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "no_such_thing"
    r = client.post("/api/v1/assess", json={"findngs": {}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "findngs"
    r = client.post(
        "/api/v1/assess", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "Traceback" not in r.text


def test_interview_step_asks_red_flags_first_then_follow_ups(client: TestClient) -> None:
    first = client.post("/api/v1/interview/step", json={}).json()
    assert first["question"]["id"] == KB.red_flags[0] and first["question"]["red_flag"]
    assert first["assessment"] is None
    skipped = client.post("/api/v1/interview/step", json={"skipped": [KB.red_flags[0]]}).json()
    assert skipped["question"]["id"] == KB.red_flags[1]
    after = client.post("/api/v1/interview/step", json={"findings": ALL_CLEAR}).json()
    assert after["question"] is not None and not after["question"]["red_flag"]
    assert after["progress"]["red_flags_answered"] == len(KB.red_flags)


def test_interview_step_stops_at_an_emergency(client: TestClient) -> None:
    r = client.post("/api/v1/interview/step", json={"findings": {"saddle_numbness": True}}).json()
    assert r["done"] is True and r["question"] is None
    assert r["assessment"]["triage"]["level"] == "emergency"


# --- journal API ----------------------------------------------------------------------------


def entry(days_ago: int, pain: int, **extra: object) -> dict[str, object]:
    return {"day": (date.today() - timedelta(days=days_ago)).isoformat(), "pain": pain, **extra}


def test_journal_crud(client: TestClient) -> None:
    r = client.post(
        "/api/v1/journal/entries", json=entry(1, 5, activities=["heat"], response="better")
    )
    assert r.status_code == 201
    created = r.json()
    assert created["pain"] == 5 and created["activities"] == ["heat"]
    eid = created["id"]
    assert client.get(f"/api/v1/journal/entries/{eid}").json()["uid"] == created["uid"]
    r = client.put(f"/api/v1/journal/entries/{eid}", json=entry(1, 3))
    assert r.status_code == 200 and r.json()["pain"] == 3
    assert [e["id"] for e in client.get("/api/v1/journal/entries").json()] == [eid]
    assert client.delete(f"/api/v1/journal/entries/{eid}").status_code == 204
    assert client.get(f"/api/v1/journal/entries/{eid}").status_code == 404
    assert client.get("/api/v1/journal/entries").json() == []


def test_journal_validation(client: TestClient) -> None:
    r = client.post("/api/v1/journal/entries", json=entry(0, 11))
    assert r.status_code == 422 and r.json()["error"]["field"] == "pain"
    r = client.post("/api/v1/journal/entries", json=entry(-5, 3))
    assert r.status_code == 422 and r.json()["error"]["field"] == "day"
    r = client.post("/api/v1/journal/entries", json=entry(0, 3, activities=["dancing"]))
    assert r.status_code == 422


def test_journal_triage_escalates_over_days(client: TestClient) -> None:
    assert client.get("/api/v1/journal/triage").status_code == 409
    client.post("/api/v1/interview/step", json={"findings": ALL_CLEAR})
    # An interview stored through the pages gives the journal its red-flag answers.
    _all_clear_interview(client)
    client.post(
        "/api/v1/journal/entries", json=entry(1, 4, activities=["walking"], response="better")
    )
    t = client.get("/api/v1/journal/triage").json()
    assert t["assessment"]["triage"]["level"] == "self_care"
    for days_ago in (6, 4, 2, 0):
        client.post(
            "/api/v1/journal/entries", json=entry(days_ago, 6, activities=["heat"], response="same")
        )
    t = client.get("/api/v1/journal/triage").json()
    assert t["derived_findings"]["days_since_onset"] == 6
    assert t["assessment"]["triage"]["level"] == "see_clinician"
    client.post("/api/v1/journal/entries", json=entry(0, 6, symptoms=["saddle_numbness"]))
    t = client.get("/api/v1/journal/triage").json()
    assert t["assessment"]["triage"]["level"] == "emergency"


def _all_clear_interview(client: TestClient) -> str:
    token = csrf_of(client, "/interview")
    r = client.post("/interview", data={"csrf_token": token}, follow_redirects=False)
    iid: str = r.headers["location"].rsplit("/", 1)[-1]
    for fid in KB.red_flags:
        value = "no" if KB.findings[fid].type == "bool" else "none"
        r = client.post(
            f"/interview/{iid}/answer",
            data={"csrf_token": token, "question_id": fid, "answer": value},
            follow_redirects=False,
        )
        assert r.status_code == 303
    return iid


# --- pages, forms, CSRF ---------------------------------------------------------------------


def test_pages_render(client: TestClient) -> None:
    for path in ("/", "/interview", "/journal", "/analyses", "/report", "/docs", "/data"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "text/html" in r.headers["content-type"]


def test_interview_pages_emergency_first(client: TestClient) -> None:
    token = csrf_of(client, "/interview")
    r = client.post("/interview", data={"csrf_token": token}, follow_redirects=False)
    iid: str = r.headers["location"].rsplit("/", 1)[-1]
    page = client.get(f"/interview/{iid}").text
    assert 'data-question="saddle_numbness"' in page
    r = client.post(
        f"/interview/{iid}/answer",
        data={"csrf_token": token, "question_id": "saddle_numbness", "answer": "yes"},
    )
    assert r.url.path.endswith("/result")
    body = r.text.split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="emergency" role="alert"')


def test_interview_back_and_bad_number(client: TestClient) -> None:
    iid = _all_clear_interview(client)
    token = csrf_of(client, "/interview")
    r = client.post(
        f"/interview/{iid}/answer",
        data={"csrf_token": token, "question_id": "age", "answer": "value", "value": "abc"},
    )
    assert r.status_code == 422
    assert 'data-question="age"' in r.text
    assert re.search(r'id="value-error">[^<]*not allowed', r.text)
    r = client.post(f"/interview/{iid}/back", data={"csrf_token": token})
    assert f'data-question="{KB.red_flags[-1]}"' in r.text


def test_journal_form_shows_errors_next_to_fields(client: TestClient) -> None:
    token = csrf_of(client)
    future = (date.today() + timedelta(days=5)).isoformat()
    r = client.post("/journal", data={"csrf_token": token, "day": future})
    assert r.status_code == 422
    assert 'id="pain-error"' in r.text and 'id="day-error"' in r.text
    r = client.post(
        "/journal",
        data={
            "csrf_token": token,
            "pain": "4",
            "activities": ["walking", "heat"],
            "response": "better",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/v1/journal/entries").json()[0]["activities"] == ["walking", "heat"]
    assert "<svg" in client.get("/journal").text


def test_forms_need_the_csrf_token(client: TestClient) -> None:
    client.get("/journal")
    r = client.post("/journal", data={"pain": "4"})
    assert r.status_code == 403 and "form" in r.text.lower()
    r = client.post("/journal", data={"pain": "4", "csrf_token": "forged"})
    assert r.status_code == 403
    assert client.get("/api/v1/journal/entries").json() == []


def test_cross_site_and_unknown_host_are_refused(client: TestClient) -> None:
    r = client.post(
        "/api/v1/journal/entries", json=entry(0, 3), headers={"origin": "https://evil.example"}
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/journal/entries", json=entry(0, 3), headers={"sec-fetch-site": "cross-site"}
    )
    assert r.status_code == 403
    r = client.get("/", headers={"host": "attacker.example"})
    assert r.status_code == 400
    r = client.post(
        "/api/v1/journal/entries", json=entry(0, 3), headers={"origin": "http://testserver"}
    )
    assert r.status_code == 201


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in ("/", "/api/v1/journal/entries", "/static/style.css", "/nope"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp, path
        assert r.headers["x-content-type-options"] == "nosniff"


def test_no_request_leaves_the_machine(client: TestClient) -> None:
    """No page or stylesheet points at another origin (no CDN, no fonts, no analytics)."""
    for path in (
        "/",
        "/interview",
        "/journal",
        "/analyses",
        "/report",
        "/docs",
        "/data",
        "/static/style.css",
        "/static/app.js",
    ):
        text = client.get(path).text
        assert not re.search(r'(src|href)="(https?:)?//', text), path
        assert "@import" not in text and "url(http" not in text


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = set(spec["paths"])
    for p in (
        "/api/v1/assess",
        "/api/v1/interview/step",
        "/api/v1/analyses",
        "/api/v1/analyses/{job_id}",
        "/api/v1/analyses/{job_id}/result",
        "/api/v1/analyses/{job_id}/artifacts/{name}",
        "/api/v1/journal/entries",
        "/api/v1/journal/entries/{entry_id}",
        "/api/v1/export",
        "/api/v1/import",
    ):
        assert p in paths, p
    assert "/api/v1/assess" in client.get("/docs").text


def test_errors_never_show_a_trace(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as c:
        page = c.get("/boom")
        assert page.status_code == 500 and "secret internals" not in page.text
        assert "Something went wrong" in page.text and "Traceback" not in page.text
        api = c.get("/api/v1/boom")
        assert api.status_code == 500 and api.json()["error"]["status"] == 500
        assert "secret" not in api.text
        assert c.get("/nope").status_code == 404 and "Not found" in c.get("/nope").text
        assert c.get("/api/v1/nope").json()["error"]["status"] == 404


# --- export / import ------------------------------------------------------------------------


def test_export_import_round_trip(
    client: TestClient, tmp_path_factory: object, settings: Settings
) -> None:
    _all_clear_interview(client)
    for n in range(3):
        client.post("/api/v1/journal/entries", json=entry(n, 4 + n, activities=["walking"]))
    exported = client.get("/api/v1/export").json()
    assert exported["format"] == "backcheck-export" and len(exported["journal"]) == 3
    from tests.web.web_support import make_settings

    other_root = settings.data_dir / "other"
    other_root.mkdir()
    with TestClient(create_app(make_settings(other_root))) as other:
        counts = other.post("/api/v1/import", json=exported).json()
        assert counts["journal_added"] == 3 and counts["interviews_added"] == 1
        again = other.post("/api/v1/import", json=exported).json()
        assert again["journal_added"] == 0 and again["journal_skipped"] == 3
        assert (
            other.get("/api/v1/journal/triage").json()["assessment"]
            == client.get("/api/v1/journal/triage").json()["assessment"]
        )
        bad = other.post("/api/v1/import", json={"format": "something-else"})
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "format"
        broken = dict(exported, journal=[{"day": "2025-01-01", "pain": 99}])
        r = other.post("/api/v1/import", json=broken)
        assert r.status_code == 422 and r.json()["error"]["field"].startswith("journal.0")
        assert len(other.get("/api/v1/journal/entries").json()) == 3  # nothing half-imported


def test_after_an_emergency_the_remaining_safety_questions_can_still_be_answered(
    client: TestClient,
) -> None:
    token = csrf_of(client, "/interview")
    r = client.post("/interview", data={"csrf_token": token}, follow_redirects=False)
    iid: str = r.headers["location"].rsplit("/", 1)[-1]
    result = client.post(
        f"/interview/{iid}/answer",
        data={"csrf_token": token, "question_id": "saddle_numbness", "answer": "yes"},
    )
    assert 'id="go-on"' in result.text
    page = client.get(f"/interview/{iid}?go_on=1").text
    body = page.split("<body>", 1)[1].lstrip()
    assert body.startswith('<section class="emergency"')  # the advice stays on top
    assert f'data-question="{KB.red_flags[1]}"' in page and 'name="go_on" value="1"' in page
    r = client.post(
        f"/interview/{iid}/answer",
        data={"csrf_token": token, "question_id": KB.red_flags[1], "answer": "no", "go_on": "1"},
        follow_redirects=False,
    )
    assert r.headers["location"] == f"/interview/{iid}?go_on=1"
    assert f'data-question="{KB.red_flags[2]}"' in client.get(r.headers["location"]).text
    # Without go_on the interview still ends at the emergency result.
    assert client.get(f"/interview/{iid}", follow_redirects=False).status_code == 303


def test_import_page_takes_an_export_file(client: TestClient, settings: Settings) -> None:
    client.post("/api/v1/journal/entries", json=entry(1, 5))
    exported = client.get("/data/export")
    assert "attachment" in exported.headers["content-disposition"]
    from tests.web.web_support import make_settings

    root = settings.data_dir / "other"
    root.mkdir()
    with TestClient(create_app(make_settings(root))) as other:
        token = csrf_of(other, "/data")
        r = other.post(
            "/data/import",
            data={"csrf_token": token},
            files={"file": ("export.json", exported.content, "application/json")},
        )
        assert r.status_code == 200 and "1 journal entry added" in r.text
        bad = other.post(
            "/data/import",
            data={"csrf_token": token},
            files={"file": ("x.json", b"not json", "application/json")},
        )
        assert bad.status_code == 422 and "not JSON" in bad.text
        assert other.post("/data/import", files={"file": ("x.json", b"{}")}).status_code == 403
