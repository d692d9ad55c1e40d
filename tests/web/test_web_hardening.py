"""Issue 7 defects, each reproduced first: errors, limits, import, leftovers, permissions."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from backcheck.web.app import create_app
from backcheck.web.security import SECURITY_HEADERS
from backcheck.web.settings import Settings
from tests.web.test_web_jobs import finished, upload
from tests.web.web_support import MP4_HEAD, csrf_of, make_settings

HEADERS = [name.decode() for name, _value in SECURITY_HEADERS]
HUGE_ID = 2**63  # one past SQLite's INTEGER
PG_HUGE_ID = 2**31  # one past PostgreSQL's integer


def assert_clean_error(r: Response, status: int | tuple[int, ...], *, json_body: bool) -> None:
    """A 4xx (or the given status) with the usual body and every security header."""
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, (r.status_code, r.text[:300])
    for name in HEADERS:
        assert name in r.headers, f"{name} missing on a {r.status_code}"
    assert "Traceback" not in r.text
    if json_body:
        body = r.json()
        assert body["error"]["status"] == r.status_code and body["error"]["message"]
    else:
        assert r.headers["content-type"].startswith("text/html")


def no_raise_client(settings: Settings, app: FastAPI | None = None) -> TestClient:
    """A client that sees what a browser would, instead of the server's exception."""
    return TestClient(app or create_app(settings), raise_server_exceptions=True)


# --- defect 1: unhandled errors -------------------------------------------------------------


@pytest.mark.parametrize("entry_id", [HUGE_ID, PG_HUGE_ID, 10**30])
def test_huge_journal_ids_are_404_not_500(settings: Settings, entry_id: int) -> None:
    with no_raise_client(settings) as client:
        path = f"/api/v1/journal/entries/{entry_id}"
        assert_clean_error(client.get(path), 404, json_body=True)
        body = {"pain": 3}
        assert_clean_error(client.put(path, json=body), 404, json_body=True)
        assert_clean_error(client.delete(path), 404, json_body=True)
        token = csrf_of(client)
        r = client.post(f"/journal/{entry_id}/delete", data={"csrf_token": token})
        assert_clean_error(r, 404, json_body=False)


@pytest.mark.parametrize(
    "document",
    [
        {"format": "backcheck-export", "version": 1, "journal": 5},
        {"format": "backcheck-export", "version": 1, "interviews": 5},
        {"format": "backcheck-export", "version": 1, "interviews": [{"id": "a" * 32, "asked": 7}]},
        {
            "format": "backcheck-export",
            "version": 1,
            "interviews": [{"id": "b" * 32}, {"id": "b" * 32}],
        },
        {
            "format": "backcheck-export",
            "version": 1,
            "journal": [
                {"uid": "c" * 32, "day": "2025-01-01", "pain": 2},
                {"uid": "c" * 32, "day": "2025-01-02", "pain": 3},
            ],
        },
    ],
)
def test_bad_imports_are_422_not_500(settings: Settings, document: dict[str, Any]) -> None:
    with no_raise_client(settings) as client:
        assert_clean_error(client.post("/api/v1/import", json=document), 422, json_body=True)
        assert client.get("/api/v1/export").json()["interviews"] == []


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": "backcheck-export", "version": ' + b"9" * 5000 + b"}",
    ],
    ids=["deep-nesting", "5000-digit-integer"],
)
def test_hostile_import_files_are_422_not_500(settings: Settings, raw: bytes) -> None:
    with no_raise_client(settings) as client:
        token = csrf_of(client, "/data")
        r = client.post(
            "/data/import",
            data={"csrf_token": token},
            files={"file": ("x.json", raw, "application/json")},
        )
        assert_clean_error(r, 422, json_body=False)


def test_a_500_still_carries_every_security_header(settings: Settings) -> None:
    app = create_app(settings)

    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    @app.get("/boom")
    def boom_page() -> None:
        raise RuntimeError("boom")

    # raise_server_exceptions=True: the request must be answered, not re-raised to the server
    # (a re-raised error is what made uvicorn drop the keep-alive connection).
    with no_raise_client(settings, app) as client:
        assert_clean_error(client.get("/api/v1/boom"), 500, json_body=True)
        assert_clean_error(client.get("/boom"), 500, json_body=False)
        assert client.get("/api/v1/journal/entries").status_code == 200


# --- defect 2: a stored triage level is never trusted ---------------------------------------

EXPORT = {"format": "backcheck-export", "version": 1}
STAMP = "2025-03-01T10:00:00+00:00"


def _interview(iid: str, findings: dict[str, Any], level: str) -> dict[str, Any]:
    return {
        "id": iid,
        "created_at": STAMP,
        "updated_at": STAMP,
        "findings": findings,
        "asked": list(findings),
        "finished": False,
        "level": level,
    }


