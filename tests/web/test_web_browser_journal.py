"""The journal page in a real headless Chromium, with a few entries and with two years of them,
at a phone's width (390 px) and a desktop's (1280 px): the page stays short, the older entries
are a link (or a key press) away. Screenshots go to artifacts/screenshots/jloop/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcheck.storage import JournalEntry, open_database
from backcheck.web.journal.service import PAGE_SIZE
from tests.web.web_support import SCREENSHOTS, LiveServer, start_server

pytestmark = pytest.mark.slow
SHOTS = SCREENSHOTS / "jloop"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
TODAY = date.today()
NOTES = ("", "", "stiff in the morning", "after deadlifts", "", "long drive")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = start_server(tmp_path)
    try:
        yield live
    finally:
        live.stop()


def seed(server: LiveServer, days: int, per_day: int) -> None:
    """A journal straight into the server's database: pain easing over the weeks, walking and
    heat helping, a training note now and then."""
    db = open_database(f"sqlite:///{server.data_dir / 'backcheck.db'}")
    rows = []
    for d in range(days):
        for n in range(per_day):
            rows.append(
                JournalEntry(
                    day=TODAY - timedelta(days=d),
                    pain=max(0, min(10, 2 + d * 5 // max(days, 1) + (d + n) % 3)),
                    activities=["walking", "heat"] if n % 2 else ["training"],
                    responses={"walking": "better", "heat": "same"} if n % 2 else {},
                    training="" if n % 2 else "squats 3x5",
                    note=NOTES[(d + n) % len(NOTES)],
                )
            )
    try:
        with db.session() as session:
            session.add_all(rows)
    finally:
        db.close()


def visit(browser: Any, server: LiveServer, width: str, name: str) -> Any:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, device_scale_factor=1)
    page = context.new_page()
    page.goto(server.url + "/journal")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"journal_{name}_{width}.png"), full_page=True)
    return page


def test_a_long_journal_shows_one_page_of_entries(browser: Any, server: LiveServer) -> None:
    seed(server, days=730, per_day=2)
    for width in WIDTHS:
        page = visit(browser, server, width, "many")
        assert page.locator("table.entries tbody tr").count() == PAGE_SIZE
        assert "of 1,460, newest first" in page.inner_text("#entries")
        assert 0 < page.locator("svg.chart circle").count() <= 92
        # Nothing wider than the screen but the table, which scrolls inside its box.
        overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, width
        # The keyboard reaches the older entries: focus the link, press Enter.
        page.locator("nav.page-links a", has_text="Older entries").first.focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/journal?older=*")
        assert page.locator("table.entries tbody tr").count() == PAGE_SIZE
        assert "Entries 31 to 60 of 1,460" in page.inner_text("#entries")
        page.screenshot(path=str(SHOTS / f"journal_many_older_{width}.png"), full_page=False)
        page.fill("#until", (TODAY - timedelta(days=400)).isoformat())
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**/journal?until=*")
        first_date = page.locator("table.entries tbody tr td").first.inner_text()
        assert first_date == (TODAY - timedelta(days=400)).isoformat()
        page.context.close()


def test_a_short_journal_shows_every_entry_and_no_page_links(
    browser: Any, server: LiveServer
) -> None:
    seed(server, days=4, per_day=1)
    for width in WIDTHS:
        page = visit(browser, server, width, "few")
        assert page.locator("table.entries tbody tr").count() == 4
        assert "All 4 entries, newest first." in page.inner_text("#entries")
        assert page.locator("nav.page-links").count() == 0
        assert page.locator("#until").count() == 0
        assert page.locator("svg.chart circle").count() == 4
        page.context.close()
