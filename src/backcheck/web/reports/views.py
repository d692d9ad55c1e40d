"""The printable report page (print stylesheet; the browser's "Save as PDF" makes the PDF)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from starlette.responses import Response

from backcheck.web.context import render
from backcheck.web.deps import SessionDep
from backcheck.web.reports.service import LABELS, build_report

pages = APIRouter(include_in_schema=False)


@pages.get("/report")
def report_page(request: Request, session: SessionDep) -> Response:
    """Triage, answers, plan, journal and video findings on one printable page."""
    report = build_report(session=session)
    return render(request, "reports/report.html", rep=report, labels=LABELS, today=date.today())
