"""Network mode through the TestClient, bound to loopback: nothing without a paired device
(every API route of the OpenAPI document, every page), pairing once per code, expiry,
revocation, the attempt limit, tampered cookies, the Host allow-list; the manifest."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from backcheck.storage.models import JournalEntry
from backcheck.web.app import create_app
from backcheck.web.pairing.codes import PairingCodes, RateLimiter
from backcheck.web.pairing.cookie import DEVICE_COOKIE, sign_device
from backcheck.web.pairing.gate import is_open_path
from backcheck.web.pairing.network import NetworkMode
from backcheck.web.pairing.store import pair_device
from backcheck.web.settings import Settings
from tests.web.web_support import csrf_of, make_settings

SECRET_NOTE = "private-note-7f3a"
FILLER = "0123456789abcdef0123456789abcdef"


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def net_settings(tmp_path: Path) -> Settings:
    mode = NetworkMode(bind="127.0.0.1", port=8000, link_host="127.0.0.1")
    return replace(make_settings(tmp_path), network=mode)


@pytest.fixture
def app_client(net_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(net_settings)) as c:
        with c.app.state.ctx.db.session() as s:  # type: ignore[attr-defined]
            s.add(JournalEntry(day=date(2026, 1, 2), pain=4, note=SECRET_NOTE))
        yield c


def new_code(client: TestClient) -> str:
    code: str = client.app.state.pairing.codes.issue().code  # type: ignore[attr-defined]
    return code


def pair(client: TestClient, code: str | None = None) -> None:
    r = client.get(f"/pair/{code or new_code(client)}", follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/devices?paired=1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}=") and "HttpOnly" in cookie
    assert "Max-Age=34560000" in cookie and "SameSite=Lax" in cookie


def fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", FILLER, path)


def every_route(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """Every route of the app, through included routers, with its methods."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, set(route.methods or ())
        elif hasattr(route, "original_router"):  # FastAPI's included router
            yield from every_route(
                route.original_router.routes, prefix + route.include_context.prefix
            )


def api_operations(client: TestClient) -> list[tuple[str, str]]:
    client.cookies.update(paired_cookie(client))
    spec: dict[str, Any] = client.get("/openapi.json").json()
    client.cookies.clear()
    return [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]


def paired_cookie(client: TestClient) -> dict[str, str]:
    """A valid device cookie for a device paired straight in the store."""
    ctx = client.app.state.ctx  # type: ignore[attr-defined]
    with ctx.db.session() as s:
        device_id = pair_device(session=s, name="test", now=datetime.now(UTC)).id
    return {DEVICE_COOKIE: sign_device(ctx.settings.secret_key, device_id)}


def test_every_api_route_answers_401_json_unpaired(app_client: TestClient) -> None:
    operations = api_operations(app_client)
    assert len(operations) >= 10  # the document really was read
    app_client.cookies.clear()
    for method, path in operations:
        r = app_client.request(method, fill(path), json={})
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.headers["content-type"] == "application/json"
        body = r.json()
        assert body["error"]["status"] == 401 and "paired" in body["error"]["message"]
        assert SECRET_NOTE not in r.text


def test_every_page_route_shows_the_pair_page_unpaired(app_client: TestClient) -> None:
    app_client.cookies.clear()
    seen = 0
    for raw_path, methods in every_route(app_client.app.routes):  # type: ignore[attr-defined]
        path = fill(raw_path)
        if path.startswith("/api/") or is_open_path(path):
            continue
        for method in methods:
            r = app_client.request(method, path, follow_redirects=False)
            assert r.status_code == 401, (method, path, r.status_code)
            if method != "HEAD":
                assert "Pair this device" in r.text, path
            assert SECRET_NOTE not in r.text
            seen += 1
    for path in ("/openapi.json", "/docs", "/journal", "/no/such/page"):
        assert app_client.get(path).status_code == 401
    assert seen >= 15


def test_pairing_opens_everything_and_a_code_works_once(app_client: TestClient) -> None:
    code = new_code(app_client)
    pair(app_client, code)
    assert app_client.get("/api/v1/journal/entries").status_code == 200
    assert SECRET_NOTE in app_client.get("/journal").text
    page = app_client.get("/devices")
    assert page.status_code == 200 and "This device is paired" not in page.text
    assert "this device" in page.text and "<svg" in page.text
    assert re.search(r'href="http://127\.0\.0\.1:8000/pair/[a-z2-9]{12}"', page.text)
    # the same link on a second device: refused
    other = TestClient(app_client.app)
    r = other.get(f"/pair/{code}", follow_redirects=False)
    assert r.status_code == 404 and "already used" in r.text
    assert other.get("/api/v1/journal/entries").status_code == 401


def test_a_paired_device_opening_a_link_does_not_use_it_up(app_client: TestClient) -> None:
    pair(app_client)
    code = new_code(app_client)
    assert app_client.get(f"/pair/{code}", follow_redirects=False).status_code == 303
    phone = TestClient(app_client.app)
    pair(phone, code)


