"""Pydantic models of the knowledge files: what a reviewer edits, validated at load time."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from backcheck.core.conditions import Condition, FindingValue, parse_condition

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
    # enum: the answers that count as the finding being present (the alarm), mildest first
    positive: list[str] | None = None
    # bool: the worrying answer; false where the question is phrased so that "yes" (the
    # worrying answer) is stored as false ("is the pain the same whatever you do?")
    alarm_answer: bool = True
    labels: dict[str, str] | None = None
    # the short symptom line a grouped safety screen lists ("Do you have any of these?")
    item: str | None = None
    # a one-line how-to for a question a lifter answers by trying something
    how_to: str | None = None
    unit: str | None = None
    # the answer reports a fault as observed (by the lifter, a coach or a video)
    observation: bool = False
    # asked through a lay question (``asked_as``), whose answers ``conversion`` turns into this
    # finding's value; it is still accepted as given (a clinician's measurement)
    asked_as: str | None = None
    conversion: dict[str, float] | None = None
    min: float | None = None
    max: float | None = None
    derived_from: list[str] | None = None
    # asked only when this holds on the answers so far ("did self-care help?" only after
    # "yes, I tried it"); left out, not asked, when its findings are answered (or "don't
    # know") and it does not hold. Never on a red flag: every red flag is always asked.
    ask_when: ConditionField | None = None
    # a note to the reviewing physiotherapist: what in this item is backcheck's own reading
    review: str | None = None

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
            if set(self.labels or {}) != set(self.values):
                raise ValueError("an enum finding needs a label for every value, and no other")
        elif self.values or self.positive or self.labels:
            raise ValueError("'values', 'positive' and 'labels' are only for enum findings")
        if self.type != "bool" and not self.alarm_answer:
            raise ValueError("'alarm_answer' is only for yes/no findings")
        if self.type in ("int", "number") and (self.min is None or self.max is None):
            raise ValueError("a numeric finding needs 'min' and 'max'")
        if (self.asked_as is None) != (self.conversion is None):
            raise ValueError("'asked_as' and 'conversion' go together")
        if self.red_flag and self.ask_when is not None:
            raise ValueError("a red flag is always asked: no 'ask_when'")
        return self

    def left_out(self, findings: Mapping[str, FindingValue], seen: Container[str]) -> bool:
        """Whether this question is not to be asked: its ``ask_when`` reads only questions
        already answered or passed over (``seen``) and does not hold on ``findings``."""
        condition = self.ask_when
        if condition is None:
            return False
        settled = all(f in seen for f in condition.findings_in())
        return settled and not condition.holds(findings, False)

    @property
    def alarm_values(self) -> tuple[bool | str, ...]:
        """The answers that mean the finding is present: for a red flag, the worrying ones."""
        if self.type == "bool":
            return (self.alarm_answer,)
        return tuple(self.positive or ())

    @property
    def safe_value(self) -> bool | str | None:
        """The "no" answer a "none of these" shortcut gives (None: the finding has none)."""
        if self.type == "bool":
            return not self.alarm_values[0]
        if self.type == "enum" and self.positive:
            return next(v for v in self.values or [] if v not in self.positive)
        return None

    @property
    def yes_value(self) -> bool:
        """The stored value of a "yes" to a yes/no question (false where the question is
        phrased so that yes is the worrying answer stored as false)."""
        return bool(self.alarm_values[0]) if self.red_flag else True

    def label(self, value: object) -> str:
        """The plain-words label of one allowed value, as a person reads it."""
        if self.type == "bool":
            if not isinstance(value, bool):
                return str(value)
            return "Yes" if value is self.yes_value else "No"
        if self.type == "enum":
            return (self.labels or {}).get(str(value), str(value))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}" if self.unit else str(value)

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
    # identified only with supporting evidence from an observed fault (a finding marked
    # ``observation``); otherwise at most "possible"
    needs_observation: bool = False


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
    # a note to the reviewing physiotherapist: what in this item is backcheck's own reading
    review: str | None = None

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


class ScreenDef(_Item):
    """A screen of the interview: a few questions shown and answered together.

    ``context`` screens come first (they frame everything); ``safety`` screens hold every
    red-flag question, grouped the way the patient symptom cards list them.
    """

    id: str
    kind: Literal["context", "safety"]
    title: str
    intro: str | None = None
    findings: list[str] = Field(min_length=1)
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
    screens: tuple[ScreenDef, ...] = ()
    # the red flags in the order they are asked: the safety screens' order, then any other
    red_flags: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        on_screens = [f for s in self.screens if s.kind == "safety" for f in s.findings]
        rest = [f.id for f in self.findings.values() if f.red_flag and f.id not in on_screens]
        ordered = [f for f in on_screens if f in self.findings and self.findings[f].red_flag]
        object.__setattr__(self, "red_flags", tuple(ordered + rest))

    def rule(self, rule_id: str) -> TriageRuleDef:
        """The rule with this id."""
        return next(rule for rule in self.rules if rule.id == rule_id)
