"""The home page and a self-contained API reference at /docs (no CDN, CSP-safe)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from backcheck.web.context import render
from backcheck.web.deps import ContextDep, SessionDep
from backcheck.web.interview.service import interview_level, latest_interview
from backcheck.web.journal.service import journal_assessment

pages = APIRouter(include_in_schema=False)


@pages.get("/")
def home(request: Request, session: SessionDep) -> Response:
    """Where to start, and the latest triage if there is one."""
    interview = latest_interview(session=session)
    journal = journal_assessment(session=session)
    latest = (interview.id, interview_level(interview), interview.finished) if interview else None
    return render(request, "home.html", latest=latest, journal=journal)


@pages.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for this path; the icon is the SVG."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


@pages.get("/docs")
def api_docs(request: Request, ctx: ContextDep) -> Response:
    """The OpenAPI document rendered as a page (the raw JSON is at /openapi.json)."""
    spec: dict[str, Any] = request.app.openapi()
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "body": bool(op.get("requestBody")),
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return render(request, "docs.html", spec=spec, operations=operations, ctx=ctx)
