"""The phone flow in a real Chromium at phone sizes, against `backcheck serve --network`
bound to loopback: the unpaired page, pairing by the printed link, the camera upload with
its progress bar (upload throttled so the bar is seen moving), the result of a real clip;
one-handed sizes (no sideways scrolling, pain-scale buttons of 44 px or more) and the
laptop pairing from the phone's devices page. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backcheck.jobs.runner import DEFAULT_RUNNER_SPEC, video_available
from tests.web.web_support import CLIPS, SCREENSHOTS, LiveServer, start_server

pytestmark = pytest.mark.slow
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Mobile Safari/537.36"
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    runner = DEFAULT_RUNNER_SPEC if video_available() else "fake_runner:FakeRunner"
    s = start_server(tmp_path, runner=runner, extra_args=("--network", "--host", "127.0.0.1"))
    yield s
    s.stop()


def phone(browser: Any, server: LiveServer, width: int = 390) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(
        viewport={"width": width, "height": 844},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        user_agent=ANDROID,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else problems.append(r.url))
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return context, page, problems


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def assert_fits(page: Any) -> None:
    """Nothing sticks out sideways (tables scroll inside their own box)."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.evaluate("() => window.innerWidth")
    assert width <= viewport, f"{page.url}: {width}px wide in a {viewport}px screen"


def test_phone_pairs_uploads_a_clip_and_sees_the_result(browser: Any, server: LiveServer) -> None:
    clip = CLIPS / "dl_garage_rounded.mp4"
    if not clip.exists():
        pytest.skip(f"clip not found: {clip}")
    context, page, problems = phone(browser, server)
    base = server.url
    # Unpaired: the pair page, nothing else.
    response = page.goto(base + "/journal")
    assert response.status == 401
    assert page.get_by_role("heading", name="Pair this device").is_visible()
    assert_fits(page)
    shot(page, "phone_unpaired")
    # Pair by opening the printed link.
    page.goto(server.pairing_link())
    page.wait_for_selector("#paired-notice")
    assert "Android phone, Chrome" in page.inner_text("#devices")
    assert_fits(page)
    shot(page, "phone_devices_paired")
    # The upload form: the camera, the filming guide with its picture.
    page.goto(base + "/analyses")
    video_input = page.locator("#video")
    assert video_input.get_attribute("capture") == "environment"
    assert video_input.get_attribute("accept") == "video/*"
    assert page.locator("#video-pick").is_visible()  # the script offers the phone's gallery too
    assert page.evaluate("() => document.querySelector('#filming-guide img').naturalWidth") > 0
    assert_fits(page)
    shot(page, "phone_upload")
    # Upload with the network slowed down so the progress bar is seen moving.
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 5, "downloadThroughput": -1, "uploadThroughput": 200_000},
    )
    page.set_input_files("#video", str(clip))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_function(
        "() => { const b = document.getElementById('upload-bar');"
        " return b && b.value > 0.05 && b.value < 0.95; }",
        timeout=30_000,
    )
    assert "Uploaded" in page.inner_text("#upload-text")
    shot(page, "phone_upload_progress")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.wait_for_selector("#job", timeout=60_000)
    page.wait_for_selector("video#annotated", timeout=240_000)
    assert page.locator("table.reps tbody tr").count() >= 1
    assert_fits(page)
    shot(page, "phone_result")
    # One-handed: every pain-scale button is at least 44 px each way, at 390 and 360 px.
    for width in (390, 360, 430):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(base + "/journal")
        boxes = page.eval_on_selector_all(
            ".scale .pill span",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [r.width, r.height]; })",
        )
        assert len(boxes) == 11
        assert min(w for w, _ in boxes) >= 44 and min(h for _, h in boxes) >= 44, (width, boxes)
        assert_fits(page)
    shot(page, "phone_journal_430")
    # The laptop pairs from the link on the phone's devices page.
    page.goto(base + "/devices")
    link = page.get_attribute("#pairing-link", "href")
    assert link and "/pair/" in link
    laptop = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = laptop.new_page()
    desk.goto(link)
    desk.wait_for_selector("#paired-notice")
    assert desk.locator("#devices tbody tr").count() == 2
    shot(desk, "desktop_devices")
    laptop.close()
    context.close()
    assert not problems, problems
