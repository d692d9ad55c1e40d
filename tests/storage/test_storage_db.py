"""Storage on SQLite and PostgreSQL: migrations both ways, round trips, transactions."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from backcheck.storage import AnalysisJob, Base, Interview, JournalEntry, open_database
from backcheck.storage.db import make_engine
from backcheck.storage.migrate import current_revision, downgrade, head_revision, upgrade

TABLES = {"interviews", "journal_entries", "analysis_jobs"}


def test_migrations_upgrade_from_empty_and_downgrade_to_base(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        assert set(sa.inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as conn:
            # The migrations build exactly what the models declare.
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
        downgrade(engine, "base")
        assert current_revision(engine) is None
        assert not TABLES & set(sa.inspect(engine).get_table_names())
        upgrade(engine)  # and back up again
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_round_trip_of_every_table(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.session() as s:
            s.add(
                Interview(id="a" * 32, findings={"saddle_numbness": False, "age": 30}, asked=["x"])
            )
            s.add(
                JournalEntry(
                    day=date(2025, 3, 1),
                    pain=6,
                    locations=["centre"],
                    activities=["heat", "walking"],
                    response="better",
                    symptoms=[],
                )
            )
            s.add(AnalysisJob(id="b" * 32, label="clip.mp4", result={"reps": [{"index": 1}]}))
        with db.session() as s:
            interview = s.get(Interview, "a" * 32)
            assert interview is not None
            assert interview.findings == {"saddle_numbness": False, "age": 30}
            entry = s.scalars(sa.select(JournalEntry)).one()
            assert (entry.day, entry.pain, entry.activities) == (
                date(2025, 3, 1),
                6,
                ["heat", "walking"],
            )
            assert len(entry.uid) == 32
            job = s.get(AnalysisJob, "b" * 32)
            assert job is not None and job.status == "queued"
            assert job.result == {"reps": [{"index": 1}]}
    finally:
        db.close()


def test_failed_transaction_leaves_nothing(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with pytest.raises(RuntimeError), db.session() as s:
            s.add(JournalEntry(day=date(2025, 3, 1), pain=3))
            s.flush()
            raise RuntimeError("crash mid-write")
        with db.session() as s:
            assert s.scalar(sa.select(sa.func.count()).select_from(JournalEntry)) == 0
    finally:
        db.close()


def test_uid_is_unique(database_url: str) -> None:
    db = open_database(database_url)
    try:
        with db.session() as s:
            s.add(JournalEntry(uid="u" * 32, day=date(2025, 3, 1), pain=3))
        with pytest.raises(sa.exc.IntegrityError), db.session() as s:
            s.add(JournalEntry(uid="u" * 32, day=date(2025, 3, 2), pain=4))
    finally:
        db.close()


def test_opening_twice_is_idempotent(database_url: str) -> None:
    open_database(database_url).close()
    db = open_database(database_url)
    try:
        assert current_revision(db.engine) == head_revision()
    finally:
        db.close()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    db = open_database(f"sqlite:///{tmp_path}/wal.db")
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        db.close()


def test_display_url_hides_the_password() -> None:
    from backcheck.storage.db import display_url

    shown = display_url("postgresql+psycopg://lifter:s3cret@db.local:5432/backcheck")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://lifter:***@db.local:5432/backcheck"
    assert display_url("sqlite:///tmp/x.db") == "sqlite:///tmp/x.db"
    assert "s3cret" not in display_url("not a url s3cret")
