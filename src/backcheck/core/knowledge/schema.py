"""Pydantic models of the knowledge files: what a reviewer edits, validated at load time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from backcheck.core.conditions import Condition, parse_condition

Level = Literal["emergency", "urgent", "see_clinician", "self_care"]
LEVELS: tuple[Level, ...] = ("self_care", "see_clinician", "urgent", "emergency")
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LEVELS)}

ConditionField = Annotated[Condition, BeforeValidator(parse_condition)]
SourceIds = Annotated[list[str], Field(min_length=1)]


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class SourceDef(_Item):
    """A citable source; items refer to it by id."""

    id: str
    citation: str


class FindingDef(_Item):
    """One question: its type, allowed values, and whether it is a red flag."""

    id: str
    group: Literal[
        "context",
        "course",
        "nerve_root",
        "cauda_equina",
        "serious_pathology",
        "mechanics",
        "root_screen",
    ]
    type: Literal["bool", "int", "number", "enum"]
    question: str
    source: SourceIds
    red_flag: bool = False
    values: list[str] | None = None
    positive: list[str] | None = None
    min: float | None = None
    max: float | None = None
    derived_from: list[str] | None = None

    @property
    def derived(self) -> bool:
        """Worked out from other answers (see core/derived.py), never asked or given."""
        return self.derived_from is not None

    @model_validator(mode="after")
    def _check_type_fields(self) -> FindingDef:
        if self.type == "enum":
            if not self.values:
                raise ValueError("an enum finding needs 'values'")
            if self.positive and not set(self.positive) <= set(self.values):
                raise ValueError("'positive' must be a subset of 'values'")
        elif self.values or self.positive:
            raise ValueError("'values' and 'positive' are only for enum findings")
        if self.type in ("int", "number") and (self.min is None or self.max is None):
            raise ValueError("a numeric finding needs 'min' and 'max'")
        return self

    def allowed(self) -> str:
        """Human-readable description of the allowed values (for error messages)."""
        if self.type == "bool":
            return "true or false"
        if self.type == "enum":
            return "one of " + ", ".join(self.values or [])
        kind = "a whole number" if self.type == "int" else "a number"
        return f"{kind} from {self.min:g} to {self.max:g}"


class TriageRuleDef(_Item):
    """A red-flag rule: when its condition holds, the result is at least its level."""

    id: str
    level: Level
    title: str
    message: str
    source: SourceIds
    when: ConditionField


class EvidenceDef(_Item):
    """How one observation bears on a cause, as a likelihood ratio."""

    when: ConditionField
    lr: float = Field(gt=0)
    says: str

    @model_validator(mode="after")
    def _not_neutral(self) -> EvidenceDef:
        if self.lr == 1:
            raise ValueError("lr of 1 carries no evidence: remove the item")
        return self


class CauseDef(_Item):
    """A mechanical or root cause of lifting back pain, with its evidence model."""

    id: str
    kind: Literal["mechanical", "root"]
    title: str
    prior: float = Field(gt=0, lt=1)
    explanation: str
    source: SourceIds
    evidence: list[EvidenceDef] = Field(min_length=1)


Lift = Literal["deadlift", "squat", "overhead_press", "bench_press", "row", "good_morning", "other"]


class PlanItemDef(_Item):
    """A plan step: when it is chosen, what to do and how much.

    An ``exercise`` is something the lifter does with their body, so it must also say when to
    stop (``stop_if``), an easier and a harder version, and name its illustrations: a plan that
    prescribes movement without stop rules is unsafe, and the loader refuses it.
    """

    id: str
    section: Literal["care", "relief", "train_around", "fix", "safety_net"]
    kind: Literal["care", "advice", "exercise"] = "advice"
    title: str
    levels: list[Level] = Field(min_length=1)
    steps: list[str] = Field(min_length=1)
    dose: str
    source: SourceIds
    causes: list[str] = Field(default_factory=list)
    default: bool = False
    when: ConditionField | None = None
    lifts: list[Lift] | None = None
    lift_unknown: bool = True
    skip_when: ConditionField | None = None
    skip_note: str | None = None
    avoid_when: ConditionField | None = None
    avoid_note: str | None = None
    stop_if: list[str] = Field(default_factory=list)
    regression: str | None = None
    progression: str | None = None
    illustrations: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _chosen_somehow(self) -> PlanItemDef:
        if not self.causes and not self.default:
            raise ValueError("a plan item needs 'causes' or 'default: true', or it is never chosen")
        if (self.avoid_when is None) != (self.avoid_note is None):
            raise ValueError("'avoid_when' and 'avoid_note' go together")
        if (self.skip_when is None) != (self.skip_note is None):
            raise ValueError("'skip_when' and 'skip_note' go together")
        if self.kind == "exercise":
            if not self.stop_if or not all(rule.strip() for rule in self.stop_if):
                raise ValueError("an exercise needs 'stop_if': plain rules for when to stop")
            for name in ("regression", "progression"):
                if not (getattr(self, name) or "").strip():
                    raise ValueError(f"an exercise needs a '{name}'")
            if not self.illustrations:
                raise ValueError("an exercise needs 'illustrations' (figure names)")
        if self.lifts is None and not self.lift_unknown:
            raise ValueError("'lift_unknown: false' needs 'lifts'")
        return self


class PainRuleDef(_Item):
    """The pain-monitoring rule that moves the programme on, holds it or steps it back."""

    id: str
    title: str
    explanation: str
    during_max: int = Field(ge=0, le=10)
    morning_over_baseline_max: int = Field(ge=0, le=10)
    step_back_during_min: int = Field(ge=1, le=10)
    step_back_morning_over_min: int = Field(ge=1, le=10)
    source: SourceIds

    @model_validator(mode="after")
    def _ordered(self) -> PainRuleDef:
        if self.step_back_during_min <= self.during_max:
            raise ValueError("'step_back_during_min' must be above 'during_max'")
        if self.step_back_morning_over_min <= self.morning_over_baseline_max:
            raise ValueError(
                "'step_back_morning_over_min' must be above 'morning_over_baseline_max'"
            )
        return self


class PhaseDef(_Item):
    """One stage of the way back to heavy lifting."""

    id: str
    title: str
    goal: str
    sessions: str
    load: str
    sections: list[Literal["relief", "train_around", "fix"]] = Field(min_length=1)
    sessions_to_progress: int = Field(ge=1, le=20)
    progress_when: list[str] = Field(min_length=1)
    step_back_when: list[str] = Field(min_length=1)
    source: SourceIds


class ProgrammeDef(_Item):
    """The staged programme: phases in order and the rule that moves between them."""

    rule: PainRuleDef
    levels: list[Level] = Field(min_length=1)
    phases: list[PhaseDef] = Field(min_length=3)

    @model_validator(mode="after")
    def _no_care_only_levels(self) -> ProgrammeDef:
        if {"emergency", "urgent"} & set(self.levels):
            raise ValueError("emergency and urgent results get care advice only, no programme")
        ids = [phase.id for phase in self.phases]
        if len(set(ids)) != len(ids):
            raise ValueError("phase ids must be unique")
        return self


class ConsistencyDef(_Item):
    """A contradiction between answers, and the safer reading to use instead."""

    id: str
    when: ConditionField
    set: dict[str, Any] = Field(default_factory=dict)
    message: str
    source: SourceIds


class SettingsDef(_Item):
    """Engine settings a reviewer may tune."""

    identified_threshold: float = Field(gt=0, lt=1)
    self_care_message: str
    self_care_source: SourceIds
    disclaimer: str


@dataclass(frozen=True, eq=False)
class Knowledge:
    """The whole validated knowledge base, with look-ups the engines need."""

    sources: dict[str, SourceDef]
    findings: dict[str, FindingDef]
    rules: tuple[TriageRuleDef, ...]
    causes: tuple[CauseDef, ...]
    plan_items: tuple[PlanItemDef, ...]
    consistency: tuple[ConsistencyDef, ...]
    settings: SettingsDef
    programme: ProgrammeDef
    red_flags: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "red_flags", tuple(f.id for f in self.findings.values() if f.red_flag)
        )

    def rule(self, rule_id: str) -> TriageRuleDef:
        """The rule with this id."""
        return next(rule for rule in self.rules if rule.id == rule_id)
