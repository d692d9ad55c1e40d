"""Opening the database: URL from the environment or the user data dir, pragmas, migrations.

SQLite runs in WAL mode with ``synchronous=FULL``: a commit that returned is on disk, so a
killed server loses nothing it acknowledged. ``BACKCHECK_DATABASE_URL`` selects another
database (PostgreSQL: ``postgresql+psycopg://user@host:port/db``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from backcheck.storage.errors import storage_errors
from backcheck.storage.files import private_file, private_folder
from backcheck.storage.migrate import upgrade

ENV_URL = "BACKCHECK_DATABASE_URL"
ENV_DATA_DIR = "BACKCHECK_DATA_DIR"


def data_dir() -> Path:
    """Where backcheck keeps its database and uploads (``BACKCHECK_DATA_DIR`` overrides);
    created 0700, and closed to others if it was not."""
    override = os.environ.get(ENV_DATA_DIR)
    path = Path(override) if override else Path(platformdirs.user_data_dir("backcheck"))
    return private_folder(path)


def default_database_url() -> str:
    """``BACKCHECK_DATABASE_URL``, else SQLite in the user data dir."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'backcheck.db'}"


def display_url(url: str) -> str:
    """The database URL with any password hidden (SQLAlchemy renders it as ``***``)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout, and a new database file is
    created 0600 first (SQLite gives its -wal and -shm files the database file's mode)."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if path.parent.is_dir():
                private_file(path)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass(frozen=True)
class Database:
    """An engine and its session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error; a storage fault (disk
        full, database unreachable) comes out as its ``storage.errors`` type."""
        with storage_errors(), self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Connect (and bring the schema up to date unless ``migrate`` is False)."""
    resolved = url or default_database_url()
    engine = make_engine(resolved)
    if migrate:
        upgrade(engine)
    return Database(resolved, engine, sessionmaker(engine, expire_on_commit=False))
