"""Issue 7 defect 1 on each database: inputs a column cannot hold are 4xx, never 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from backcheck.web.app import create_app
from backcheck.web.security import SECURITY_HEADERS
from backcheck.web.settings import Settings

HEADERS = [name.decode() for name, _value in SECURITY_HEADERS]
STAMP = "2025-03-01T10:00:00+00:00"


@pytest.fixture
def client(database_url: str, tmp_path: Path) -> TestClient:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="k",
        allowed_hosts=("testserver",),
    )
    return TestClient(create_app(settings))


def _clean_4xx(status: int, headers: dict[str, str], expected: int) -> None:
    assert status == expected
    assert all(name in headers for name in HEADERS)


def test_values_no_column_can_hold_are_refused(client: TestClient) -> None:
    with client:
        for entry_id in (2**31, 2**63, 10**30):
            r = client.get(f"/api/v1/journal/entries/{entry_id}")
            _clean_4xx(r.status_code, dict(r.headers), 404)
            r = client.put(f"/api/v1/journal/entries/{entry_id}", json={"pain": 1})
            _clean_4xx(r.status_code, dict(r.headers), 404)
        r = client.post("/api/v1/journal/entries", json={"pain": 3, "note": "a\x00b"})
        _clean_4xx(r.status_code, dict(r.headers), 422)
        assert r.json()["error"]["field"] == "note"
        r = client.post("/api/v1/journal/entries", json={"pain": 3, "training": "\x00"})
        _clean_4xx(r.status_code, dict(r.headers), 422)
        long_level = {
            "format": "backcheck-export",
            "version": 1,
            "interviews": [
                {
                    "id": "a" * 32,
                    "created_at": STAMP,
                    "updated_at": STAMP,
                    "findings": {},
                    "asked": [],
                    "finished": False,
                    "level": "x" * 500,
                }
            ],
            "journal": [
                {
                    "uid": "b" * 32,
                    "created_at": STAMP,
                    "day": "2025-03-01",
                    "pain": 2,
                    "note": "\x00",
                }
            ],
        }
        r = client.post("/api/v1/import", json=long_level)
        _clean_4xx(r.status_code, dict(r.headers), 422)
        long_level.pop("journal")
        r = client.post("/api/v1/import", json=long_level)
        assert r.status_code == 200  # the stored level is recomputed, so its length is moot
        level = client.get("/api/v1/export").json()["interviews"][0]["level"]
        assert level in ("self_care", "see_clinician", "urgent", "emergency")
        assert client.get("/api/v1/journal/entries").json() == []
