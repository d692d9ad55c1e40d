"""Journal pages (quick entry form, chart, triage from the journal) and the journal API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

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
from backcheck.web.journal.chart import chart_caption, pain_chart_svg, period_days
from backcheck.web.journal.schemas import EntryIn, EntryOut, JournalTriageOut

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/journal", tags=["journal"])

FRIENDLY = {
    "pain": "Choose how bad the pain is, from 0 to 10.",
    "day": "Enter a valid date (not in the future).",
}


@dataclass(frozen=True)
class Place:
    """Which page of entries to show: the latest, older or newer than an entry, or the latest
    up to a day (from the page links and the date picker)."""

    older: service.Cursor | None = None
    newer: service.Cursor | None = None
    until: date | None = None

    @classmethod
    def parse(cls, older: str = "", newer: str = "", until: str = "") -> Place:
        """From the query (or a form's hidden fields); AppError when a value is not one."""
        try:
            return cls(
                older=service.Cursor.parse(older) if older else None,
                newer=service.Cursor.parse(newer) if newer else None,
                until=date.fromisoformat(until) if until else None,
            )
        except ValueError:
            raise AppError(
                422, "That link does not point to a page of the journal. Open the journal again."
            ) from None

    def fields(self) -> list[tuple[str, str]]:
        """The page's place as (name, value) pairs (none for the latest entries)."""
        pairs = {"older": self.older, "newer": self.newer, "until": self.until}
        return [(k, str(v)) for k, v in pairs.items() if v is not None]

    def query(self) -> str:
        """The page's query string ('' for the latest entries)."""
        return urlencode(self.fields())


def _journal_page(
    request: Request,
    session: Session,
    *,
    place: Place | None = None,
    errors: dict[str, str] | None = None,
    values: Form | None = None,
    failure: StorageError | None = None,
) -> Response:
    status = 422 if errors else 200
    message = None
    place = place or Place()
    if failure is not None:
        status, message = storage_failure(failure, method="POST", path=request.url.path)
    page: service.EntryPage | None
    try:
        with storage_errors():
            page = service.entry_page(
                session=session, older=place.older, newer=place.newer, until=place.until
            )
            triage = service.journal_assessment(session=session)
            chart_days = service.daily_pain(session=session)
    except StorageError:
        if failure is None:
            raise
        page, triage, chart_days = None, None, []  # the form, with what was typed, matters now
    chart = pain_chart_svg(days=chart_days)
    return render(
        request,
        "journal/index.html",
        status,
        page=page,
        place=place,
        entries=page.entries if page is not None else [],
        chart=chart,
        chart_caption=chart_caption(period_days(chart_days)),
        chart_period=period_days(chart_days),
        place_fields=place.fields(),
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
def journal_page(
    request: Request, session: SessionDep, older: str = "", newer: str = "", until: str = ""
) -> Response:
    """The entry form, the triage from the journal, the chart of the whole episode and one
    page of entries (the latest, or older/newer ones through the links)."""
    return _journal_page(request, session, place=Place.parse(older, newer, until))


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
    place = Place.parse(form.get("older"), form.get("newer"), form.get("until"))
    back = "/journal" + (f"?{place.query()}" if place.query() else "")
    signs = service.warning_labels(entry=entry)
    if signs and form.get("confirm") != "yes":
        return render(
            request, "journal/confirm_delete.html", entry=entry, signs=signs, place=place,
            back=back,
        )  # fmt: skip
    service.delete_entry(session=session, entry=entry)
    return RedirectResponse(back, status_code=303)


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
