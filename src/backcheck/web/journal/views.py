"""Journal pages (quick entry form, chart, triage from the journal) and the journal API."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from backcheck.core.journal import ACTIVITIES, LOCATIONS, RADIATION, RESPONSES, SYMPTOMS
from backcheck.storage.errors import StorageError, saving, storage_errors
from backcheck.web.context import render
from backcheck.web.deps import EntryDep, FormDep, SessionDep
from backcheck.web.errors import AppError, error_responses, storage_failure
from backcheck.web.forms import Form
from backcheck.web.journal import service
from backcheck.web.journal.chart import pain_chart_svg
from backcheck.web.journal.schemas import EntryIn, EntryOut, JournalTriageOut

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/journal", tags=["journal"])

FRIENDLY = {
    "pain": "Choose how bad the pain is, from 0 to 10.",
    "day": "Enter a valid date (not in the future).",
}


def _journal_page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: Form | None = None,
    failure: StorageError | None = None,
) -> Response:
    status = 422 if errors else 200
    message = None
    if failure is not None:
        status, message = storage_failure(failure, method="POST", path=request.url.path)
    try:
        with storage_errors():
            entries = service.list_entries(session=session)
            triage = service.journal_assessment(session=session)
    except StorageError:
        if failure is None:
            raise
        entries, triage = [], None  # the form, with what was typed, is what matters now
    chart = pain_chart_svg(points=[(e.day, e.pain) for e in entries])
    return render(
        request,
        "journal/index.html",
        status,
        entries=list(reversed(entries)),
        chart=chart,
        triage=triage,
        failure=message,
        errors=errors or {},
        form=values or Form(values={"day": date.today().isoformat()}),
        today=date.today().isoformat(),
        locations=LOCATIONS,
        radiation=RADIATION,
        activities=ACTIVITIES,
        responses=RESPONSES,
        symptoms={key: label for key, (_f, _v, label) in SYMPTOMS.items()},
    )


@pages.get("/journal")
def journal_page(request: Request, session: SessionDep) -> Response:
    """The entry form, the chart, the triage from the journal and past entries."""
    return _journal_page(request, session)


def entry_from_form(form: Form) -> tuple[EntryIn | None, dict[str, str]]:
    """Validate a posted entry; the errors are keyed by field name."""
    raw: dict[str, Any] = {
        "day": form.get("day") or date.today().isoformat(),
        "pain": form.get("pain"),
        "locations": form.getlist("locations"),
        "radiates": form.get("radiates") or "no",
        "activities": form.getlist("activities"),
        "training": form.get("training"),
        "response": form.get("response") or None,
        "responses": {
            key: form.get(f"response_{key}") for key in ACTIVITIES if form.get(f"response_{key}")
        },
        "symptoms": form.getlist("symptoms"),
        "note": form.get("note"),
    }
    try:
        return EntryIn.model_validate(raw), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            message = FRIENDLY.get(field) or str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors


@pages.post("/journal")
def journal_add(request: Request, form: FormDep, session: SessionDep) -> Response:
    """Add an entry; invalid input re-shows the form with messages by the fields."""
    data, errors = entry_from_form(form)
    if data is None:
        return _journal_page(request, session, errors=errors, values=form)
    try:
        with saving(session):
            service.add_entry(session=session, data=data)
    except StorageError as exc:  # not saved: say so, and keep what was typed in the form
        return _journal_page(request, session, values=form, failure=exc)
    return RedirectResponse("/journal#triage", status_code=303)


@pages.post("/journal/{entry_id}/delete")
def journal_delete(
    request: Request, form: FormDep, entry: EntryDep, session: SessionDep
) -> Response:
    """Delete one entry; one that records a warning sign asks first, naming the sign."""
    signs = service.warning_labels(entry=entry)
    if signs and form.get("confirm") != "yes":
        return render(request, "journal/confirm_delete.html", entry=entry, signs=signs)
    service.delete_entry(session=session, entry=entry)
    return RedirectResponse("/journal", status_code=303)


SESSION_FRIENDLY = {
    "pain": "Choose the pain before the session, from 0 to 10.",
    "pain_during": "Choose the worst pain during the session, from 0 to 10.",
}


def _today_page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    values: Form | None = None,
    failure: StorageError | None = None,
) -> Response:
    status = 422 if errors else 200
    message = None
    if failure is not None:
        status, message = storage_failure(failure, method="POST", path=request.url.path)
    with storage_errors():
        view = service.today_view(session=session)  # needed to show the form at all
    return render(
        request,
        "journal/today.html",
        status,
        view=view,
        failure=message,
        errors=errors or {},
        form=values or Form(),
        today=date.today().isoformat(),
        symptoms={key: label for key, (_f, _v, label) in SYMPTOMS.items()},
    )


@pages.get("/today")
def today_page(request: Request, session: SessionDep) -> Response:
    """Today's session: the programme's phase, its exercises with pictures, and the log."""
    return _today_page(request, session)


def session_from_form(form: Form) -> tuple[EntryIn | None, dict[str, str]]:
    """Validate a logged session (a journal entry carrying the session's numbers)."""
    raw: dict[str, Any] = {
        "day": form.get("day") or date.today().isoformat(),
        "pain": form.get("pain"),
        "activities": ["training"],
        "training": form.get("load"),
        "symptoms": form.getlist("symptoms"),
        "radiates": "past_knee" if form.get("spread_down_leg") else "no",
        "session": {
            "done": form.getlist("done"),
            "load": form.get("load"),
            "pain_during": form.get("pain_during"),
            "pain_after": form.get("pain_after") or None,
            "spread_down_leg": bool(form.get("spread_down_leg")),
        },
    }
    try:
        return EntryIn.model_validate(raw), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            field = loc[1] if loc[:1] == ["session"] and len(loc) > 1 else (loc or ["form"])[0]
            message = SESSION_FRIENDLY.get(field) or str(error["msg"]).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors


@pages.post("/today")
def today_log(request: Request, form: FormDep, session: SessionDep) -> Response:
    """Log a session; the programme is replayed with it at once."""
    data, errors = session_from_form(form)
    if data is None:
        return _today_page(request, session, errors=errors, values=form)
    try:
        with saving(session):
            service.add_entry(session=session, data=data)
    except StorageError as exc:  # not saved: say so, and keep what was typed in the form
        return _today_page(request, session, values=form, failure=exc)
    return RedirectResponse("/today#programme-state", status_code=303)


@pages.post("/journal/{entry_id}/morning")
def journal_morning(form: FormDep, entry: EntryDep, session: SessionDep) -> Response:
    """The next morning's pain for a logged session: the rule can now decide."""
    raw = form.get("pain_next_morning")
    if not raw.isdigit() or not 0 <= int(raw) <= 10 or entry.session is None:
        raise AppError(422, "Choose this morning's pain, from 0 to 10.")
    service.set_next_morning(entry=entry, pain=int(raw))
    session.flush()
    return RedirectResponse("/today#programme-state", status_code=303)


@api.get("/entries", summary="List journal entries")
def api_list(session: SessionDep) -> list[EntryOut]:
    """Every entry, oldest day first."""
    return [service.entry_out(entry=e) for e in service.list_entries(session=session)]


@api.post(
    "/entries",
    status_code=201,
    summary="Add a journal entry",
    responses=error_responses(403, 422, 503, 507),
)
def api_add(body: EntryIn, session: SessionDep) -> EntryOut:
    """Store an entry; the response comes only after the commit."""
    entry = service.add_entry(session=session, data=body)
    return service.entry_out(entry=entry)


@api.get("/entries/{entry_id}", summary="One journal entry", responses=error_responses(404, 422))
def api_get(entry: EntryDep) -> EntryOut:
    """One entry by id."""
    return service.entry_out(entry=entry)


@api.put(
    "/entries/{entry_id}",
    summary="Replace a journal entry",
    responses=error_responses(403, 404, 422, 503, 507),
)
def api_put(body: EntryIn, entry: EntryDep, session: SessionDep) -> EntryOut:
    """Replace an entry's fields; the response comes only after the commit."""
    service.update_entry(entry=entry, data=body)
    session.flush()
    return service.entry_out(entry=entry)


@api.delete(
    "/entries/{entry_id}",
    status_code=204,
    summary="Delete a journal entry",
    responses=error_responses(403, 404, 422, 503, 507),
)
def api_delete(entry: EntryDep, session: SessionDep) -> Response:
    """Delete an entry."""
    service.delete_entry(session=session, entry=entry)
    return Response(status_code=204)


@api.get("/triage", summary="Triage re-run from the journal", responses=error_responses(409))
def api_triage(session: SessionDep) -> JournalTriageOut:
    """The latest interview's answers merged with what the journal shows, assessed."""
    triage = service.journal_assessment(session=session)
    if triage is None:
        raise AppError(409, "The journal has no entries yet.")
    return JournalTriageOut.model_validate(
        {
            "derived_findings": triage.derived,
            "reasons": list(triage.reasons),
            "interview_id": triage.interview_id,
            "interview_level": triage.interview_level,
            "assessment": triage.assessment,
        }
    )
