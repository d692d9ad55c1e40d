"""Findings worked out from other answers, never asked: one small pure function each.

Kept apart from the knowledge files because they are arithmetic, not clinical judgement;
findings.yaml marks each with ``derived_from`` so reviewers see where it comes from.
"""

from __future__ import annotations

from collections.abc import Callable

from backcheck.core.conditions import Findings, FindingValue


def onset_age(findings: Findings) -> FindingValue | None:
    """Age when the pain began: today's age less the years it has lasted (NICE NG65, Finucane)."""
    age = findings.get("age")
    if not isinstance(age, int):
        return None
    months = findings.get("pain_months", 0)
    years = int(months) // 12 if isinstance(months, (int, float)) else 0
    return max(0, age - years)


DERIVATIONS: dict[str, Callable[[Findings], FindingValue | None]] = {"onset_age": onset_age}


def derive_findings(findings: dict[str, FindingValue]) -> dict[str, FindingValue]:
    """The findings plus every derived finding that can be worked out from them."""
    for finding_id, derive in DERIVATIONS.items():
        value = derive(findings)
        if value is not None:
            findings[finding_id] = value
    return findings
