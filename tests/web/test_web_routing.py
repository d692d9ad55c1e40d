"""The request path built for speed answers as the one it replaced: a flat route table
(not FastAPI's included-router nodes), the assess API on the event loop, uvicorn's C parser."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from backcheck.web import app as app_module
from backcheck.web.interview.views import api_assess
from backcheck.web.pairing.network import NetworkMode
from backcheck.web.settings import Settings
from tests.web.web_support import make_settings


def included_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    """The app built the way it was before: every router through ``include_router``."""

    def include(app: FastAPI, router: APIRouter) -> None:
        app.include_router(router)

    with monkeypatch.context() as patch:
        patch.setattr(app_module, "add_routes", include)
        return app_module.create_app(settings)


def route_table(routes: list[Any]) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(path, endpoint name, methods) of every route, through included routers."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route.path, route.endpoint.__name__, tuple(sorted(route.methods or ()))
        elif isinstance(route, Route):  # the OpenAPI document
            yield route.path, route.name, tuple(sorted(route.methods or ()))
        elif isinstance(route, Mount):
            yield route.path, type(route.app).__name__, ()
        elif hasattr(route, "original_router"):  # FastAPI's included-router node
            yield from route_table(route.original_router.routes)
        else:
            raise AssertionError(f"unexpected route {route!r}")


@pytest.mark.parametrize("network", [False, True], ids=["loopback", "network mode"])
def test_the_flat_table_has_every_route_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, network: bool
) -> None:
    mode = NetworkMode(bind="127.0.0.1", port=8000, link_host="127.0.0.1") if network else None
    settings = make_settings(tmp_path, network=mode)
    flat = app_module.create_app(settings)
    included = included_app(settings, monkeypatch)
    assert all(isinstance(r, Route | Mount) for r in flat.routes)  # no router nodes left
    flat_table = list(route_table(flat.routes))
    assert flat_table == list(route_table(included.routes))
    assert ("/api/v1/assess", "api_assess", ("POST",)) in flat_table
    assert len(flat_table) > 40


def test_the_flat_table_documents_the_same_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path)
    with TestClient(app_module.create_app(settings)) as flat:
        flat_spec = flat.get("/openapi.json").json()
    with TestClient(included_app(settings, monkeypatch)) as included:
        included_spec = included.get("/openapi.json").json()
    assert flat_spec == included_spec
    assert "422" in flat_spec["paths"]["/api/v1/assess"]["post"]["responses"]  # router-level
    assert flat_spec["paths"]["/api/v1/assess"]["post"]["tags"] == ["assess"]


def test_a_router_with_start_up_hooks_is_not_flattened() -> None:
    router = APIRouter()
    router.on_startup.append(lambda: None)
    with pytest.raises(ValueError, match="include_router"):
        app_module.add_routes(FastAPI(), router)


def test_assess_runs_on_the_event_loop_and_answers_the_same_json(client: TestClient) -> None:
    assert inspect.iscoroutinefunction(api_assess)  # no thread-pool hop per request
    case = {"findings": {"saddle_numbness": False, "age": 34, "pain_score": 5}}
    first = client.post("/api/v1/assess", json=case)
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert client.post("/api/v1/assess", json=case).content == first.content
    bad = client.post("/api/v1/assess", json={"findings": {"age": "old"}})
    assert bad.status_code == 422 and bad.json()["error"]["field"]


def test_uvicorn_parses_http_with_httptools() -> None:
    from uvicorn.protocols.http.auto import AutoHTTPProtocol

    assert AutoHTTPProtocol.__name__ == "HttpToolsProtocol"  # not pure-Python h11
