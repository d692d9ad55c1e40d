"""Red-flag triage: the highest level among the rules that fire; safety invariants by design.

- An unanswered red-flag question never gives ``self_care``: the rule
  ``incomplete_red_flag_screen`` fires while any is missing, and ``missing`` lists them.
- Adding a red-flag finding never lowers the level: rules only use positive tests on red
  flags (the loader refuses ``not_in`` on one), so a new positive answer can only make more
  rules fire, and the level is a maximum.
- The emergency message comes first: reasons are ordered by level, most severe first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from backcheck.core.conditions import (
    ByMatched,
    Condition,
    Findings,
    FindingValue,
    Unanswered,
    compile_condition,
    compile_selection,
    names_all_when_true,
)
from backcheck.core.derived import derive_findings
from backcheck.core.knowledge.schema import (
    LEVEL_RANK,
    ConsistencyDef,
    Knowledge,
    Level,
    TriageRuleDef,
)

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


class Triage(NamedTuple):
    """The triage result: level, completeness and the reasons, most severe first (an
    immutable record; a named tuple is quicker to build than a frozen dataclass)."""

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
    for holds, fix in _fixes(knowledge):
        if holds(resolved, False):
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


@lru_cache(maxsize=4)
def _fixes(
    knowledge: Knowledge,
) -> tuple[tuple[Callable[[Findings, bool], bool], ConsistencyDef], ...]:
    """The consistency fixes in file order, each with its compiled condition (each is tested
    on the answers as the fixes before it left them)."""
    return tuple((compile_condition(fix.when).holds, fix) for fix in knowledge.consistency)


def missing_red_flags(findings: Findings, knowledge: Knowledge) -> tuple[str, ...]:
    """Red-flag questions not yet answered, in the order the interview asks them."""
    return tuple([fid for fid in knowledge.red_flags if fid not in findings])


@dataclass(frozen=True, slots=True)
class _Rules:
    """Every rule, most severe first (a stable sort: ties keep file order), compiled into one
    function that returns the reasons of the rules that hold. A reason depends only on the
    rule and the findings it names, so each (rule, named findings) pair gets one shared
    immutable Reason: built once where the rule names the same findings whenever it fires,
    else as each set of findings first occurs."""

    ordered: tuple[TriageRuleDef, ...]
    select: Callable[[Findings, bool], list[Reason]]


def _reason_maker(
    rule: TriageRuleDef, cache: dict[tuple[str, ...], Reason]
) -> Callable[[tuple[str, ...]], Reason]:
    def make(matched: tuple[str, ...]) -> Reason:
        reason = cache[matched] = Reason(rule.id, rule.level, rule.title, matched, rule.message)
        return reason

    return make


@lru_cache(maxsize=4)
def _rules(knowledge: Knowledge) -> _Rules:
    ordered = tuple(sorted(knowledge.rules, key=lambda rule: -LEVEL_RANK[rule.level]))
    choices: list[tuple[Condition, Reason | ByMatched]] = []
    for rule in ordered:
        fixed = _fixed_reason(rule)
        if fixed is None:
            cache: dict[tuple[str, ...], Reason] = {}
            choices.append((rule.when, ByMatched(cache, _reason_maker(rule, cache))))
        else:
            choices.append((rule.when, fixed))
    return _Rules(ordered, compile_selection(choices))


def _fixed_reason(rule: TriageRuleDef) -> Reason | None:
    """The rule's reason where it names the same findings whenever it fires, else None."""
    when = rule.when
    if isinstance(when, Unanswered) or names_all_when_true(when):
        return Reason(rule.id, rule.level, rule.title, when.findings_in(), rule.message)
    return None


def triage(findings: Findings, knowledge: Knowledge) -> Triage:
    """Run every triage rule over (already consistency-resolved) findings."""
    missing = tuple([fid for fid in knowledge.red_flags if fid not in findings])
    incomplete = bool(missing)
    fired = _rules(knowledge).select(findings, incomplete)
    if not fired:
        settings = knowledge.settings
        fired.append(
            Reason(NO_RED_FLAGS, "self_care", "No red flags", (), settings.self_care_message)
        )
    return Triage(fired[0].level, not incomplete, missing, tuple(fired))
