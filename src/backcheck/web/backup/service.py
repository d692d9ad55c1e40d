"""Export everything as one JSON document, and import it back without duplicating anything."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.core import load_knowledge
from backcheck.core.case import parse_findings
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.web.analyses.service import job_status, public_result
from backcheck.web.journal.schemas import EntryIn

FORMAT = "backcheck-export"
VERSION = 1


class ImportRejected(ValueError):
    """The document cannot be imported; nothing was changed. ``field`` says where."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def export_all(*, session: Session) -> dict[str, Any]:
    """Interviews, journal entries and analyses (results, not video files)."""
    interviews = session.scalars(select(Interview).order_by(Interview.created_at))
    entries = session.scalars(select(JournalEntry).order_by(JournalEntry.day, JournalEntry.id))
    jobs = session.scalars(select(AnalysisJob).order_by(AnalysisJob.created_at))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "interviews": [
            {
                "id": i.id,
                "created_at": _iso(i.created_at),
                "updated_at": _iso(i.updated_at),
                "findings": i.findings,
                "asked": i.asked,
                "finished": i.finished,
                "level": i.level,
            }
            for i in interviews
        ],
        "journal": [
            {
                "uid": e.uid,
                "created_at": _iso(e.created_at),
                "day": e.day.isoformat(),
                "pain": e.pain,
                "locations": e.locations,
                "radiates": e.radiates,
                "activities": e.activities,
                "training": e.training,
                "response": e.response,
                "symptoms": e.symptoms,
                "note": e.note,
            }
            for e in entries
        ],
        "analyses": [
            {
                **job_status(job=j),
                "result": public_result(job_id=j.id, result=j.result) if j.result else None,
            }
            for j in jobs
        ],
    }


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _when(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = datetime.now(UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def import_all(*, session: Session, document: Any) -> dict[str, int]:
    """Add what the export holds and this database lacks; validate everything first."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(
            "Not a backcheck export (format must be 'backcheck-export').", field="format"
        )
    if document.get("version") != VERSION:
        raise ImportRejected(
            f"Unsupported export version (this app reads {VERSION}).", field="version"
        )
    kb = load_knowledge()
    interviews: list[Interview] = []
    for n, raw in enumerate(document.get("interviews") or []):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ImportRejected("each interview needs an id", field=f"interviews.{n}")
        findings = parse_findings(raw.get("findings") or {}, kb)
        asked = [a for a in raw.get("asked") or [] if isinstance(a, str) and a in kb.findings]
        interviews.append(
            Interview(
                id=raw["id"][:32],
                created_at=_when(raw.get("created_at")),
                updated_at=_when(raw.get("updated_at")),
                findings=findings,
                asked=asked,
                finished=bool(raw.get("finished")),
                level=raw.get("level") if isinstance(raw.get("level"), str) else None,
            )
        )
    entries: list[JournalEntry] = []
    for n, raw in enumerate(document.get("journal") or []):
        if not isinstance(raw, dict):
            raise ImportRejected("each journal entry must be an object", field=f"journal.{n}")
        fields = {k: v for k, v in raw.items() if k not in ("uid", "created_at", "id")}
        try:
            data = EntryIn.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ImportRejected(str(first["msg"]), field=f"journal.{n}.{where}") from exc
        uid = raw.get("uid") if isinstance(raw.get("uid"), str) else None
        entry = JournalEntry(**data.model_dump(), created_at=_when(raw.get("created_at")))
        if uid:
            entry.uid = uid[:32]
        entries.append(entry)
    known_interviews = set(session.scalars(select(Interview.id)))
    known_uids = set(session.scalars(select(JournalEntry.uid)))
    added_i = [i for i in interviews if i.id not in known_interviews]
    added_e = [e for e in entries if e.uid not in known_uids]
    session.add_all(added_i)
    session.add_all(added_e)
    session.flush()
    return {
        "interviews_added": len(added_i),
        "interviews_skipped": len(interviews) - len(added_i),
        "journal_added": len(added_e),
        "journal_skipped": len(entries) - len(added_e),
    }


def export_filename(*, today: date) -> str:
    """The download name of an export."""
    return f"backcheck-export-{today.isoformat()}.json"
