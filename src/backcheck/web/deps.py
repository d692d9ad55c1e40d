"""FastAPI dependencies: the app context, a database session per request, forms, and each
"load it or answer 404" (``InterviewDep``, ``JobDep``, ``EntryDep``).

The session commits when the endpoint returns and before the response is sent
(``scope="function"``), so a 2xx means the change is on disk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import suppress
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backcheck.jobs import store as job_store
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.storage.errors import StorageError, classify, storage_errors
from backcheck.web.context import AppContext, app_context
from backcheck.web.errors import AppError
from backcheck.web.forms import Form, read_form
from backcheck.web.interview import service as interviews
from backcheck.web.journal import service as journal
from backcheck.web.settings import Settings


async def get_ctx(request: Request) -> AppContext:
    """The app context (async: no I/O, so no thread-pool hop)."""
    return app_context(request)


ContextDep = Annotated[AppContext, Depends(get_ctx)]


async def get_settings(ctx: ContextDep) -> Settings:
    """The app's settings."""
    return ctx.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def _finish(session: Session, *, commit: bool) -> None:
    try:
        with storage_errors():
            if commit:
                session.commit()
            else:
                session.rollback()
    finally:
        session.close()


async def get_session(ctx: ContextDep) -> AsyncIterator[Session]:
    """A session for this request: committed on success, rolled back on error.

    Opening a session does no I/O; the commit (an fsync on SQLite) runs in the thread pool.
    A storage fault in the endpoint or the commit comes out typed (``storage.errors``), for
    the error handlers to say what was not saved.
    """
    session = ctx.db.sessions()
    try:
        yield session
    except BaseException as error:
        with suppress(StorageError):  # the rollback failed too (the server is gone)
            await run_in_threadpool(_finish, session, commit=False)
        typed = classify(error) if isinstance(error, Exception) else None
        if typed is not None and typed is not error:
            raise typed from error
        raise
    await run_in_threadpool(_finish, session, commit=True)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def get_form(request: Request, settings: SettingsDep) -> Form:
    """The posted urlencoded form, its CSRF token checked."""
    return await read_form(request, settings.secret_key)


FormDep = Annotated[Form, Depends(get_form)]


def load_interview(interview_id: str, session: SessionDep) -> Interview:
    """The interview named in the path, or 404."""
    interview = interviews.get_interview(session=session, interview_id=interview_id)
    if interview is None:
        raise AppError(404, "No such interview.")
    return interview


InterviewDep = Annotated[Interview, Depends(load_interview)]


def load_job(job_id: str, session: SessionDep) -> AnalysisJob:
    """The analysis job named in the path, or 404."""
    job = job_store.get_job(session=session, job_id=job_id)
    if job is None:
        raise AppError(404, "No such analysis.")
    return job


JobDep = Annotated[AnalysisJob, Depends(load_job)]


MAX_ENTRY_ID = 2**31 - 1  # the journal's id column holds no more (PostgreSQL's integer)


def load_entry(entry_id: int, session: SessionDep) -> JournalEntry:
    """The journal entry named in the path, or 404 (also for ids no database could hold)."""
    in_range = 1 <= entry_id <= MAX_ENTRY_ID
    entry = journal.get_entry(session=session, entry_id=entry_id) if in_range else None
    if entry is None:
        raise AppError(404, "No such journal entry.")
    return entry


EntryDep = Annotated[JournalEntry, Depends(load_entry)]
