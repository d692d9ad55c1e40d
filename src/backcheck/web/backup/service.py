"""Export everything as one JSON document, and import it back without duplicating anything.

The import is strict and all-or-nothing: every record is validated before anything is
written, ids and uids must be what an export holds (never truncated, never made up), a
record already here is skipped (never overwritten), and a stored triage level is never
trusted: it is recomputed from the findings. Analyses travel with their artifact files
(base64), so export → import → export gives the same document (but for ``exported_at``).
Jobs still queued or running at export time are skipped: their video is not exported.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backcheck.core import CaseError, load_knowledge
from backcheck.core.case import parse_findings
from backcheck.jobs import JobStatus
from backcheck.jobs import store as jobs
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.storage.files import write_private
from backcheck.web.analyses.service import artifact_names, job_status, public_result
from backcheck.web.interview.service import interview_level
from backcheck.web.journal.schemas import EntryIn

FORMAT = "backcheck-export"
VERSION = 1
RECORD_ID = re.compile(r"[0-9A-Za-z_-]{1,32}")
FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
SECTIONS = ("interviews", "journal", "analyses")


class ImportRejected(ValueError):
    """The document cannot be imported; nothing was changed. ``field`` says where."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def export_all(*, session: Session, analyses_root: Path) -> dict[str, Any]:
    """Interviews, journal entries, analyses with their artifact files (not the input video)."""
    interviews = session.scalars(select(Interview).order_by(Interview.created_at, Interview.id))
    entries = session.scalars(select(JournalEntry).order_by(JournalEntry.day, JournalEntry.id))
    jobs_ = session.scalars(select(AnalysisJob).order_by(AnalysisJob.created_at, AnalysisJob.id))
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
                "level": interview_level(i),
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
                "responses": e.responses or {},
                "session": e.session,
            }
            for e in entries
        ],
        "analyses": [_export_job(j, analyses_root) for j in jobs_],
    }


def _export_job(job: AnalysisJob, root: Path) -> dict[str, Any]:
    files: dict[str, str] = {}
    if job.result is not None:
        folder = jobs.job_dir(root=root, job_id=job.id)
        for name in artifact_names(result=job.result):
            path = folder / name
            if path.is_file():
                files[name] = base64.b64encode(path.read_bytes()).decode("ascii")
    return {
        **job_status(job=job),
        "container": job.container,
        "size_bytes": job.size_bytes,
        "result": public_result(job_id=job.id, result=job.result) if job.result else None,
        "files": files,
    }


