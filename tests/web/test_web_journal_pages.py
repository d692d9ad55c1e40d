"""The journal page shows a bounded window of entries (the latest, then older/newer pages and a
date picker) and still reaches every entry; an invalid post keeps what was typed and shows the
same bounded page; the chart covers the whole episode in a bounded number of points."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from backcheck.storage import JournalEntry, open_database
from backcheck.web.journal.chart import MAX_POINTS
from backcheck.web.journal.service import PAGE_SIZE
from backcheck.web.reports.service import REPORT_ENTRIES
from backcheck.web.settings import Settings
from tests.web.web_support import csrf_of

TODAY = date.today()
ROW_IDS = re.compile(r'action="/journal/(\d+)/delete"')


def seed(settings: Settings, rows: list[dict[str, Any]]) -> None:
    """Write entries straight into the app's database (as an import would)."""
    db = open_database(settings.database_url)
    try:
        with db.session() as session:
            session.add_all(JournalEntry(**row) for row in rows)
    finally:
        db.close()


def journal(days: int, per_day: int, *, start: int = 0) -> list[dict[str, Any]]:
    """``per_day`` entries on each of ``days`` days, the newest ``start`` days ago."""
    return [
        {"day": TODAY - timedelta(days=start + d), "pain": (d + n) % 9, "note": f"d{d} n{n}"}
        for d in range(days)
        for n in range(per_day)
    ]


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in ROW_IDS.findall(html)]


def link(html: str, words: str) -> str | None:
    """The address of the page link with these words (None when there is none)."""
    found = re.search(rf'<a class="button" href="([^"]+)"[^>]*>{words}</a>', html)
    return found.group(1).replace("&amp;", "&") if found else None


def all_ids(client: TestClient) -> list[int]:
    """Every entry id, newest first (day, then id), from the API."""
    entries = client.get("/api/v1/journal/entries").json()
    return [e["id"] for e in sorted(entries, key=lambda e: (e["day"], e["id"]), reverse=True)]


def test_the_page_shows_the_latest_entries_and_every_entry_is_reachable(
    client: TestClient, settings: Settings
) -> None:
    # 40 entries on one day straddle a page boundary; the ids are not in day order.
    seed(settings, journal(20, 2, start=1) + journal(1, 40) + journal(5, 3, start=30))
    expected = all_ids(client)
    assert len(expected) == 95
    page = client.get("/journal").text
    assert shown_ids(page) == expected[:PAGE_SIZE]
    assert f"Entries 1 to {PAGE_SIZE} of 95, newest first" in page
    assert link(page, "Newer entries") is None and link(page, "Latest entries") is None
    seen, pages, address = shown_ids(page), 0, link(page, "Older entries")
    while address is not None:
        page = client.get(address).text
        pages += 1
        assert 0 < len(shown_ids(page)) <= PAGE_SIZE
        assert link(page, "Latest entries") == "/journal#entries"
        seen += shown_ids(page)
        address = link(page, "Older entries")
    assert seen == expected  # every entry once, in order, none twice
    assert pages == 3 and "Entries 91 to 95 of 95" in page
    # ... and back up again with the newer links, to the latest page.
    up, html = set(shown_ids(page)), page
    address = link(page, "Newer entries")
    while address is not None:
        html = client.get(address).text
        up |= set(shown_ids(html))
        address = link(html, "Newer entries")
    assert up == set(expected)
    assert shown_ids(html) == expected[:PAGE_SIZE]  # the newest page is the latest page


def test_a_date_shows_the_entries_up_to_that_day(client: TestClient, settings: Settings) -> None:
    seed(settings, journal(60, 1))
    day = TODAY - timedelta(days=45)
    page = client.get(f"/journal?until={day.isoformat()}").text
    ids = shown_ids(page)
    entries = {e["id"]: e["day"] for e in client.get("/api/v1/journal/entries").json()}
    assert len(ids) == 15 and entries[ids[0]] == day.isoformat()
    assert "Entries 46 to 60 of 60" in page
    assert link(page, "Older entries") is None and link(page, "Newer entries")
    before = client.get(f"/journal?until={(TODAY - timedelta(days=400)).isoformat()}").text
    assert shown_ids(before) == [] and "No entries on or before" in before