def test_codes_expire_after_ten_minutes(app_client: TestClient) -> None:
    clock = FakeClock()
    app_client.app.state.pairing.codes = PairingCodes(clock=clock)  # type: ignore[attr-defined]
    late = new_code(app_client)
    clock.now += 601
    r = app_client.get(f"/pair/{late}", follow_redirects=False)
    assert r.status_code == 404
    on_time = new_code(app_client)
    clock.now += 599
    pair(app_client, on_time)


def test_revoking_a_device_locks_it_out_at_once(app_client: TestClient) -> None:
    pair(app_client)
    phone = TestClient(
        app_client.app,
        headers={"user-agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5) Safari/604.1"},
    )
    pair(phone)
    assert phone.get("/api/v1/journal/entries").status_code == 200
    page = app_client.get("/devices").text
    assert "iPhone, Safari" in page
    ids = re.findall(r'action="/devices/([0-9a-f]{32})/revoke"', page)
    assert len(ids) == 2
    phone_id = _device_of(phone)
    assert phone_id in ids
    token = csrf_of(app_client, "/devices")
    r = app_client.post(
        f"/devices/{phone_id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    assert phone.get("/api/v1/journal/entries").status_code == 401
    assert phone.get("/journal").status_code == 401
    assert app_client.get("/api/v1/journal/entries").status_code == 200
    assert "Revoked" in app_client.get("/devices").text
    # without the form token nothing is revoked
    mine = next(i for i in ids if i != phone_id)
    r = app_client.post(f"/devices/{mine}/revoke", data={}, follow_redirects=False)
    assert r.status_code == 403
    assert app_client.get("/api/v1/journal/entries").status_code == 200


def _device_of(client: TestClient) -> str:
    from itsdangerous import URLSafeTimedSerializer

    value = client.cookies[DEVICE_COOKIE]
    loaded: str = URLSafeTimedSerializer("test-secret", salt="backcheck-paired-device").loads(value)
    return loaded


def test_pairing_attempts_are_rate_limited(app_client: TestClient) -> None:
    clock = FakeClock()
    app_client.app.state.pairing.limiter = RateLimiter(per_client=10, clock=clock)  # type: ignore[attr-defined]
    for _ in range(10):
        assert app_client.get("/pair/wrongwrongwr").status_code == 404
    good = new_code(app_client)
    r = app_client.get(f"/pair/{good}", follow_redirects=False)
    assert r.status_code == 429 and "Too many pairing attempts" in r.text
    assert app_client.get("/api/v1/journal/entries").status_code == 401
    clock.now += 601
    pair(app_client, good)  # the code was not used up by the refused attempt


@pytest.mark.parametrize("mangle", ["flip", "other-key", "unsigned", "garbage"])
def test_a_tampered_device_cookie_gets_nothing(app_client: TestClient, mangle: str) -> None:
    pair(app_client)
    value = app_client.cookies[DEVICE_COOKIE]
    device = _device_of(app_client)
    forged = {
        "flip": value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"),
        "other-key": sign_device("another-secret", device),
        "unsigned": device,
        "garbage": '"; other=1',
    }[mangle]
    app_client.cookies.clear()
    app_client.cookies.set(DEVICE_COOKIE, forged)
    assert app_client.get("/api/v1/journal/entries").status_code == 401
    assert SECRET_NOTE not in app_client.get("/journal").text


def test_unknown_hosts_are_refused_before_pairing(app_client: TestClient) -> None:
    pair(app_client)
    r = app_client.get("/api/v1/journal/entries", headers={"host": "evil.example:8000"})
    assert r.status_code == 400


def test_pair_page_assets_stay_open(app_client: TestClient) -> None:
    for path in ("/static/style.css", "/static/upload.js", "/manifest.webmanifest"):
        assert app_client.get(path).status_code == 200, path


def test_loopback_mode_has_no_pairing(client: TestClient) -> None:
    assert client.get("/api/v1/journal/entries").status_code == 200
    assert client.get("/pair/abcdefghjkmn").status_code == 404
    assert client.get("/devices").status_code == 404
    assert "/devices" not in client.get("/").text


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_manifest_is_served_and_valid(client: TestClient) -> None:
    r = client.get("/manifest.webmanifest")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    m = r.json()
    assert m["name"] and m["short_name"] and m["start_url"] == "/"
    assert m["display"] in ("standalone", "fullscreen", "minimal-ui")
    sizes = set()
    for icon in m["icons"]:
        got = client.get(icon["src"])
        assert got.status_code == 200, icon["src"]
        assert got.headers["content-type"].startswith(icon["type"])
        if icon["type"] == "image/png":
            w, h = _png_size(got.content)
            assert f"{w}x{h}" == icon["sizes"]
            sizes.add(w)
    assert {192, 512} <= sizes
    home = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home
