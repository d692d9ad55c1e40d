"""Plan generation: pick plan items from the triage level, the identified causes, the lift and
what the lifter already does.

Emergency and urgent results get care advice only (their items list no other level), so a
training plan can never sit beside an emergency. An item fitted to lifts (``lifts``) is chosen
only for those lifts, so a squatter never gets a deadlift-only substitute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from backcheck.core.conditions import Condition, Findings, compile_condition
from backcheck.core.inference import CauseResult
from backcheck.core.knowledge.schema import LEVELS, Knowledge, PlanItemDef
from backcheck.core.triage import Triage

SECTION_ORDER = {"care": 0, "relief": 1, "train_around": 2, "fix": 3, "safety_net": 4}
ILLUSTRATION_PATH = "/static/illustrations/{name}.svg"


def illustration_path(name: str) -> str:
    """The path the web app serves a figure at (as image/svg+xml)."""
    return ILLUSTRATION_PATH.format(name=name)


@dataclass(frozen=True, slots=True)
class PlanStep:
    """A chosen plan item and the causes or rules that called for it."""

    id: str
    section: str
    title: str
    because: tuple[str, ...]
    steps: tuple[str, ...]
    dose: str
    kind: str = "advice"
    stop_if: tuple[str, ...] = ()
    regression: str | None = None
    progression: str | None = None
    illustrations: tuple[str, ...] = ()

    @property
    def illustration(self) -> str | None:
        """The path of the item's main figure, if it has one."""
        return illustration_path(self.illustrations[0]) if self.illustrations else None


@dataclass(frozen=True, slots=True)
class AvoidedItem:
    """A plan item left out (for safety, or because the lifter already does it), and why."""

    id: str
    title: str
    note: str


class Plan(NamedTuple):
    """The chosen steps, the items held back for safety and those the lifter already does
    (an immutable record)."""

    steps: tuple[PlanStep, ...]
    held_back: tuple[AvoidedItem, ...]
    already_doing: tuple[AvoidedItem, ...]


@dataclass(frozen=True, slots=True)
class _Entry:
    """A plan item with what choosing it needs, worked out once: its causes and lifts as
    plain tuples and sets, its conditions compiled, and its outputs built once (a step
    depends only on the item and what called for it, so each (item, because) pair gets one
    shared immutable PlanStep)."""

    item: PlanItemDef
    held_back: AvoidedItem
    already: AvoidedItem
    causes: tuple[str, ...]
    default: bool
    lifts: frozenset[str] | None
    lift_unknown: bool
    when: _Test | None
    avoid_when: _Test | None
    skip_when: _Test | None
    by_because: dict[tuple[str, ...], PlanStep]  # filled as each first occurs

    def step(self, because: tuple[str, ...]) -> PlanStep:
        """The plan step for this item, called for by ``because``."""
        step = self.by_because.get(because)
        if step is None:
            item = self.item
            step = PlanStep(
                item.id,
                item.section,
                item.title,
                because,
                tuple(item.steps),
                item.dose,
                item.kind,
                tuple(item.stop_if),
                item.regression,
                item.progression,
                tuple(item.illustrations),
            )
            self.by_because[because] = step
        return step


_Test = Callable[[Findings, bool], bool]  # a compiled condition's ``holds``


def _compiled(condition: Condition | None) -> _Test | None:
    return None if condition is None else compile_condition(condition).holds


@lru_cache(maxsize=4)
def _entries_by_level(knowledge: Knowledge) -> dict[str, tuple[_Entry, ...]]:
    """For each triage level, the plan items offered at it, in section order (file order
    within a section), so a plan only looks at items its level allows."""
    ordered = sorted(knowledge.plan_items, key=lambda i: SECTION_ORDER[i.section])
    entries = [
        _Entry(
            i,
            AvoidedItem(i.id, i.title, i.avoid_note or ""),
            AvoidedItem(i.id, i.title, i.skip_note or ""),
            tuple(i.causes),
            i.default,
            None if i.lifts is None else frozenset(i.lifts),
            i.lift_unknown,
            _compiled(i.when),
            _compiled(i.avoid_when),
            _compiled(i.skip_when),
            {},
        )
        for i in ordered
    ]
    return {
        level: tuple(entry for entry in entries if level in entry.item.levels) for level in LEVELS
    }


def fits_lift(item: PlanItemDef, lift: object) -> bool:
    """Whether an item fitted to lifts applies to this lift (None: the lift is unanswered)."""
    if item.lifts is None:
        return True
    if lift is None:
        return item.lift_unknown
    return lift in item.lifts


def build_plan(
    triage: Triage, causes: tuple[CauseResult, ...], findings: Findings, knowledge: Knowledge
) -> Plan:
    """Choose plan items in section order; report items held back or already done."""
    identified = {cause.id for cause in causes if cause.identified}
    level = triage.level
    level_rules = tuple([r.rule for r in triage.reasons if r.level == level])
    incomplete = not triage.complete
    lift = findings.get("lift")
    chosen: list[PlanStep] = []
    avoided: list[AvoidedItem] = []
    already: list[AvoidedItem] = []
    for entry in _entries_by_level(knowledge)[level]:
        # the ids that justify the item (its identified causes, else the level's rules for a
        # default item); none: it does not apply
        because = tuple([cause for cause in entry.causes if cause in identified])
        if not because:
            if not entry.default:
                continue
            because = level_rules
        lifts = entry.lifts  # fits_lift, written out
        if lifts is not None and not (entry.lift_unknown if lift is None else lift in lifts):
            continue
        if entry.when is not None and not entry.when(findings, False):
            continue
        if entry.avoid_when is not None and entry.avoid_when(findings, incomplete):
            avoided.append(entry.held_back)
            continue
        if entry.skip_when is not None and entry.skip_when(findings, False):
            already.append(entry.already)
            continue
        chosen.append(entry.step(because))
    return Plan(tuple(chosen), tuple(avoided), tuple(already))
