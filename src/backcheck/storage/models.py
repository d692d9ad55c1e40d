"""The tables: interviews, journal entries, video-analysis jobs and paired devices.

JSON columns hold small documents (answers, lists of ticks, analysis results); they map to
SQLite's JSON text and PostgreSQL's JSONB.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Date, DateTime, Enum, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backcheck.jobs.status import JobStatus

JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random 32-hex-digit identifier."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Declarative base of every table."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JsonType,
        list[str]: JsonType,
    }


class Interview(Base):
    """One interview: the answers so far, in the order they were asked."""

    __tablename__ = "interviews"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    findings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    asked: Mapped[list[str]] = mapped_column(default=list)
    finished: Mapped[bool] = mapped_column(default=False)
    level: Mapped[str | None] = mapped_column(String(20), default=None)
    # The video analysis the lifter chose to weigh in this assessment (none: no video).
    analysis_id: Mapped[str | None] = mapped_column(String(32), default=None)


class JournalEntry(Base):
    """One pain-journal entry."""

    __tablename__ = "journal_entries"
    __table_args__ = (Index("ix_journal_entries_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    day: Mapped[date] = mapped_column(Date)
    pain: Mapped[int] = mapped_column(Integer)
    locations: Mapped[list[str]] = mapped_column(default=list)
    radiates: Mapped[str] = mapped_column(String(20), default="no")
    activities: Mapped[list[str]] = mapped_column(default=list)
    training: Mapped[str] = mapped_column(Text, default="")
    response: Mapped[str | None] = mapped_column(String(10), default=None)
    symptoms: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    # added by migration 0002_i9: a response per activity, and a logged programme session
    responses: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=dict)
    session: Mapped[dict[str, Any] | None] = mapped_column(JsonType, default=None)


class AnalysisJob(Base):
    """A video-analysis job: queued → running (progress) → done or failed (reason)."""

    __tablename__ = "analysis_jobs"
    __table_args__ = (Index("ix_analysis_jobs_status", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    status: Mapped[JobStatus] = mapped_column(
        Enum(
            JobStatus,
            native_enum=False,
            create_constraint=False,
            length=10,
            values_callable=lambda statuses: [s.value for s in statuses],
        ),
        default=JobStatus.QUEUED,
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(80), default="")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    lift: Mapped[str] = mapped_column(String(20), default="auto")
    label: Mapped[str] = mapped_column(String(120), default="")
    container: Mapped[str] = mapped_column(String(10), default="")
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # A reference set: a light set the lifter and coach trust, compared with later clips.
    is_reference: Mapped[bool] = mapped_column(default=False)
    # The worker process that claimed the job (pid, its start time, its machine), so that a
    # restarted server can adopt a worker still running and fail only one that is gone.
    worker_pid: Mapped[int | None] = mapped_column(Integer, default=None)
    worker_started: Mapped[float | None] = mapped_column(Float, default=None)
    worker_host: Mapped[str | None] = mapped_column(String(255), default=None)


class PairedDevice(Base):
    """A browser paired for network mode: it may use the app until it is revoked."""

    __tablename__ = "paired_devices"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(80))
    paired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
