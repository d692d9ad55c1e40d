"""End to end in a real headless Chromium (Debian's, driven by Playwright) against
`backcheck serve` running in a subprocess. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcheck.core import load_knowledge
from backcheck.jobs.runner import DEFAULT_RUNNER_SPEC, video_available
from tests.web.web_support import CLIPS, SCREENSHOTS, LiveServer, start_server

pytestmark = pytest.mark.slow
KB = load_knowledge()
# A muscular strain from a lift: the pain changes with movement and started with the lift.
# ("Is the pain the same whatever you do?" is answered No.)
YES = {"onset_with_lift", "improves_with_movement"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    runner = DEFAULT_RUNNER_SPEC if video_available() else "tests.web.fake_runner:FakeRunner"
    s = start_server(tmp_path, runner=runner)
    yield s
    s.stop()


@pytest.fixture
def page(browser: Any, server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 412, "height": 915}, device_scale_factor=1)
    pg = context.new_page()
    outside: list[str] = []
    pg.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    csp_errors: list[str] = []
    pg.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    pg.base = server.url
    yield pg
    context.close()
    assert not outside, f"requests left the machine: {outside}"
    assert not csp_errors, csp_errors


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def start_interview(page: Any) -> None:
    page.goto(page.base + "/interview")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("[data-screen]")


SELF_CARE = {"lift": "Deadlift", "phase": "At the bottom", "onset": "Suddenly, at one moment",
             "pain_trend": "Getting better", "leg_weakness": "No, not weaker"}
NUMBERS = {"days_since_onset": "1", "pain_score": "3", "age": "30"}


def answer_screen(page: Any, choose: dict[str, str] | None = None) -> str:
    """Answer every question on the current screen; return the screen id."""
    sid: str = page.get_attribute("[data-screen]", "data-screen")
    for field in page.query_selector_all("fieldset[data-question]"):
        qid = field.get_attribute("data-question")
        if field.is_hidden():  # asked only after another answer on this screen
            continue
        definition = KB.findings[qid]
        if definition.type in ("int", "number"):
            if qid in NUMBERS:
                field.query_selector("input").fill(NUMBERS[qid])
            continue
        if choose and qid in choose:
            label = choose[qid]
        elif definition.type == "bool":
            label = "Yes" if qid in YES else "No"
        else:
            label = SELF_CARE.get(qid, "I don't know")
        field.query_selector(f'label.option:has-text("{label}") input').check()
    page.get_by_role("button", name="Next", exact=True).click()
    page.wait_for_load_state()
    return sid


def test_did_self_care_help_shows_only_once_yes_is_picked(page: Any) -> None:
    start_interview(page)
    assert answer_screen(page) == "the_lift"
    relieved = page.locator('fieldset[data-question="relieved_by_conservative_care"]')
    tried = page.locator('fieldset[data-question="tried_conservative_care"]')
    assert relieved.is_hidden()
    tried.locator('label.option:has-text("Yes") input').first.check()
    assert relieved.is_visible()
    relieved.locator('label.option:has-text("No") input').first.check()
    shot(page, "interview_pain_now_tried_phone")
    tried.locator('label.option:has-text("No") input').first.check()
    assert relieved.is_hidden()
    assert relieved.locator("input:checked").count() == 0  # a hidden answer is not sent
    assert page.locator('fieldset[data-question="pregnant_or_recent_birth"]').is_visible()


def test_emergency_interview_puts_the_advice_first(page: Any) -> None:
    start_interview(page)
    shot(page, "interview_question_phone")
    assert answer_screen(page) == "the_lift"
    assert answer_screen(page) == "the_pain_now"
    shot(page, "interview_safety_screen_phone")
    answer_screen(page, {"saddle_numbness": "Yes"})
    page.wait_for_selector("#emergency")
    shot(page, "result_emergency_phone")
    first = page.evaluate(
        "() => { const el = document.body.firstElementChild; const r = el.getBoundingClientRect();"
        " return {id: el.id, top: r.top, width: r.width, vw: document.documentElement.clientWidth,"
        " visible: getComputedStyle(el).visibility, display: getComputedStyle(el).display} }"
    )
    assert first["id"] == "emergency" and first["top"] == 0
    assert first["width"] == first["vw"] and first["visible"] == "visible"
    assert first["display"] != "none"
    # Nothing on the page covers it.
    covered = page.evaluate(
        "() => { const r = document.getElementById('emergency').getBoundingClientRect();"
        " const el = document.elementFromPoint(r.left + r.width / 2, r.top + 20);"
        " return document.getElementById('emergency').contains(el) }"
    )
    assert covered is True
    assert "emergency" in page.inner_text("#emergency").lower()
    assert page.get_attribute("#triage-result", "data-level") == "emergency"


def complete_self_care_interview(page: Any) -> None:
    start_interview(page)
    for _ in range(40):
        if page.query_selector("[data-screen]") is None:
            break
        answer_screen(page)
    page.wait_for_selector("#triage-result")


def test_self_care_interview_shows_the_plan(page: Any) -> None:
    complete_self_care_interview(page)
    assert page.get_attribute("#triage-result", "data-level") == "self_care"
    assert page.query_selector("#emergency") is None
    assert page.locator("details.plan-group").count() >= 3
    page.click("#plan-relief summary")
    assert "How much" in page.inner_text("#plan-relief")
    assert page.locator(".plan-item").count() >= 2
    shot(page, "result_self_care_phone")


def test_journal_over_days_escalates_triage(page: Any) -> None:
    complete_self_care_interview(page)
    page.goto(page.base + "/journal")
    shot(page, "journal_empty_phone")
    for days_ago, pain in ((6, 5), (4, 5), (2, 6), (0, 6)):
        page.click(f"label.pill:has(input[name=pain][value='{pain}'])")
        page.click("label.pill:has(input[name=response_heat][value=same])")
        page.click("details summary")
        page.fill("#day", (date.today() - timedelta(days=days_ago)).isoformat())
        page.get_by_role("button", name="Save entry").click()
        page.wait_for_selector("#triage-result")
    assert page.get_attribute("#triage-result", "data-level") == "see_clinician"
    assert page.locator("svg.chart circle").count() == 4
    shot(page, "journal_escalated_phone")
    # A warning sign in today's entry shows its level at once.
    page.click("label.pill:has(input[name=pain][value='6'])")
    page.click("details summary")
    page.click("label.pill:has(input[name=symptoms][value=saddle_numbness])")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_selector("#emergency")
    assert page.evaluate("() => document.body.firstElementChild.id") == "emergency"
    page.set_viewport_size({"width": 900, "height": 1200})
    page.goto(page.base + "/report")
    assert page.evaluate("() => document.body.firstElementChild.id") == "emergency"
    assert page.locator("svg.chart").count() == 1
    page.emulate_media(media="print")
    assert page.is_hidden("header.site") and page.is_visible("#emergency")
    shot(page, "report_print")
    page.pdf(path=str(SCREENSHOTS / "report.pdf"), format="A4", print_background=True)
    assert (SCREENSHOTS / "report.pdf").stat().st_size > 10_000


def test_journal_form_validation_in_the_browser(page: Any) -> None:
    page.goto(page.base + "/journal")
    page.evaluate(
        "() => document.querySelectorAll('[required]').forEach(e => e.removeAttribute('required'))"
    )
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_selector("#pain-error")
    assert "0 to 10" in page.inner_text("#pain-error")


def test_upload_a_clip_and_see_the_result(page: Any, server: LiveServer, tmp_path: Path) -> None:
    clip = CLIPS / "dl_garage_rounded.mp4"
    if not clip.exists():
        pytest.skip(f"clip not found: {clip}")
    # `make` installs the video stack; if it does not import, that is a defect, not a skip.
    assert video_available(), "backcheck.video (mediapipe, cv2, av) does not import"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base + "/analyses")
    shot(page, "upload_desktop")
    page.set_input_files("#video", str(clip))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_selector("#job")
    page.wait_for_timeout(1500)
    shot(page, "analysis_progress_desktop")
    page.wait_for_selector("video#annotated", timeout=120_000)
    ready = page.evaluate(
        "() => new Promise(res => { const v = document.getElementById('annotated');"
        " if (v.readyState >= 1) return res(v.duration);"
        " v.addEventListener('loadedmetadata', () => res(v.duration));"
        " v.addEventListener('error', () => res(-1)); setTimeout(() => res(-2), 15000); })"
    )
    assert ready > 1, f"the annotated video does not play in the browser ({ready})"
    assert page.locator("table.reps tbody tr").count() >= 1
    assert page.locator("img.plot").count() >= 1
    page.evaluate("() => document.getElementById('annotated').currentTime = 0.6")
    page.wait_for_timeout(500)
    shot(page, "analysis_result_desktop")
    # A file that is not a video gets a clear page.
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("shopping list")
    page.goto(page.base + "/analyses")
    page.set_input_files("#video", str(bogus))
    page.get_by_role("button", name="Upload and analyse").click()
    page.wait_for_selector("#video-error")
    assert "not a video" in page.inner_text("#video-error")
    shot(page, "upload_not_a_video_desktop")


def test_home_and_docs_pages(page: Any) -> None:
    page.goto(page.base + "/")
    shot(page, "home_phone")
    page.goto(page.base + "/data")
    shot(page, "data_phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(page.base + "/docs")
    assert page.locator("table.api tbody tr").count() > 10
    shot(page, "api_docs_desktop")
