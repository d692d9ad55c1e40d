"""Red-flag triage: the highest level among the rules that fire; safety invariants by design.

- An unanswered red-flag question never gives ``self_care``: the rule
  ``incomplete_red_flag_screen`` fires while any is missing, and ``missing`` lists them.
- Adding a red-flag finding never lowers the level: rules only use positive tests on red
  flags (the loader refuses ``not_in`` on one), so a new positive answer can only make more
  rules fire, and the level is a maximum.
- The emergency message comes first: reasons are ordered by level, most severe first.
"""

from __future__ import annotations

from dataclasses import dataclass

from backcheck.core.conditions import Findings, FindingValue
from backcheck.core.derived import derive_findings
from backcheck.core.knowledge.schema import LEVEL_RANK, Knowledge, Level

NO_RED_FLAGS = "no_red_flags"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the level is what it is: one fired rule."""

    rule: str
    level: Level
    title: str
    findings: tuple[str, ...]
    message: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A contradiction in the answers and how it was resolved toward safety."""

    rule: str
    changed: dict[str, FindingValue | None]
    message: str


@dataclass(frozen=True, slots=True)
class Triage:
    """The triage result: level, completeness and the reasons, most severe first."""

    level: Level
    complete: bool
    missing: tuple[str, ...]
    reasons: tuple[Reason, ...]


def resolve_contradictions(
    findings: Findings, knowledge: Knowledge
) -> tuple[dict[str, FindingValue], tuple[Adjustment, ...]]:
    """Apply the consistency fixes and add derived findings; return them and what changed."""
    resolved = dict(findings)
    adjustments: list[Adjustment] = []
    for fix in knowledge.consistency:
        if fix.when.holds(resolved, False):
            for key, value in fix.set.items():
                if value is None:
                    resolved.pop(key, None)
                else:
                    resolved[key] = value
            adjustments.append(Adjustment(fix.id, dict(fix.set), fix.message))
    return derive_findings(resolved), tuple(adjustments)


def missing_red_flags(findings: Findings, knowledge: Knowledge) -> tuple[str, ...]:
    """Red-flag questions not yet answered, in the order the interview asks them."""
    return tuple(fid for fid in knowledge.red_flags if fid not in findings)


def triage(findings: Findings, knowledge: Knowledge) -> Triage:
    """Run every triage rule over (already consistency-resolved) findings."""
    missing = missing_red_flags(findings, knowledge)
    incomplete = bool(missing)
    fired = [
        Reason(rule.id, rule.level, rule.title, rule.when.matched(findings), rule.message)
        for rule in knowledge.rules
        if rule.when.holds(findings, incomplete)
    ]
    if not fired:
        settings = knowledge.settings
        fired.append(
            Reason(NO_RED_FLAGS, "self_care", "No red flags", (), settings.self_care_message)
        )
    fired.sort(key=lambda reason: -LEVEL_RANK[reason.level])
    return Triage(fired[0].level, not incomplete, missing, tuple(fired))
