"""The journal read by the database (a few grouped queries) gives exactly the reading of every
entry loaded one by one, on SQLite and PostgreSQL: same findings, same reasons, same order.

Safety: a warning sign ticked in any entry, however old and however long the journal, must
reach the triage; the property test stores random journals (warning signs, self-care, rest,
sessions, several entries a day) and compares the two readings.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from backcheck.core.journal import (
    ACTIVITIES,
    SYMPTOMS,
    derive_findings,
    read_summary,
    summarise,
)
from backcheck.storage import Database, JournalEntry, open_database
from backcheck.web.journal.chart import DayPain
from backcheck.web.journal.service import (
    daily_pain,
    engine_entry,
    journal_summary,
    list_entries,
    programme_entries,
)

TODAY = date(2025, 6, 10)
ANSWERS = ("better", "same", "worse")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    try:
        yield database
    finally:
        database.close()


def entry_rows() -> st.SearchStrategy[dict[str, Any]]:
    """One stored entry as the form or the API could write it."""
    activities = st.lists(st.sampled_from(sorted(ACTIVITIES)), unique=True, max_size=3)
    return activities.flatmap(
        lambda did: st.fixed_dictionaries(
            {
                "day": st.integers(0, 12).map(lambda n: TODAY - timedelta(days=n)),
                "pain": st.integers(0, 10),
                "activities": st.just(did),
                "response": st.sampled_from([None, *ANSWERS]),
                "responses": st.dictionaries(st.sampled_from(did), st.sampled_from(ANSWERS))
                if did
                else st.just({}),
                "radiates": st.sampled_from(["no", "no", "buttock_thigh", "past_knee"]),
                "symptoms": st.one_of(
                    st.just([]),
                    st.just([]),
                    st.lists(st.sampled_from(sorted(SYMPTOMS)), unique=True, max_size=2),
                ),
                "session": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {
                            "pain_during": st.integers(0, 10),
                            "done": st.just([]),
                            "load": st.just(""),
                        }
                    ),
                ),
            }
        )
    )


def store(db: Database, rows: list[dict[str, Any]]) -> None:
    with db.session() as session:
        session.execute(delete(JournalEntry))
        for row in rows:
            session.add(JournalEntry(**row))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(entry_rows(), max_size=25))
def test_the_database_reading_is_the_entry_by_entry_reading(
    db: Database, rows: list[dict[str, Any]]
) -> None:
    store(db, rows)
    with db.session() as session:
        entries = [engine_entry(entry=e) for e in list_entries(session=session)]
        summary = journal_summary(session=session)
        expected = summarise(entries)
        assert (summary is None) == (expected is None)
        assert read_summary(summary, today=TODAY) == derive_findings(entries, today=TODAY)
        if summary is not None and expected is not None:
            assert summary.care_days == expected.care_days
            assert summary.marked == expected.marked
            assert summary.first_day_pain == expected.first_day_pain
            assert summary.last_day_pain == expected.last_day_pain
        # The programme reads only sessions and warning signs: the subset loses none of them.
        subset = programme_entries(session=session)
        assert [e.id for e in subset] == [
            e.id for e in list_entries(session=session) if e.session or e.symptoms
        ]


def test_an_old_warning_sign_in_a_long_journal_reaches_the_reading(db: Database) -> None:
    old = {"day": TODAY - timedelta(days=400), "pain": 2, "symptoms": ["saddle_numbness"]}
    rows = [old] + [
        {
            "day": TODAY - timedelta(days=n // 3),
            "pain": n % 8,
            "activities": ["walking"],
            "responses": {"walking": "better"},
        }
        for n in range(900)
    ]
    store(db, rows)
    with db.session() as session:
        summary = journal_summary(session=session)
    assert summary is not None and [e.symptoms for e in summary.marked] == [
        frozenset({"saddle_numbness"})
    ]
    reading = read_summary(summary, today=TODAY)
    assert reading.findings["saddle_numbness"] is True
    assert reading.findings["days_since_onset"] == 400
    assert reading.findings["relieved_by_conservative_care"] is True


def test_daily_pain_adds_up_each_day(db: Database) -> None:
    store(
        db,
        [
            {"day": TODAY, "pain": 2},
            {"day": TODAY, "pain": 7},
            {"day": TODAY - timedelta(days=3), "pain": 5},
        ],
    )
    with db.session() as session:
        assert daily_pain(session=session) == [
            DayPain(day=TODAY - timedelta(days=3), total=5, entries=1, lowest=5, highest=5),
            DayPain(day=TODAY, total=9, entries=2, lowest=2, highest=7),
        ]
