"""Network-mode building blocks without a server: pairing codes (single use, expiry), the
attempt limit, the signed device cookie, the device store, LAN hosts and the QR code."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from backcheck.storage import open_database
from backcheck.web.pairing.codes import CODE_TTL_S, MAX_OUTSTANDING, PairingCodes, RateLimiter
from backcheck.web.pairing.cookie import read_device, sign_device
from backcheck.web.pairing.lan import (
    allowed_hosts_for,
    host_header_form,
    is_loopback,
    lan_address,
)
from backcheck.web.pairing.network import NetworkMode
from backcheck.web.pairing.qr import qr_svg, qr_terminal
from backcheck.web.pairing.store import (
    active_device,
    describe_device,
    list_devices,
    pair_device,
    revoke_device,
)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_code_pairs_once() -> None:
    codes = PairingCodes(clock=FakeClock())
    code = codes.issue().code
    assert codes.redeem(code)
    assert not codes.redeem(code)
    assert codes.outstanding() == 0


def test_an_unknown_code_never_pairs() -> None:
    codes = PairingCodes(clock=FakeClock())
    real = codes.issue().code
    assert not codes.redeem("")
    assert not codes.redeem(real[:-1])
    assert not codes.redeem(real.upper())  # the view lower-cases; the store is exact
    assert codes.redeem(real)


def test_a_code_expires_after_ten_minutes() -> None:
    clock = FakeClock()
    codes = PairingCodes(clock=clock)
    early, late = codes.issue().code, codes.issue().code
    clock.now += CODE_TTL_S - 1
    assert codes.redeem(early)
    clock.now += 1
    assert not codes.redeem(late)
    assert CODE_TTL_S == 600


def test_codes_are_random_and_outstanding_ones_are_capped() -> None:
    codes = PairingCodes(clock=FakeClock())
    issued = [codes.issue().code for _ in range(MAX_OUTSTANDING + 5)]
    assert len(set(issued)) == len(issued)
    assert codes.outstanding() == MAX_OUTSTANDING
    assert not codes.redeem(issued[0])  # the oldest went first
    assert codes.redeem(issued[-1])


def test_rate_limit_per_client_then_recovers() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_client=3, overall=100, window_s=600, clock=clock)
    assert [limiter.attempt("10.0.0.2") for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.now += 100
    assert limiter.attempt("10.0.0.2") == pytest.approx(500)
    assert limiter.attempt("10.0.0.3") == 0.0  # others are not punished
    clock.now += 500
    assert limiter.attempt("10.0.0.2") == 0.0


def test_rate_limit_overall_stops_address_hopping() -> None:
    clock = FakeClock()
    limiter = RateLimiter(per_client=3, overall=5, window_s=600, clock=clock)
    for i in range(5):
        assert limiter.attempt(f"10.0.0.{i}") == 0.0
    assert limiter.attempt("10.0.0.99") > 0
    clock.now += 601
    assert limiter.attempt("10.0.0.99") == 0.0


DEVICE = "0123456789abcdef0123456789abcdef"


def test_device_cookie_round_trip() -> None:
    assert read_device("key", sign_device("key", DEVICE)) == DEVICE


@pytest.mark.parametrize("position", [0, 5, 20, -3, -5])  # not -1: base64 padding bits
def test_a_tampered_device_cookie_is_refused(position: int) -> None:
    value = sign_device("key", DEVICE)
    chars = list(value)
    chars[position] = "A" if chars[position] != "A" else "B"
    assert read_device("key", "".join(chars)) is None


def test_device_cookies_from_another_key_or_shape_are_refused() -> None:
    assert read_device("other-key", sign_device("key", DEVICE)) is None
    assert read_device("key", sign_device("key", "not-a-device-id")) is None
    assert read_device("key", None) is None
    assert read_device("key", "") is None
    assert read_device("key", DEVICE) is None  # an unsigned id


def test_device_store_pairs_lists_and_revokes(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path / 'app.db'}")
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    try:
        with db.session() as s:
            phone = pair_device(session=s, name="Android phone, Chrome", now=start).id
            laptop = pair_device(session=s, name="Linux computer, Firefox", now=start).id
        with db.session() as s:
            # seen again after 30 s: not written (one write a minute at most)
            d = active_device(session=s, device_id=phone, now=start + timedelta(seconds=30))
            assert d is not None and d.last_seen_at.replace(tzinfo=UTC) == start
            d = active_device(session=s, device_id=laptop, now=start + timedelta(minutes=5))
            assert d is not None
        with db.session() as s:
            assert [x.id for x in list_devices(session=s)] == [laptop, phone]
            assert revoke_device(session=s, device_id=phone, now=start + timedelta(hours=1))
            assert not revoke_device(session=s, device_id=phone, now=start)
            assert not revoke_device(session=s, device_id="f" * 32, now=start)
        with db.session() as s:
            assert active_device(session=s, device_id=phone, now=start) is None
            assert active_device(session=s, device_id="f" * 32, now=start) is None
            assert active_device(session=s, device_id=laptop, now=start) is not None
            assert [x.id for x in list_devices(session=s)] == [laptop, phone]  # revoked last
    finally:
        db.close()


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            "Android phone, Chrome",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "iPhone, Safari",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Linux computer, Firefox",
        ),
        ("curl/8.5.0", "Device"),
        ("", "Device"),
    ],
)
def test_device_names_in_plain_words(agent: str, name: str) -> None:
    assert describe_device(agent) == name


def test_allowed_hosts_follow_the_bind_address() -> None:
    assert allowed_hosts_for("192.168.1.20") == ("192.168.1.20",)
    assert allowed_hosts_for("fd00::5") == ("[fd00::5]",)
    assert "localhost" in allowed_hosts_for("127.0.0.1")
    every = allowed_hosts_for("0.0.0.0", ["127.0.0.1", "192.168.1.20", "fe80::1"])
    assert {"127.0.0.1", "localhost", "192.168.1.20", "[fe80::1]"} <= set(every)
    assert "10.9.9.9" not in every


def test_address_helpers() -> None:
    assert is_loopback("127.0.0.5") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.2") and not is_loopback("example.org")
    assert host_header_form("fd00::1") == "[fd00::1]"
    assert host_header_form("10.0.0.1") == "10.0.0.1"
    assert lan_address(["127.0.0.1"]) is None
    assert lan_address(["127.0.0.1", "8.8.8.8", "192.168.0.7"]) in ("192.168.0.7",)


def test_pairing_link_and_qr() -> None:
    mode = NetworkMode(bind="0.0.0.0", port=8123, link_host="192.168.1.20")
    link = mode.pairing_link("abcdefghjkmn")
    assert link == "http://192.168.1.20:8123/pair/abcdefghjkmn"
    assert NetworkMode("fd00::1", 443, "fd00::1", tls=True).base_url == "https://[fd00::1]:443"
    svg = ET.fromstring(qr_svg(link))
    assert svg.tag.endswith("svg")
    rows = [r for r in qr_terminal(link).splitlines() if r.strip()]
    assert len(rows) >= 12  # a version-3 code is 29 modules: ~15 half-block rows plus border
