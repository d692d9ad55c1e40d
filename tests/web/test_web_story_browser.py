"""The "Tell us what happened" screen in a real headless Chromium, phone and desktop width."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web.web_support import SCREENSHOTS, LiveServer, start_server

pytestmark = pytest.mark.slow
EMERGENCY = (
    "felt something go on a 220 deadlift PR on thursday, now it shoots down both legs and "
    "my groin feels numb. my mate had sciatica last year lol"
)
EVERYDAY = (
    "tweaked my lower back on squats yesterday, butt wink at the bottom, about 5/10, "
    "no leg pain, no numbness, bladder fine. hurts to bend over"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    s = start_server(tmp_path_factory.mktemp("story"), runner="tests.web.fake_runner:FakeRunner")
    yield s
    s.stop()


def open_page(browser: Any, server: LiveServer, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    page.outside = outside
    return page


def tell(page: Any, server: LiveServer, text: str) -> None:
    page.goto(server.url + "/interview")
    page.get_by_role("link", name="Tell us what happened first").click()
    page.fill("#text", text)
    page.get_by_role("button", name="Read my story").click()
    page.wait_for_selector(".story-text")


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(("width", "name"), [(390, "phone"), (1280, "desktop")])
def test_emergency_story_shows_the_advice_first_and_marks_the_words(
    browser: Any, server: LiveServer, width: int, name: str
) -> None:
    page = open_page(browser, server, width)
    tell(page, server, EMERGENCY)
    shot(page, f"story_emergency_{name}")
    first = page.evaluate("() => document.body.firstElementChild.id")
    assert first == "emergency"
    marks = page.eval_on_selector_all(
        ".story-text mark.m-flag", "els => els.map(e => e.textContent)"
    )
    assert "groin feels numb" in marks and "shoots down both legs" in marks
    ignored = page.eval_on_selector_all(
        ".story-text mark.m-ignored", "els => els.map(e => e.textContent)"
    )
    assert ignored == ["sciatica"]
    body = page.inner_text("main")
    assert "Not counted" in body and "about someone else" in body
    assert "saddle_numbness" not in body and "_" not in body
    # no horizontal scrolling on a phone
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert not page.outside


def test_remove_one_tap_then_the_interview_asks_only_the_rest(
    browser: Any, server: LiveServer
) -> None:
    page = open_page(browser, server, 390)
    tell(page, server, EVERYDAY)
    shot(page, "story_everyday_phone")
    items = page.locator(".understood-list li")
    before = items.count()
    assert before >= 5
    page.get_by_role("button", name="Remove: Which lift were you doing when it started?").click()
    page.wait_for_selector(".story-text")
    assert page.locator(".understood-list li").count() == before - 1
    assert "Removed: 1 item" in page.inner_text("main")
    denied = page.inner_text("main")
    assert "You said no to these" in denied
    page.get_by_role("button", name="That's right: go on to the questions").click()
    page.wait_for_selector("[data-question]")
    shot(page, "story_then_first_question_phone")
    asked = page.get_attribute("[data-question]", "data-question")
    assert asked not in ("pain_score", "days_since_onset")  # the story answered those
