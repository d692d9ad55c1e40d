"""The plan, the programme and the journal's session log in a real headless Chromium at
phone width: every picture loads, the CSP blocks nothing, logging a session takes a few taps,
deleting an entry with a warning sign asks first. Screenshots: artifacts/screenshots/plan/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backcheck.web.settings import Settings
from tests.web.test_web_programme import add_interview
from tests.web.web_support import SCREENSHOTS, LiveServer, start_server

pytestmark = pytest.mark.slow
SHOTS = SCREENSHOTS / "plan"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    s = start_server(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    pg = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    pg.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    pg.base = server.url
    yield pg
    context.close()
    assert not problems, problems  # a CSP refusal is reported here as a console error
    assert not outside, outside


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def interview(server: LiveServer, **findings: Any) -> str:
    settings = Settings(
        database_url=f"sqlite:///{server.data_dir / 'backcheck.db'}",
        data_dir=server.data_dir,
        secret_key="unused",
    )
    return add_interview(settings, **findings)


def all_pictures_loaded(page: Any) -> int:
    count: int = page.evaluate(
        "() => Array.from(document.querySelectorAll('img.figure'))"
        ".filter(i => i.complete && i.naturalWidth === 240).length"
    )
    assert count == page.locator("img.figure").count()
    return count


def test_plan_on_a_phone_groups_pictures_and_print(page: Any, server: LiveServer) -> None:
    iid = interview(server, lift="deadlift", back_arches_at_lockout=True, phase="lockout")
    page.goto(f"{page.base}/interview/{iid}/result")
    causes_y = page.locator("section.causes").bounding_box()["y"]
    assert causes_y < page.locator("#plan").bounding_box()["y"], "causes come before the plan"
    groups = page.locator("details.plan-group")
    assert groups.count() == 5  # relief, keep training, fix, the programme, the safety net
    assert "First:" in page.inner_text("#plan-train_around summary")
    shot(page, "deadlifter_result_phone")
    height_closed = page.evaluate("() => document.body.scrollHeight")
    assert height_closed < 3500, height_closed
    page.click("#plan-train_around summary")
    assert page.is_visible("#item-lockout_glutes")
    page.wait_for_timeout(300)
    assert all_pictures_loaded(page) >= 5
    shot(page, "deadlifter_result_phone_training_open")
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(page.base + "/report")
    page.emulate_media(media="print")
    assert page.is_visible("#item-lockout_glutes") and page.is_visible("#plan-programme")
    assert all_pictures_loaded(page) >= 5
    shot(page, "deadlifter_report_print")
    page.pdf(path=str(SHOTS / "deadlifter_report.pdf"), format="A4", print_background=True)


def test_today_log_a_session_in_a_few_taps(page: Any, server: LiveServer) -> None:
    interview(server, lift="squat", back_rounds_at_bottom=True, phase="bottom")
    page.goto(page.base + "/today")
    assert page.get_attribute("#programme-state", "data-phase") == "settle"
    all_pictures_loaded(page)
    shot(page, "squatter_today_phone")
    page.click("label.pill:has(input[name=pain][value='2'])")
    page.click("label.pill:has(input[name=pain_during][value='2'])")
    page.get_by_role("button", name="Save session").click()  # three taps
    page.wait_for_selector("#morning-form")
    assert page.get_attribute("#programme-state", "data-status") == "waiting"
    shot(page, "squatter_today_waiting_phone")
    page.click("#morning-form label.pill:has(input[value='2'])")
    page.get_by_role("button", name="Save this morning's pain").click()
    page.wait_for_selector("#programme-state[data-status=on_track]")
    shot(page, "squatter_today_on_track_phone")


def test_delete_an_entry_with_a_warning_sign_asks_first(page: Any, server: LiveServer) -> None:
    interview(server, lift="overhead_press", arches_when_pressing_overhead=True)
    page.goto(page.base + "/journal")
    page.click("label.pill:has(input[name=pain][value='3'])")
    page.click("label.pill:has(input[name=response_walking][value=better])")
    page.click("label.pill:has(input[name=response_rest][value=worse])")
    page.click("#entry-form details summary")
    page.click("label.pill:has(input[name=symptoms][value=pain_worse_cough_sneeze])")
    shot(page, "journal_form_phone")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_selector("#triage-result")
    assert page.get_attribute("#triage-result", "data-level") == "urgent"
    page.get_by_role("button", name="Delete entry").first.click()
    page.wait_for_selector("#confirm-delete")
    assert "Pain much worse when you cough or sneeze" in page.inner_text("#confirm-delete")
    shot(page, "journal_confirm_delete_phone")
    page.get_by_role("link", name="No, keep it").click()
    page.wait_for_selector("#triage-result")
    assert page.locator("table.entries tbody tr").count() == 1
