"""Free-text intake: read a lifter's own story into findings, then merge it with answers.

- ``read_story(text, today)`` → an ``Intake``: findings, the words behind each, and the red
  flags the interview must still confirm (pure; ``today`` dates "since Thursday").
- ``apply_story(case, intake)`` → the case with the story's findings added, never at a lower
  triage level than the case alone gives.
- ``assess_story(text, today, case)`` → the assessment JSON with its ``intake`` object.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backcheck.core.assessment import assess
from backcheck.core.case import Case
from backcheck.core.conditions import FindingValue
from backcheck.core.intake.reader import MAX_STORY_CHARACTERS, Evidence, Intake, read_story
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import LEVEL_RANK, Knowledge
from backcheck.core.triage import resolve_contradictions, triage

__all__ = [
    "MAX_STORY_CHARACTERS",
    "Evidence",
    "Intake",
    "apply_story",
    "assess_story",
    "read_story",
]


def _level_rank(findings: dict[str, FindingValue], kb: Knowledge) -> int:
    resolved, _ = resolve_contradictions(findings, kb)
    return LEVEL_RANK[triage(resolved, kb).level]


def _severity(kb: Knowledge, finding_id: str, value: FindingValue) -> int:
    """0 for a "no" answer to a red flag, higher for more severe positive answers."""
    definition = kb.findings[finding_id]
    if definition.type == "bool":
        return 1 if value is True else 0
    order = definition.positive or []
    return order.index(str(value)) + 1 if value in order else 0


def apply_story(
    case: Case, intake: Intake, knowledge: Knowledge | None = None
) -> tuple[Case, tuple[str, ...]]:
    """The case with the story's findings added, and notes on what the story changed.

    The case's own answers win, except that a red flag the story reports more severely
    (a positive mention against a "no") takes the safer reading. A story finding that would
    leave the triage level below what the case alone gives is not used: a story can raise
    the level, never lower it. Red-flag "no"s from the story are never added (they are only
    pre-filled for the interview to ask).
    """
    kb = knowledge or load_knowledge()
    base = _level_rank(dict(case.findings), kb)
    findings = dict(case.findings)
    notes: list[str] = []
    quotes = {e.finding: e.text for e in intake.evidence if e.certainty == "positive"}
    for finding_id, value in intake.case_findings.items():
        current = findings.get(finding_id)
        definition = kb.findings[finding_id]
        if current is not None:
            if current == value:
                continue
            if not definition.red_flag or _severity(kb, finding_id, value) <= _severity(
                kb, finding_id, current
            ):
                continue  # the lifter's answer wins
        trial = {**findings, finding_id: value}
        quote = quotes.get(finding_id, "")
        if _level_rank(trial, kb) < base:
            notes.append(
                f'Your story says "{quote}", but using it would lower the level your answers '
                "give, so it was left out."
            )
            continue
        if current is not None:
            notes.append(
                f'Your story says "{quote}", which is more serious than the answer given for '
                "the same question: the safer reading is used."
            )
        findings = trial
    merged = Case(findings, dict(case.confidence), (*case.notes, *notes))
    return merged, tuple(notes)


def assess_story(
    text: str,
    today: date | None,
    case: Case | None = None,
    knowledge: Knowledge | None = None,
    *,
    question_limit: int = 3,
) -> dict[str, Any]:
    """The assessment JSON of a story (merged with ``case`` when given) plus ``intake``.

    Its ``triage`` comes from the story's findings: positive red flags count at once, and
    red flags the story only denied stay in ``missing`` until they are answered.
    """
    kb = knowledge or load_knowledge()
    intake = read_story(text, today, kb)
    merged, _ = apply_story(case or Case({}), intake, kb)
    out = assess(merged, kb, question_limit=question_limit).to_dict()
    out["intake"] = intake.to_dict()
    return out
