"""The printable report: everything a physiotherapist or doctor would want on one page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backcheck.core import assess
from backcheck.core.journal import ACTIVITIES, LOCATIONS, RADIATION, RESPONSES, SYMPTOMS
from backcheck.jobs import JobStatus
from backcheck.jobs.store import list_jobs
from backcheck.storage import AnalysisJob, Interview, JournalEntry
from backcheck.web.analyses.service import public_result
from backcheck.web.interview.labels import answers_by_section
from backcheck.web.interview.service import case_of, latest_interview
from backcheck.web.journal.chart import pain_chart_svg
from backcheck.web.journal.service import (
    JournalTriage,
    daily_pain,
    entry_page,
    journal_assessment,
    with_chosen_video,
)

REPORT_ENTRIES = 60  # the journal's latest entries listed; the chart and reading cover all


@dataclass(frozen=True)
class Report:
    """The pieces of the report page."""

    interview: Interview | None
    interview_assessment: dict[str, Any] | None
    # (section, [(question, answer)]), red flags first, all in plain words
    answers: list[tuple[str, list[tuple[str, str]]]]
    journal: JournalTriage | None
    entries: list[JournalEntry]  # the latest REPORT_ENTRIES, newest first
    entries_total: int
    chart: str
    analysis: AnalysisJob | None
    analysis_result: dict[str, Any] | None
    other_analyses: list[tuple[str, dict[str, Any]]]  # not used in the assessment (label, JSON)

    @property
    def current(self) -> dict[str, Any] | None:
        """The assessment that counts now: answers merged with the journal when there is one."""
        return self.journal.assessment if self.journal else self.interview_assessment


LABELS: dict[str, dict[str, str]] = {
    "locations": LOCATIONS,
    "radiates": RADIATION,
    "activities": ACTIVITIES,
    "response": RESPONSES,
    "symptoms": {key: label for key, (_f, _v, label) in SYMPTOMS.items()},
}


def build_report(*, session: Session) -> Report:
    """Gather the latest interview, the journal and the latest finished analysis."""
    interview = latest_interview(session=session)
    assessment = None
    answers: list[tuple[str, list[tuple[str, str]]]] = []
    if interview is not None:
        case, _label = with_chosen_video(
            session=session, case=case_of(findings=interview.findings), interview=interview
        )
        assessment = assess(case).to_dict()
        answers = answers_by_section(dict(interview.findings))
    latest = entry_page(session=session, size=REPORT_ENTRIES)
    done = [j for j in list_jobs(session=session) if j.status == JobStatus.DONE and j.result]
    # The analysis the lifter chose for this assessment; without a choice, none is implied.
    chosen = interview.analysis_id if interview is not None else None
    analysis = next((j for j in done if j.id == chosen), None)
    result = None
    if analysis is not None and analysis.result is not None:
        result = public_result(job_id=analysis.id, result=analysis.result)
    others = [
        (j.label, public_result(job_id=j.id, result=j.result))
        for j in done
        if j.result is not None and j is not analysis
    ][:5]
    return Report(
        interview=interview,
        interview_assessment=assessment,
        answers=answers,
        journal=journal_assessment(session=session),
        entries=latest.entries,
        entries_total=latest.total,
        chart=pain_chart_svg(days=daily_pain(session=session)),
        analysis=analysis,
        analysis_result=result,
        other_analyses=others,
    )
