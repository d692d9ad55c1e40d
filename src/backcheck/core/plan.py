"""Plan generation: pick plan items from the triage level and the identified causes.

Emergency and urgent results get care advice only (their items list no other level), so a
training plan can never sit beside an emergency.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from backcheck.core.conditions import Findings
from backcheck.core.inference import CauseResult
from backcheck.core.knowledge.schema import LEVELS, Knowledge, PlanItemDef
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


@dataclass(frozen=True, slots=True)
class _Entry:
    """A plan item with its output built once: a step depends only on the item and what
    called for it, so each (item, because) pair gets one shared immutable PlanStep."""

    item: PlanItemDef
    held_back: AvoidedItem
    by_because: dict[tuple[str, ...], PlanStep]  # filled as each first occurs

    def step(self, because: tuple[str, ...]) -> PlanStep:
        """The plan step for this item, called for by ``because``."""
        step = self.by_because.get(because)
        if step is None:
            item = self.item
            step = PlanStep(
                item.id, item.section, item.title, because, tuple(item.steps), item.dose
            )
            self.by_because[because] = step
        return step


@lru_cache(maxsize=4)
def _entries_by_level(knowledge: Knowledge) -> dict[str, tuple[_Entry, ...]]:
    """For each triage level, the plan items offered at it, in section order (file order
    within a section), so a plan only looks at items its level allows."""
    ordered = sorted(knowledge.plan_items, key=lambda i: SECTION_ORDER[i.section])
    entries = [_Entry(i, AvoidedItem(i.id, i.title, i.avoid_note or ""), {}) for i in ordered]
    return {
        level: tuple(entry for entry in entries if level in entry.item.levels) for level in LEVELS
    }


def build_plan(
    triage: Triage, causes: tuple[CauseResult, ...], findings: Findings, knowledge: Knowledge
) -> tuple[tuple[PlanStep, ...], tuple[AvoidedItem, ...]]:
    """Choose plan items in section order; report items held back by a contraindication."""
    identified = {cause.id for cause in causes if cause.identified}
    level_rules = tuple(r.rule for r in triage.reasons if r.level == triage.level)
    incomplete = not triage.complete
    chosen: list[PlanStep] = []
    avoided: list[AvoidedItem] = []
    for entry in _entries_by_level(knowledge)[triage.level]:
        item = entry.item
        because = _because(item, identified, level_rules)
        if because is None or (item.when is not None and not item.when.holds(findings, False)):
            continue
        if item.avoid_when is not None and item.avoid_when.holds(findings, incomplete):
            avoided.append(entry.held_back)
            continue
        chosen.append(entry.step(because))
    return tuple(chosen), tuple(avoided)


def _because(
    item: PlanItemDef, identified: set[str], level_rules: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The ids that justify an item offered at the level, or None when it does not apply."""
    matched = tuple([cause for cause in item.causes if cause in identified])
    if matched:
        return matched
    return level_rules if item.default else None
