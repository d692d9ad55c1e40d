"""Shared helpers for the core tests: the knowledge base and a red-flag-negative baseline."""

from __future__ import annotations

from typing import Any

from backcheck.core import assess, load_knowledge, parse_case
from backcheck.core.assessment import Assessment

KB = load_knowledge()


def negative_value(finding_id: str) -> Any:
    """The answer that says "no" to a red-flag question (its safe value: bools False, except
    a question phrased so that "yes" is stored as false; leg_weakness none)."""
    value = KB.findings[finding_id].safe_value
    if value is None:
        raise AssertionError(f"red flag {finding_id} has no negative answer")
    return value


# Every red-flag question answered "no".
BASELINE: dict[str, Any] = {fid: negative_value(fid) for fid in KB.red_flags}


def run(findings: dict[str, Any], *, baseline: bool = True, **extra: Any) -> Assessment:
    """Assess ``findings`` on top of the red-flag-negative baseline (unless told not to)."""
    merged = {**BASELINE, **findings} if baseline else dict(findings)
    return assess(parse_case({"findings": merged, **extra}, KB), KB)


def rule_ids(assessment: Assessment) -> list[str]:
    """The ids of the triage rules that fired, most severe first."""
    return [reason.rule for reason in assessment.triage.reasons]


def plan_ids(assessment: Assessment) -> list[str]:
    """The ids of the chosen plan items."""
    return [step.id for step in assessment.plan]


def identified(assessment: Assessment) -> set[str]:
    """The ids of the identified causes."""
    return {cause.id for cause in assessment.causes if cause.identified}


def cause(assessment: Assessment, cause_id: str) -> Any:
    """One cause result by id."""
    return next(c for c in assessment.causes if c.id == cause_id)