def test_imported_level_is_recomputed_from_the_findings(client: TestClient) -> None:
    doc = dict(EXPORT, interviews=[_interview("d" * 32, {"saddle_numbness": True}, "self_care")])
    assert client.post("/api/v1/import", json=doc).status_code == 200
    home = client.get("/").text
    assert "Self-care" not in home and "Emergency" in home
    exported = client.get("/api/v1/export").json()["interviews"][0]
    assert exported["level"] == "emergency"


def test_a_tampered_stored_level_is_not_shown(client: TestClient, settings: Settings) -> None:
    from backcheck.storage import Interview, open_database

    db = open_database(settings.database_url)
    with db.session() as session:
        session.add(
            Interview(id="e" * 32, findings={"saddle_numbness": True}, asked=[], level="self_care")
        )
    db.close()
    assert "Self-care" not in client.get("/").text
    client.post("/api/v1/journal/entries", json={"pain": 2})
    triage = client.get("/api/v1/journal/triage").json()
    assert triage["interview_level"] == "emergency"


# --- defect 7: import is lossless and strict ------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"version": True}, "version"),
        ({"version": 1.0}, "version"),
        ({"journal": [{"uid": 7, "created_at": STAMP, "day": "2025-03-01", "pain": 2}]}, "uid"),
        ({"interviews": [_interview("f" * 33, {}, "self_care")]}, "id"),
        (
            {
                "journal": [
                    {"uid": "a" * 32, "created_at": STAMP, "day": "2025-03-01", "pain": True}
                ]
            },
            "pain",
        ),
        (
            {"journal": [{"uid": "a" * 32, "created_at": STAMP, "day": "2025-03-01", "pain": "5"}]},
            "pain",
        ),
        (
            {"journal": [{"uid": "a" * 32, "created_at": "soon", "day": "2025-03-01", "pain": 5}]},
            "created_at",
        ),
        ({"interviews": [dict(_interview("a" * 32, {}, "x"), finished="yes")]}, "finished"),
        ({"analyses": [{"id": "../../etc", "status": "done"}]}, "id"),
    ],
)
def test_import_refuses_what_an_export_never_holds(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    r = client.post("/api/v1/import", json=dict(EXPORT, **change))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"].endswith(field)


def _with_everything(client: TestClient) -> str:
    client.post("/api/v1/journal/entries", json={"pain": 4, "note": "stiff", "day": "2025-03-01"})
    token = csrf_of(client, "/interview")
    r = client.post("/interview", data={"csrf_token": token}, follow_redirects=False)
    iid = r.headers["location"].rsplit("/", 1)[-1]
    client.post(
        f"/interview/{iid}/answer",
        data={"csrf_token": token, "question_id": "saddle_numbness", "answer": "no"},
    )
    job = upload(client, MP4_HEAD + b"fine").json()  # type: ignore[attr-defined]
    assert finished(client, job["id"])["status"] == "done"
    failed = upload(client, MP4_HEAD + b"FAIL").json()  # type: ignore[attr-defined]
    assert finished(client, failed["id"])["status"] == "failed"
    return str(job["id"])


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    a, b = dict(a), dict(b)
    a.pop("exported_at"), b.pop("exported_at")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_export_import_export_is_identical_with_analyses_and_artifacts(
    client: TestClient, settings: Settings
) -> None:
    job_id = _with_everything(client)
    first = client.get("/api/v1/export").json()
    assert len(first["analyses"]) == 2 and any(a["files"] for a in first["analyses"])
    root = settings.data_dir / "other"
    root.mkdir()
    with TestClient(create_app(make_settings(root))) as other:
        counts = other.post("/api/v1/import", json=first).json()
        assert counts["analyses_added"] == 2 and counts["journal_added"] == 1
        _same(first, other.get("/api/v1/export").json())
        video = other.get(f"/api/v1/analyses/{job_id}/artifacts/annotated.mp4")
        assert video.status_code == 200
        assert (
            video.content
            == client.get(f"/api/v1/analyses/{job_id}/artifacts/annotated.mp4").content
        )
        assert other.get(f"/analyses/{job_id}").status_code == 200
        again = other.post("/api/v1/import", json=first).json()
        assert again["analyses_added"] == again["journal_added"] == again["interviews_added"] == 0


def test_a_hostile_import_changes_nothing_already_here(client: TestClient) -> None:
    _with_everything(client)
    before = client.get("/api/v1/export").json()
    hostile = json.loads(json.dumps(before))
    for item in hostile["interviews"]:
        item["findings"] = {"saddle_numbness": True}
    for item in hostile["journal"]:
        item["pain"], item["note"] = 10, "overwritten"
    for item in hostile["analyses"]:
        item["label"] = "overwritten"
        item["files"] = {name: "AAAA" for name in item["files"]}
    assert client.post("/api/v1/import", json=hostile).status_code == 200
    _same(before, client.get("/api/v1/export").json())
    # Half-valid: the valid part is not added either.
    broken = dict(
        EXPORT,
        journal=[
            {"uid": "9" * 32, "created_at": STAMP, "day": "2025-03-02", "pain": 1},
            {"uid": "8" * 32, "created_at": STAMP, "day": "2025-03-02", "pain": 11},
        ],
    )
    assert client.post("/api/v1/import", json=broken).status_code == 422
    _same(before, client.get("/api/v1/export").json())


# --- defect 6: body-size limits, short echoes, stalled uploads ------------------------------


def _chunked(total: int, piece: int = 65_536) -> Any:
    def gen() -> Any:
        sent = 0
        while sent < total:
            yield b" " * min(piece, total - sent)
            sent += piece

    return gen()


def test_json_bodies_are_limited_while_streaming(settings: Settings) -> None:
    with no_raise_client(settings) as client:
        big = b'{"findings": {"age": "' + b"9" * (3 * 1024 * 1024) + b'"}}'
        r = client.post("/api/v1/assess", content=big, headers={"content-type": "application/json"})
        assert_clean_error(r, 413, json_body=True)
        # No Content-Length (chunked): refused once the count passes the limit.
        r = client.post(
            "/api/v1/journal/entries",
            content=_chunked(5 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert_clean_error(r, 413, json_body=True)
        token = csrf_of(client)
        r = client.post("/journal", data={"csrf_token": token, "note": "x" * (3 * 1024 * 1024)})
        assert_clean_error(r, 413, json_body=False)


def test_imports_have_their_own_larger_limit(settings: Settings) -> None:
    from dataclasses import replace

    with no_raise_client(replace(settings, max_import_bytes=4 * 1024 * 1024)) as client:
        padding = " " * (3 * 1024 * 1024)  # over the JSON limit, under the import limit
        doc = json.dumps(dict(EXPORT, journal=[]))[:-1] + padding + "}"
        r = client.post("/api/v1/import", content=doc, headers={"content-type": "application/json"})
        assert r.status_code == 200, r.text[:200]
        r = client.post(
            "/api/v1/import",
            content=doc + " " * (2 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert_clean_error(r, 413, json_body=True)


def test_echoed_values_are_cut_short(client: TestClient) -> None:
    r = client.post("/api/v1/assess", json={"findings": {"age": "9" * 1_000_000}})
    assert r.status_code == 422 and len(r.content) < 2000
    r = client.post("/api/v1/assess", json={"findings": {"k" * 1_000_000: True}})
    assert r.status_code == 422 and len(r.content) < 2000


def test_the_upload_limit_counts_every_part(settings: Settings) -> None:
    from dataclasses import replace

    def body() -> Any:  # chunked, no Content-Length: 450 kB of small fields, a tiny file
        for n in range(50):
            yield f'--B\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\n'.encode()
            yield b"x" * 9000 + b"\r\n"
        yield b'--B\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\n'
        yield MP4_HEAD + b"x" * 10 + b"\r\n--B--\r\n"

    with no_raise_client(replace(settings, max_upload_bytes=100_000)) as client:
        r = client.post(
            "/api/v1/analyses",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=B"},
        )
        assert_clean_error(r, 413, json_body=True)
        assert list(settings.analyses_dir.iterdir()) == []


def test_a_stalled_upload_times_out(settings: Settings) -> None:
    from dataclasses import replace

    import anyio

    app = create_app(replace(settings, upload_stall_s=0.5))
    head = (
        b'--B\r\nContent-Disposition: form-data; name="video"; filename="a.mp4"\r\n\r\n' + MP4_HEAD
    )
    sent: list[MutableMapping[str, Any]] = []

    async def run() -> None:
        messages = [{"type": "http.request", "body": head, "more_body": True}]

        async def receive() -> MutableMapping[str, Any]:
            if messages:
                return messages.pop(0)
            await anyio.sleep(3600)  # the client went quiet
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/analyses",
            "raw_path": b"/api/v1/analyses",
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"content-type", b"multipart/form-data; boundary=B"),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("testserver", 80),
            "state": {},
        }
        with anyio.fail_after(10):
            await app(scope, receive, send)

    with TestClient(app) as client:
        assert client.portal is not None
        client.portal.call(run)
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 408
    assert list(settings.analyses_dir.iterdir()) == []