def _iso(value: datetime) -> str:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def _when(value: Any, field: str, *, optional: bool = False) -> datetime | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ImportRejected("a date and time (ISO 8601) is needed", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ImportRejected("not a date and time (ISO 8601)", field=field) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _record_id(value: Any, field: str, pattern: re.Pattern[str] = RECORD_ID) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ImportRejected("an id of up to 32 letters, digits, '-' or '_' is needed", field=field)
    return value


def _section(document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise ImportRejected(f"'{name}' must be a list", field=name)
    return value


def _no_nul(value: Any, field: str) -> None:
    """PostgreSQL text cannot hold NUL; neither does anything a person typed."""
    if isinstance(value, str) and "\x00" in value:
        raise ImportRejected("text may not contain NUL characters", field=field)
    if isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, field)
            _no_nul(item, f"{field}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _no_nul(item, f"{field}.{n}")


def _interview(raw: Any, n: int) -> Interview:
    where = f"interviews.{n}"
    if not isinstance(raw, dict):
        raise ImportRejected("each interview must be an object", field=where)
    _no_nul(raw, where)
    kb = load_knowledge()
    try:
        findings = parse_findings(_mapping(raw.get("findings", {}), f"{where}.findings"), kb)
    except CaseError as exc:
        raise ImportRejected(exc.message, field=f"{where}.findings.{exc.field}") from exc
    asked = raw.get("asked", [])
    if not isinstance(asked, list) or not all(isinstance(a, str) for a in asked):
        raise ImportRejected("'asked' must be a list of question ids", field=f"{where}.asked")
    unknown = [a for a in asked if a not in kb.findings]
    if unknown:
        raise ImportRejected(f"unknown question {unknown[0]!r}", field=f"{where}.asked")
    finished = raw.get("finished", False)
    if not isinstance(finished, bool):
        raise ImportRejected("'finished' must be true or false", field=f"{where}.finished")
    interview = Interview(
        id=_record_id(raw.get("id"), f"{where}.id"),
        created_at=_when(raw.get("created_at"), f"{where}.created_at"),
        updated_at=_when(raw.get("updated_at"), f"{where}.updated_at"),
        findings=dict(findings),
        asked=list(asked),
        finished=finished,
    )
    interview.level = interview_level(interview)  # the stored level is never trusted
    return interview


def _mapping(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportRejected("must be an object", field=field)
    return value


def _entry(raw: Any, n: int) -> JournalEntry:
    where = f"journal.{n}"
    if not isinstance(raw, dict):
        raise ImportRejected("each journal entry must be an object", field=where)
    _no_nul(raw, where)
    uid = _record_id(raw.get("uid"), f"{where}.uid")
    fields = {k: v for k, v in raw.items() if k not in ("uid", "created_at", "id")}
    try:  # JSON-mode strict: dates from ISO strings, but no true for 1 or "5" for 5
        data = EntryIn.model_validate_json(_json(fields), strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise ImportRejected(str(first["msg"]), field=f"{where}.{at}" if at else where) from exc
    created = _when(raw.get("created_at"), f"{where}.created_at")
    return JournalEntry(**data.model_dump(), uid=uid, created_at=created)


def _json(value: Any) -> str:
    return json.dumps(value)


@dataclass
class _Analysis:
    job: AnalysisJob
    files: dict[str, bytes]


def _analysis(raw: Any, n: int) -> _Analysis | None:
    where = f"analyses.{n}"
    if not isinstance(raw, dict):
        raise ImportRejected("each analysis must be an object", field=where)
    _no_nul({k: v for k, v in raw.items() if k != "files"}, where)
    job_id = _record_id(raw.get("id"), f"{where}.id", jobs.JOB_ID)
    try:
        status = JobStatus(str(raw.get("status")))
    except ValueError as exc:
        raise ImportRejected("unknown status", field=f"{where}.status") from exc
    if status.active:
        return None  # its video was not exported: nothing could ever finish it
    text = {k: raw.get(k, "") for k in ("stage", "lift", "label", "container")}
    for key, value in text.items():
        if not isinstance(value, str) or len(value) > 120:
            raise ImportRejected("must be a short text", field=f"{where}.{key}")
    error = raw.get("error")
    if error is not None and not isinstance(error, str):
        raise ImportRejected("must be a text or null", field=f"{where}.error")
    progress, size = raw.get("progress", 0.0), raw.get("size_bytes", 0)
    if (
        isinstance(progress, bool)
        or not isinstance(progress, int | float)
        or not 0 <= progress <= 1
    ):
        raise ImportRejected("must be a number from 0 to 1", field=f"{where}.progress")
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size < 2**62:
        raise ImportRejected("must be a whole number of bytes", field=f"{where}.size_bytes")
    files = _files(raw.get("files", {}), f"{where}.files")
    result = raw.get("result")
    if result is not None:
        result = _stored_result(_mapping(result, f"{where}.result"), files, f"{where}.result")
    if status == JobStatus.DONE and result is None:
        raise ImportRejected("a finished analysis needs its result", field=f"{where}.result")
    job = AnalysisJob(
        id=job_id,
        status=status,
        progress=float(progress),
        stage=text["stage"],
        error=error,
        lift=text["lift"],
        label=text["label"],
        container=text["container"],
        size_bytes=size,
        result=result,
        created_at=_when(raw.get("created_at"), f"{where}.created_at"),
        started_at=_when(raw.get("started_at"), f"{where}.started_at", optional=True),
        finished_at=_when(raw.get("finished_at"), f"{where}.finished_at", optional=True),
    )
    return _Analysis(job, files)


def _files(value: Any, field: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for name, data in _mapping(value, field).items():
        if not FILE_NAME.fullmatch(name) or name.startswith(jobs.INPUT_NAME + "."):
            raise ImportRejected("not an artifact file name", field=f"{field}.{name}")
        if not isinstance(data, str):
            raise ImportRejected("a file must be base64 text", field=f"{field}.{name}")
        try:
            out[name] = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ImportRejected("a file must be base64 text", field=f"{field}.{name}") from exc
    return out


def _stored_result(result: dict[str, Any], files: dict[str, bytes], field: str) -> dict[str, Any]:
    """The analysis as the server stores it: artifact links back to plain file names."""
    stored = dict(result)
    artifacts = dict(_mapping(result.get("artifacts", {}), f"{field}.artifacts"))

    def name_of(link: Any, at: str) -> str:
        if not isinstance(link, str):
            raise ImportRejected("an artifact link must be text", field=at)
        name = link.rsplit("/", 1)[-1]
        if not FILE_NAME.fullmatch(name):
            raise ImportRejected("not an artifact file name", field=at)
        return name

    for key in ("annotated_video", "contact_sheet"):
        if artifacts.get(key) is not None:
            artifacts[key] = name_of(artifacts[key], f"{field}.artifacts.{key}")
    plots = artifacts.get("plots", [])
    if not isinstance(plots, list):
        raise ImportRejected("must be a list", field=f"{field}.artifacts.plots")
    artifacts["plots"] = [name_of(p, f"{field}.artifacts.plots.{i}") for i, p in enumerate(plots)]
    stored["artifacts"] = artifacts
    missing = [name for name in artifact_names(result=stored) if name not in files]
    if missing and files:
        raise ImportRejected(f"the file {missing[0]!r} is missing", field=f"{field}.artifacts")
    return stored


def _unique(values: list[str], field: str) -> None:
    seen: set[str] = set()
    for n, value in enumerate(values):
        if value in seen:
            raise ImportRejected("the same id appears twice in this file", field=f"{field}.{n}")
        seen.add(value)


@contextmanager
def _written(folders: list[Path]) -> Iterator[None]:
    """Remove the folders written for new analyses if the import does not go through."""
    try:
        yield
    except BaseException:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
        raise


def import_all(*, session: Session, document: Any, analyses_root: Path) -> dict[str, int]:
    """Add what the export holds and this database lacks; validate everything first."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportRejected(
            "Not a backcheck export (format must be 'backcheck-export').", field="format"
        )
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ImportRejected(
            f"Unsupported export version (this app reads {VERSION}).", field="version"
        )
    sections = {name: _section(document, name) for name in SECTIONS}
    interviews = [_interview(raw, n) for n, raw in enumerate(sections["interviews"])]
    entries = [_entry(raw, n) for n, raw in enumerate(sections["journal"])]
    analyses = [_analysis(raw, n) for n, raw in enumerate(sections["analyses"])]
    _unique([i.id for i in interviews], "interviews")
    _unique([e.uid for e in entries], "journal")
    _unique([a.job.id for a in analyses if a is not None], "analyses")

    known_interviews = set(session.scalars(select(Interview.id)))
    known_uids = set(session.scalars(select(JournalEntry.uid)))
    known_jobs = set(session.scalars(select(AnalysisJob.id)))
    added_i = [i for i in interviews if i.id not in known_interviews]
    added_e = [e for e in entries if e.uid not in known_uids]
    added_a = [
        a
        for a in analyses
        if a is not None
        and a.job.id not in known_jobs
        and not jobs.job_dir(root=analyses_root, job_id=a.job.id).exists()
    ]
    folders: list[Path] = []
    with _written(folders):
        for analysis in added_a:
            folder = jobs.job_dir(root=analyses_root, job_id=analysis.job.id)
            folder.mkdir(parents=True, mode=0o700)
            folders.append(folder)
            for name, data in analysis.files.items():
                write_private(folder / name, data)
            if analysis.job.result is not None:  # stored paths point into the new folder
                analysis.job.result = _in_folder(analysis.job.result, folder)
        session.add_all(added_i)
        session.add_all(added_e)
        session.add_all([a.job for a in added_a])
        session.flush()  # the caller commits; a folder left by a failed commit is
        # removed at the next start-up (no job row owns it)
    return {
        "interviews_added": len(added_i),
        "interviews_skipped": len(interviews) - len(added_i),
        "journal_added": len(added_e),
        "journal_skipped": len(entries) - len(added_e),
        "analyses_added": len(added_a),
        "analyses_skipped": len(analyses) - len(added_a),
    }


def _in_folder(result: dict[str, Any], folder: Path) -> dict[str, Any]:
    out = dict(result)
    artifacts = dict(out.get("artifacts") or {})
    for key in ("annotated_video", "contact_sheet"):
        if isinstance(artifacts.get(key), str):
            artifacts[key] = str(folder / artifacts[key])
    artifacts["plots"] = [str(folder / p) for p in artifacts.get("plots") or []]
    out["artifacts"] = artifacts
    return out


def export_filename(*, today: date) -> str:
    """The download name of an export."""
    return f"backcheck-export-{today.isoformat()}.json"
