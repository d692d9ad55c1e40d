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
from functools import lru_cache

from backcheck.core.conditions import AtLeast, Condition, Findings, FindingValue, Leaf
from backcheck.core.derived import derive_findings
from backcheck.core.knowledge.schema import LEVEL_RANK, Knowledge, Level, TriageRuleDef

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
    """Apply the consistency fixes and add derived findings; return them and what changed.

    A lay answer (``asked_as``) is converted first to the finding it stands for, unless that
    was given itself (a clinician's measurement wins).
    """
    resolved = dict(findings)
    for fid, lay, conversion in _conversions(knowledge):
        if fid not in resolved:
            answer = resolved.get(lay)
            if isinstance(answer, str) and answer in conversion:
                resolved[fid] = conversion[answer]
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


@lru_cache(maxsize=4)
def _conversions(knowledge: Knowledge) -> tuple[tuple[str, str, dict[str, float]], ...]:
    return tuple(
        (f.id, f.asked_as, dict(f.conversion))
        for f in knowledge.findings.values()
        if f.asked_as is not None and f.conversion is not None
    )


def missing_red_flags(findings: Findings, knowledge: Knowledge) -> tuple[str, ...]:
    """Red-flag questions not yet answered, in the order the interview asks them."""
    return tuple([fid for fid in knowledge.red_flags if fid not in findings])


@dataclass(frozen=True, slots=True)
class _RuleEntry:
    """A rule with its reasons, built once: a reason depends only on the rule and the
    findings it names, so each (rule, named findings) pair gets one shared immutable Reason."""

    rule: TriageRuleDef
    when: Condition  # the rule's condition, at hand for the hot loop
    fixed: Reason | None  # where the rule names the same findings whenever it fires
    by_matched: dict[tuple[str, ...], Reason]  # the others, filled as they first occur

    def reason(self, findings: Findings) -> Reason:
        """The reason for this rule, which has fired on ``findings``."""
        if self.fixed is not None:
            return self.fixed
        matched = self.when.matched(findings)
        reason = self.by_matched.get(matched)
        if reason is None:
            rule = self.rule
            reason = Reason(rule.id, rule.level, rule.title, matched, rule.message)
            self.by_matched[matched] = reason
        return reason


@lru_cache(maxsize=4)
def _ordered_rules(knowledge: Knowledge) -> tuple[_RuleEntry, ...]:
    """Rules most severe first (a stable sort: ties keep file order)."""
    ordered = sorted(knowledge.rules, key=lambda rule: -LEVEL_RANK[rule.level])
    return tuple(_RuleEntry(rule, rule.when, _fixed_reason(rule), {}) for rule in ordered)


def _fixed_reason(rule: TriageRuleDef) -> Reason | None:
    """The rule's reason where it names the same findings whenever it fires.

    That is a single positive test (its finding is answered when it fires) or the unanswered
    screen (no finding); combinations and ``not_in`` depend on the answers.
    """
    when = rule.when
    if isinstance(when, AtLeast) or (isinstance(when, Leaf) and when.op == "not_in"):
        return None
    return Reason(rule.id, rule.level, rule.title, when.findings_in(), rule.message)


def triage(findings: Findings, knowledge: Knowledge) -> Triage:
    """Run every triage rule over (already consistency-resolved) findings."""
    missing = missing_red_flags(findings, knowledge)
    incomplete = bool(missing)
    fired = [
        entry.reason(findings)
        for entry in _ordered_rules(knowledge)
        if entry.when.holds(findings, incomplete)
    ]
    if not fired:
        settings = knowledge.settings
        fired.append(
            Reason(NO_RED_FLAGS, "self_care", "No red flags", (), settings.self_care_message)
        )
    return Triage(fired[0].level, not incomplete, missing, tuple(fired))
