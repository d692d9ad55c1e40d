"""The API fuzzed from its own OpenAPI document (schemathesis): no request, however odd, gets a
5xx, and every error answer is the documented error body with the security headers.

Bounded for `make test`: a fixed number of generated requests per operation (FUZZ_EXAMPLES,
default 25), no deadline per example. The figures of each run (requests tried, statuses seen,
5xx found) are written to artifacts/fuzz/api.json.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from backcheck.web.app import create_app
from backcheck.web.security import SECURITY_HEADERS
from tests.web.web_support import REPO, make_settings

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
DATA = Path(tempfile.mkdtemp(prefix="backcheck-fuzz-"))
APP = create_app(make_settings(DATA))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
FIGURES: Counter[str] = Counter()
SERVER_ERRORS: list[str] = []


@pytest.fixture(scope="module", autouse=True)
def running_app() -> Iterator[None]:
    """The app's lifespan (database, job queue) around all the fuzzing; figures at the end."""
    with TestClient(APP):
        yield
    out = REPO / "artifacts" / "fuzz"
    out.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    (out / f"api-{worker}.json").write_text(
        json.dumps({"figures": dict(FIGURES), "server_errors": SERVER_ERRORS}, indent=2),
        encoding="utf-8",
    )


def check_error_body(case: Any, response: Any) -> None:
    """A 4xx answer: JSON {"error": {"status", "message", "field"?}} with a short message."""
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type.startswith("application/json"), (content_type, response.text[:500])
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) <= {"status", "message", "field"}, error
    assert error["status"] == response.status_code, error
    assert isinstance(error["message"], str) and 0 < len(error["message"]) <= 2000, error
    assert error.get("field") is None or isinstance(error["field"], str), error


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_from_its_schema(case: Any) -> None:
    response = case.call()
    FIGURES["requests"] += 1
    FIGURES[f"status {response.status_code}"] += 1
    if response.status_code >= 500:
        SERVER_ERRORS.append(f"{case.method} {case.formatted_path}: {response.status_code}")
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    for name, _value in SECURITY_HEADERS:
        assert name.decode() in response.headers, (name, case.method, case.formatted_path)
    if response.status_code >= 400:
        check_error_body(case, response)
