"""Storage faults as typed errors: the disk is full, the database cannot be reached, it is
busy, or the disk failed. Callers (the web layer) map them to plain messages; nothing here
knows HTTP.

A database driver reports these faults in its own words (SQLite: "database or disk is full";
PostgreSQL: SQLSTATE 53100, or a refused or dropped connection); ``storage_errors()`` turns
them into one of the classes below, so "the entry was not saved" is never hidden behind an
"unexpected error".
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
SQLITE_FULL = "database or disk is full"
SQLITE_BUSY = ("database is locked", "database table is locked")
SQLITE_UNREACHABLE = ("unable to open database file",)
SQLITE_DISK_ERROR = "disk i/o error"
PG_DISK_FULL = "53100"
PG_OUT_OF_RESOURCES = "53"  # class 53: insufficient resources (out of memory, too many clients)
PG_UNREACHABLE = ("08", "57P")  # connection exceptions; the server shutting down or restarting


class StorageError(Exception):
    """A write (or read) did not happen because of the storage, not the input."""

    reason = "the storage failed"


class DiskFull(StorageError):
    """No space left where the data lives (nothing was written)."""

    reason = "the disk is full"


class DatabaseUnreachable(StorageError):
    """The database server is down or the connection to it was lost."""

    reason = "the database cannot be reached"


class DiskError(StorageError):
    """The disk reported an error while the database read or wrote it."""

    reason = "the disk reported an error"


class DatabaseBusy(StorageError):
    """Another program held the database for longer than the wait allows."""

    reason = "the database is busy"


def classify(error: BaseException) -> StorageError | None:
    """The typed storage fault behind ``error``, or None when it is not one (a bug, bad data)."""
    if isinstance(error, StorageError):
        return error
    if isinstance(error, OSError):
        return DiskFull(str(error)) if error.errno in DISK_FULL_ERRNOS else None
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return DatabaseBusy(str(error))
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    original = error.orig
    if original is None:
        return None
    if isinstance(original, OSError):
        return classify(original)
    if isinstance(original, sqlite3.Error):
        return _sqlite_fault(original)
    return _server_fault(error, original)


def _sqlite_fault(original: sqlite3.Error) -> StorageError | None:
    text = str(original).lower()
    if SQLITE_FULL in text:
        return DiskFull(text)
    if any(words in text for words in SQLITE_BUSY):
        return DatabaseBusy(text)
    if any(words in text for words in SQLITE_UNREACHABLE):
        return DatabaseUnreachable(text)
    if SQLITE_DISK_ERROR in text:
        return DiskError(text)
    return None


def _server_fault(error: sa_exc.DBAPIError, original: BaseException) -> StorageError | None:
    state = str(getattr(original, "sqlstate", None) or "")
    if state == PG_DISK_FULL:
        return DiskFull(str(original))
    if state.startswith(PG_OUT_OF_RESOURCES):
        return DatabaseBusy(str(original))
    disconnected = error.connection_invalidated or state.startswith(PG_UNREACHABLE)
    no_server_answer = not state and isinstance(
        error, (sa_exc.OperationalError, sa_exc.InterfaceError)
    )
    if disconnected or no_server_answer:  # refused, dropped, closed: the client saw no server
        return DatabaseUnreachable(str(original))
    return None


@contextmanager
def storage_errors() -> Iterator[None]:
    """Re-raise a storage fault inside the block as its typed error (others pass unchanged)."""
    try:
        yield
    except Exception as error:
        typed = classify(error)
        if typed is None or typed is error:
            raise
        raise typed from error


@contextmanager
def saving(session: Session) -> Iterator[None]:
    """Commit the block's changes at its end, so a fault is known while the input is at hand.

    On a storage fault the session is rolled back (as far as the database still allows) and
    the typed error raised; nothing of the block was saved.
    """
    try:
        with storage_errors():
            yield
            session.commit()
    except StorageError:
        with suppress(Exception):  # a dead connection may refuse the rollback too
            session.rollback()
        raise
