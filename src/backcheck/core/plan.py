"""Plan generation: pick plan items from the triage level and the identified causes.

Emergency and urgent results get care advice only (their items list no other level), so a
training plan can never sit beside an emergency.
"""

from __future__ import annotations

from dataclasses import dataclass

from backcheck.core.conditions import Findings
from backcheck.core.inference import CauseResult
from backcheck.core.knowledge.schema import Knowledge, PlanItemDef
from backcheck.core.triage import Triage

SECTION_ORDER = {"care": 0, "relief": 1, "train_around": 2, "fix": 3, "safety_net": 4}


@dataclass(frozen=True, slots=True)
class PlanStep:
    """A chosen plan item and the causes or rules that called for it."""

    id: str
    section: str
    title: str
    because: tuple[str, ...]
    steps: tuple[str, ...]
    dose: str


@dataclass(frozen=True, slots=True)
class AvoidedItem:
    """A plan item that would apply but is left out for safety, and why."""

    id: str
    title: str
    note: str


def build_plan(
    triage: Triage, causes: tuple[CauseResult, ...], findings: Findings, knowledge: Knowledge
) -> tuple[tuple[PlanStep, ...], tuple[AvoidedItem, ...]]:
    """Choose plan items in section order; report items held back by a contraindication."""
    identified = {cause.id for cause in causes if cause.identified}
    level_rules = tuple(r.rule for r in triage.reasons if r.level == triage.level)
    incomplete = not triage.complete
    chosen: list[PlanStep] = []
    avoided: list[AvoidedItem] = []
    for item in sorted(knowledge.plan_items, key=lambda i: SECTION_ORDER[i.section]):
        because = _because(item, identified, level_rules, triage.level)
        if because is None or (item.when is not None and not item.when.holds(findings, False)):
            continue
        if item.avoid_when is not None and item.avoid_when.holds(findings, incomplete):
            avoided.append(AvoidedItem(item.id, item.title, item.avoid_note or ""))
            continue
        chosen.append(
            PlanStep(item.id, item.section, item.title, because, tuple(item.steps), item.dose)
        )
    return tuple(chosen), tuple(avoided)


def _because(
    item: PlanItemDef, identified: set[str], level_rules: tuple[str, ...], level: str
) -> tuple[str, ...] | None:
    """The ids that justify an item, or None when it does not apply."""
    if level not in item.levels:
        return None
    matched = tuple(cause for cause in item.causes if cause in identified)
    if matched:
        return matched
    return level_rules if item.default else None
