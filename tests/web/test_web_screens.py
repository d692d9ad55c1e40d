"""The interview pages as grouped screens, driven through the HTML forms (no JavaScript):
a full self-care path and a full emergency path, and no raw id or value on any page."""

from __future__ import annotations

import html as html_lib
import re

from fastapi.testclient import TestClient

from backcheck.core import load_knowledge

KB = load_knowledge()
TAGS = re.compile(r"<[^>]+>")
SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.S)


def visible_text(page: str) -> str:
    """What a person reads on the page: the text, without tags or attribute values."""
    return html_lib.unescape(TAGS.sub(" ", SCRIPT.sub(" ", page)))


def raw_ids() -> set[str]:
    """Every finding id and every value id with an underscore (what must never show)."""
    ids = {f for f in KB.findings if "_" in f}
    for definition in KB.findings.values():
        ids |= {v for v in definition.values or [] if "_" in v}
    ids |= {r.id for r in KB.rules if "_" in r.id}
    ids |= {"self_care", "see_clinician"}
    return ids


RAW = raw_ids()


def assert_plain(page: str, where: str) -> None:
    text = visible_text(page)
    shown = {word for word in re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", text) if word in RAW}
    assert not shown, f"{where}: raw ids on the page: {sorted(shown)}"
    assert not re.search(r"\b\w+ = \w+", text), f"{where}: 'key = value' on the page"


def start(client: TestClient) -> str:
    page = client.get("/interview").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = client.post("/interview", data={"csrf_token": token.group(1)}, follow_redirects=False)
    assert r.status_code == 303
    return str(r.headers["location"])


def submit(client: TestClient, url: str, page: str, answers: dict[str, str]) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    questions = re.search(r'name="questions" value="([^"]*)"', page)
    assert token and questions
    data = {"csrf_token": token.group(1), "questions": questions.group(1)}
    data |= {f"q_{k}": v for k, v in answers.items()}
    r = client.post(f"{url}/answer", data=data, follow_redirects=True)
    assert r.status_code == 200, r.text[:800]
    return str(r.text)


def screen_questions(page: str) -> list[str]:
    found = re.search(r'name="questions" value="([^"]*)"', page)
    return found.group(1).split(",") if found and found.group(1) else []


def self_care_answer(fid: str) -> str:
    definition = KB.findings[fid]
    fixed = {"lift": "deadlift", "phase": "bottom", "onset": "sudden", "days_since_onset": "1",
             "pain_score": "3", "pain_trend": "improving", "age": "30", "sex": "male"}
    if fid in fixed:
        return fixed[fid]
    if definition.red_flag:
        return "no"  # "no" is each item's safe answer, whichever value it is stored as
    if fid == "relieved_by_conservative_care":
        return "unknown"  # self-care not tried
    if definition.type == "bool":
        return "yes" if fid in ("onset_with_lift", "back_rounds_at_bottom") else "no"
    return "unknown" if definition.type == "enum" else ""


def test_a_full_self_care_path_is_plain_words_and_grouped(client: TestClient) -> None:
    url = start(client)
    page = client.get(url).text
    screens = 0
    kinds: list[str] = []
    while "triage-result" not in page:
        assert_plain(page, f"screen {screens + 1}")
        kinds.append(re.search(r'data-screen="([^"]+)"', page).group(1))  # type: ignore[union-attr]
        page = submit(client, url, page, {q: self_care_answer(q) for q in screen_questions(page)})
        screens += 1
        assert screens < 40
    assert_plain(page, "result")
    assert 'data-level="self_care"' in page
    assert kinds[:2] == ["the_lift", "the_pain_now"] and kinds[2] == "safety_nerves"
    assert screens <= 25
    report = client.get("/report").text
    assert_plain(report, "report")
    sections = re.findall(r"<h3>([^<]+)</h3>", report)
    assert sections[0] == "Safety check (red flags)" and "The injury" in sections


def test_a_full_emergency_path_shows_the_advice_at_once(client: TestClient) -> None:
    url = start(client)
    page = client.get(url).text
    for _ in range(2):  # the context screens, answered "don't know"
        page = submit(client, url, page, {q: "unknown" for q in screen_questions(page)})
    assert "safety_nerves" in page and "None of these" in page
    assert_plain(page, "safety screen")
    answers = {q: "no" for q in screen_questions(page)}
    answers["saddle_numbness"] = "yes"
    page = submit(client, url, page, answers)
    # the result, emergency first, with the remaining safety questions offered
    assert page.index('id="emergency"') < page.index("<main")
    assert 'data-level="emergency"' in page
    assert_plain(page, "emergency result")
    offered = client.get(f"{url}?go_on=1").text
    assert 'id="emergency"' in offered and "safety_legs" in offered
    assert_plain(offered, "offered safety screen")


def first_safety_screen(client: TestClient) -> tuple[str, str, str]:
    """The interview's url, its first safety screen (the two context screens answered "don't
    know") and that page's CSRF token."""
    url = start(client)
    page = client.get(url).text
    for _ in range(2):
        page = submit(client, url, page, {q: "unknown" for q in screen_questions(page)})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    return url, page, token.group(1)


def test_none_of_these_answers_the_open_items_no(client: TestClient) -> None:
    url, page, token = first_safety_screen(client)
    r = client.post(
        f"{url}/answer",
        data={"csrf_token": token, "questions": ",".join(screen_questions(page)),
              "none_of_these": "1", "q_saddle_numbness": "unknown"},
        follow_redirects=True,
    )
    assert 'data-screen="safety_legs"' in r.text
    step = client.post("/api/v1/interview/step", json={}).json()  # stateless API unaffected
    assert step["screen"]["id"] == "the_lift"


def test_an_unanswered_safety_item_is_asked_again_with_a_message(client: TestClient) -> None:
    url, page, token = first_safety_screen(client)
    r = client.post(
        f"{url}/answer",
        data={"csrf_token": token, "questions": ",".join(screen_questions(page)),
              "q_saddle_numbness": "no"},
    )
    assert r.status_code == 422
    assert "Answer yes, no or I don't know" in visible_text(r.text)
    assert 'data-screen="safety_nerves"' in r.text


def test_did_self_care_help_is_shown_only_after_yes_i_tried_it(client: TestClient) -> None:
    url = start(client)
    page = client.get(url).text
    page = submit(client, url, page, {q: "unknown" for q in screen_questions(page)})
    assert 'data-screen="the_pain_now"' in page
    fieldset = re.search(r'<fieldset data-question="relieved_by_conservative_care"[^>]*>', page)
    assert fieldset, "the question is on the page (visible without JavaScript)"
    assert 'data-show-if-name="q_tried_conservative_care"' in fieldset.group(0)
    assert 'data-show-if-value="yes"' in fieldset.group(0)
    # the pregnancy question, once, in plain words
    text = visible_text(page)
    assert text.count("Are you pregnant, or have you given birth in the last 12 months?") == 1
    assert_plain(page, "the pain now")


def test_a_blank_did_it_help_after_not_tried_is_not_recorded() -> None:
    from backcheck.storage import Interview
    from backcheck.web.interview import service

    screen = next(s for s in KB.screens if s.id == "the_pain_now")
    for tried, recorded in (("no", False), ("unknown", False), ("yes", True)):
        interview = Interview(findings={"lift": "squat"}, asked=["lift", "phase", "onset"])
        answers = {fid: "" for fid in screen.findings}
        answers["tried_conservative_care"] = tried
        service.record_screen(
            interview=interview,
            question_ids=list(screen.findings),
            answers=answers,
            none_of_these=False,
        )
        # left blank: "don't know" when it was to be asked, not asked at all otherwise
        assert ("relieved_by_conservative_care" in interview.asked) is recorded, tried
        assert "relieved_by_conservative_care" not in interview.findings
        assert "pregnant_or_recent_birth" in interview.asked  # a blank is "don't know"


def test_an_answer_given_anyway_is_kept_and_read_safely() -> None:
    """Without JavaScript the question stays visible: an answer given there after "no, not
    tried" is kept, and the contradiction is resolved toward having tried (the safer reading)."""
    from backcheck.storage import Interview
    from backcheck.web.interview import service

    interview = Interview(findings={}, asked=[])
    service.record_screen(
        interview=interview,
        question_ids=["tried_conservative_care", "relieved_by_conservative_care"],
        answers={"tried_conservative_care": "no", "relieved_by_conservative_care": "no"},
        none_of_these=False,
    )
    assert interview.findings["relieved_by_conservative_care"] is False
