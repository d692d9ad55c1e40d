"""Storage faults as the app meets them: a real PostgreSQL server stopped mid-test, and the
typed errors the storage layer turns driver errors into (issue 7 defect 10)."""

from __future__ import annotations

import errno
import re
import sqlite3
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy.exc import InterfaceError, OperationalError

from backcheck.storage.errors import (
    DatabaseBusy,
    DatabaseUnreachable,
    DiskError,
    DiskFull,
    StorageError,
    classify,
    storage_errors,
)
from backcheck.web.app import create_app
from tests.storage.conftest import _fresh_pg_database, start_postgres
from tests.web.test_web_hardening import assert_clean_error
from tests.web.web_support import csrf_of, free_port, make_settings


def wrapped(error: Exception) -> OperationalError:
    return OperationalError("SELECT 1", {}, error)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (wrapped(sqlite3.OperationalError("database or disk is full")), DiskFull),
        (wrapped(sqlite3.OperationalError("database is locked")), DatabaseBusy),
        (wrapped(sqlite3.OperationalError("unable to open database file")), DatabaseUnreachable),
        (wrapped(sqlite3.OperationalError("disk I/O error")), DiskError),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFull),
        (OSError(errno.EDQUOT, "Disk quota exceeded"), DiskFull),
        (wrapped(psycopg.errors.DiskFull("could not extend file")), DiskFull),
        (wrapped(psycopg.OperationalError("connection refused")), DatabaseUnreachable),
        (wrapped(psycopg.errors.AdminShutdown("terminating connection")), DatabaseUnreachable),
        (InterfaceError("SELECT 1", {}, psycopg.InterfaceError("the connection is closed")),
         DatabaseUnreachable),
    ],
)  # fmt: skip
def test_driver_errors_become_typed_storage_faults(
    error: Exception, kind: type[StorageError]
) -> None:
    assert type(classify(error)) is kind
    with pytest.raises(kind), storage_errors():
        raise error


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sqlite3.OperationalError("no such table: x")),
        sa.exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
        OSError(errno.EACCES, "Permission denied"),
        ValueError("a bug"),
    ],
)
def test_other_errors_are_not_called_storage_faults(error: Exception) -> None:
    assert classify(error) is None
    with pytest.raises(type(error)), storage_errors():
        raise error


def test_no_server_at_the_url_is_unreachable() -> None:
    engine = sa.create_engine(f"postgresql+psycopg://u@127.0.0.1:{free_port()}/x")
    try:
        with pytest.raises(DatabaseUnreachable), storage_errors(), engine.connect():
            pass
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_stopped_mid_test_says_the_entry_was_not_saved(tmp_path: Path) -> None:
    server = start_postgres()
    try:
        settings = make_settings(tmp_path, database_url=_fresh_pg_database(server.url))
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.post("/api/v1/journal/entries", json={"pain": 2}).status_code == 201
            token = csrf_of(client)
            server.stop()  # the database server goes away while the app runs
            r = client.post("/api/v1/journal/entries", json={"pain": 4})
            assert_clean_error(r, 503, json_body=True)
            assert r.json()["error"]["message"] == (
                "Your entry was not saved: the database cannot be reached. Check that the "
                "database server is running, then send it again."
            )
            r = client.post("/journal", data={"csrf_token": token, "pain": "4", "note": "typed"})
            assert_clean_error(r, 503, json_body=False)
            assert "Your entry was not saved: the database cannot be reached." in r.text
            assert 'value="typed"' in r.text
            assert re.search(r'name="pain" value="4" checked', r.text)
            r = client.get("/api/v1/journal/entries")
            assert_clean_error(r, 503, json_body=True)
    finally:
        server.stop()