def test_a_broken_page_link_says_so_in_plain_words(client: TestClient) -> None:
    for query in ("older=yesterday", "newer=2025-01-01.x", "until=31/12/2025"):
        r = client.get(f"/journal?{query}")
        assert r.status_code == 422, query
        assert "does not point to a page of the journal" in r.text
        assert "Traceback" not in r.text


def test_an_invalid_post_keeps_what_was_typed_on_the_same_bounded_page(
    client: TestClient, settings: Settings
) -> None:
    seed(settings, journal(50, 2))
    token = csrf_of(client)
    typed = {
        "csrf_token": token,
        "training": "squats 3x5 at 80 kg",
        "note": "sore after the drive home",
        "locations": ["left", "buttock"],
        "response_walking": "better",
        "symptoms": ["numbness_tingling"],
        "radiates": "buttock_thigh",
    }  # no pain chosen
    r = client.post("/journal", data=typed)
    assert r.status_code == 422 and 'id="pain-error"' in r.text
    html = r.text
    assert 'value="squats 3x5 at 80 kg"' in html and 'value="sore after the drive home"' in html
    for name, value in (("locations", "left"), ("locations", "buttock"),
                        ("symptoms", "numbness_tingling"), ("response_walking", "better"),
                        ("radiates", "buttock_thigh")):  # fmt: skip
        assert re.search(rf'name="{name}" value="{value}" checked', html), (name, value)
    assert len(shown_ids(html)) == PAGE_SIZE  # the same bounded page as /journal
    assert shown_ids(html) == shown_ids(client.get("/journal").text)
    assert len(client.get("/api/v1/journal/entries").json()) == 100  # nothing saved


def test_deleting_on_an_older_page_comes_back_to_it(client: TestClient, settings: Settings) -> None:
    seed(settings, journal(70, 1))
    first = client.get("/journal").text
    older = link(first, "Older entries")
    assert older
    page = client.get(older).text
    victim = shown_ids(page)[3]
    token = csrf_of(client)
    cursor = older.split("=", 1)[1].split("#")[0]
    r = client.post(
        f"/journal/{victim}/delete",
        data={"csrf_token": token, "older": cursor},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/journal?older={cursor}"
    assert victim not in shown_ids(client.get(r.headers["location"]).text)
    assert victim not in [e["id"] for e in client.get("/api/v1/journal/entries").json()]


def test_an_emergency_in_an_old_entry_still_shows_at_once(
    client: TestClient, settings: Settings
) -> None:
    long_ago = TODAY - timedelta(days=200)
    seed(settings, [{"day": long_ago, "pain": 3, "symptoms": ["saddle_numbness"]}])
    seed(settings, journal(100, 1))
    page = client.get("/journal").text
    assert 'id="emergency"' in page  # the sign is 100 entries back, not on this page
    assert f"Recorded on {long_ago.isoformat()}: numbness, tingling" in page
    assert min(all_ids(client)) not in shown_ids(page)


def test_the_chart_covers_the_whole_episode_in_bounded_points(
    client: TestClient, settings: Settings
) -> None:
    seed(settings, journal(5, 2))
    page = client.get("/journal").text
    assert page.count("<circle") == 5 and "Each dot is one day" in page
    seed(settings, journal(700, 1, start=5))  # about two years
    page = client.get("/journal").text
    assert 0 < page.count("<circle") <= MAX_POINTS
    assert "Each dot is the average pain over two weeks" in page
    assert "Pain over the whole journal" in page
    first = (TODAY - timedelta(days=704)).strftime("%d %b %Y")
    assert f"<title>{first} to " in page  # the oldest entry's period is on the chart


def test_the_report_lists_the_latest_entries_and_reads_them_all(
    client: TestClient, settings: Settings
) -> None:
    long_ago = TODAY - timedelta(days=300)
    seed(settings, [{"day": long_ago, "pain": 3, "symptoms": ["fever_or_unwell"]}])
    seed(settings, journal(99, 1))
    html = client.get("/report").text
    rows = html.split('<table class="entries">')[1].split("</table>")[0].count("<tr>")
    assert rows == 1 + REPORT_ENTRIES  # the head and the latest entries
    assert f"The latest {REPORT_ENTRIES} of 100 entries, newest first" in html
    assert f"Recorded on {long_ago.isoformat()}: fever" in html  # the reading covers them all
