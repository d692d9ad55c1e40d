"""Load and cross-check the knowledge files; any mistake fails loudly with file and field.

Reading the packaged YAML is the only I/O in the core, done once at start-up.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from backcheck.core.conditions import Condition, leaves
from backcheck.core.derived import DERIVATIONS
from backcheck.core.knowledge.schema import (
    LEVEL_RANK,
    CauseDef,
    ConsistencyDef,
    FindingDef,
    Knowledge,
    PlanItemDef,
    ProgrammeDef,
    ScreenDef,
    SettingsDef,
    SourceDef,
    TriageRuleDef,
)

FILES = {
    "sources": "sources.yaml",
    "findings": "findings.yaml",
    "rules": "triage_rules.yaml",
    "causes": "causes.yaml",
    "plan_items": "plan_items.yaml",
    "consistency": "consistency.yaml",
    "screens": "screens.yaml",
    "settings": "settings.yaml",
    "programme": "programme.yaml",
}
CAUSE_IDS = (
    "insufficient_bracing",
    "lumbar_flexion",
    "lumbar_hyperextension",
    "weak_core",
    "glute_weakness",
    "tight_hip_flexors",
    "tight_hamstrings",
    "limited_hip_thoracic_mobility",
)
REQUIRED_PLAN_IDS = (
    "emergency_care",
    "urgent_care",
    "see_clinician",
    "bracing_360",
    "rdl_substitution",
    "block_pulls",
    "reduce_load",
    "hip_thoracic_warmup",
    "heat_ice",
    "gentle_walking",
    "childs_pose",
    "avoid_static_rest",
)

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(ValueError):
    """A knowledge file is invalid; the message names the file, the item and the field."""


def _read(directory: Path | None, name: str) -> Any:
    if directory is not None:
        text = (directory / name).read_text(encoding="utf-8")
    else:
        text = resources.files("backcheck.core.knowledge").joinpath(name).read_text("utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{name}: not valid YAML: {exc}") from exc


def _items(model: type[M], raw: Any, name: str) -> list[M]:
    if not isinstance(raw, list):
        raise KnowledgeError(f"{name}: must be a list of items")
    items: list[M] = []
    for index, entry in enumerate(raw):
        label = entry.get("id", f"#{index}") if isinstance(entry, dict) else f"#{index}"
        try:
            items.append(model.model_validate(entry))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"]) or "(item)"
            raise KnowledgeError(f"{name}: item {label}: field {where}: {error['msg']}") from exc
    ids = [getattr(item, "id", None) for item in items]
    duplicates = sorted({i for i in ids if i is not None and ids.count(i) > 1})
    if duplicates:
        raise KnowledgeError(f"{name}: duplicate ids {duplicates}")
    return items


def load_knowledge_from(directory: Path | None = None) -> Knowledge:
    """Load, validate and cross-check the knowledge base (from a folder, for tests)."""
    raw = {key: _read(directory, name) for key, name in FILES.items()}
    try:
        settings = SettingsDef.model_validate(raw["settings"])
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise KnowledgeError(f"settings.yaml: field {field}: {error['msg']}") from exc
    programme = _programme(raw["programme"])
    plan_items = [
        item.model_copy(update={"stop_if": [_fill(programme, text) for text in item.stop_if]})
        for item in _items(PlanItemDef, raw["plan_items"], FILES["plan_items"])
    ]
    knowledge = Knowledge(
        sources={s.id: s for s in _items(SourceDef, raw["sources"], FILES["sources"])},
        findings={f.id: f for f in _items(FindingDef, raw["findings"], FILES["findings"])},
        rules=tuple(_items(TriageRuleDef, raw["rules"], FILES["rules"])),
        causes=tuple(_items(CauseDef, raw["causes"], FILES["causes"])),
        plan_items=tuple(plan_items),
        consistency=tuple(_items(ConsistencyDef, raw["consistency"], FILES["consistency"])),
        settings=settings,
        programme=programme,
        screens=tuple(_items(ScreenDef, raw["screens"], FILES["screens"])),
    )
    _cross_check(knowledge)
    return knowledge


def _programme(raw: Any) -> ProgrammeDef:
    """The programme with its texts' placeholders filled from the pain rule's numbers."""
    name = FILES["programme"]
    try:
        programme = ProgrammeDef.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(file)"
        raise KnowledgeError(f"{name}: field {where}: {error['msg']}") from exc
    rule = programme.rule.model_copy(
        update={"explanation": _fill(programme, programme.rule.explanation)}
    )
    phases = [
        phase.model_copy(
            update={
                field: [_fill(programme, text) for text in getattr(phase, field)]
                for field in ("progress_when", "step_back_when")
            }
        )
        for phase in programme.phases
    ]
    return programme.model_copy(update={"rule": rule, "phases": phases})


def _fill(programme: ProgrammeDef, text: str) -> str:
    """A text with the pain rule's numbers put in; an unknown placeholder fails loudly."""
    rule = programme.rule
    numbers = {
        "during_max": rule.during_max,
        "morning_over_baseline_max": rule.morning_over_baseline_max,
        "step_back_during_min": rule.step_back_during_min,
        "step_back_morning_over_min": rule.step_back_morning_over_min,
    }
    try:
        return text.format(**numbers)
    except (KeyError, IndexError, ValueError) as exc:
        raise KnowledgeError(f"unknown placeholder {exc} in {text!r}") from exc


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """The packaged knowledge base, loaded once."""
    return load_knowledge_from(None)


def _cross_check(kb: Knowledge) -> None:
    """References between files must resolve, and conditions must fit the findings' types."""

    def check_sources(name: str, item_id: str, source_ids: list[str]) -> None:
        for source_id in source_ids:
            if source_id not in kb.sources:
                raise KnowledgeError(f"{name}: item {item_id}: field source: unknown {source_id!r}")

    def check_condition(name: str, item_id: str, field: str, condition: Condition) -> None:
        for leaf in leaves(condition):
            finding = kb.findings.get(leaf.finding)
            where = f"{name}: item {item_id}: field {field}"
            if finding is None:
                raise KnowledgeError(f"{where}: unknown finding {leaf.finding!r}")
            if leaf.op == "not_in" and finding.red_flag:
                raise KnowledgeError(
                    f"{where}: 'not_in' on red flag {leaf.finding!r} would let a positive "
                    "answer lower the level"
                )
            values = leaf.value if leaf.op in ("in", "not_in") else [leaf.value]
            for value in values:
                if not _fits(finding, value, numeric_only=leaf.op in ("gt", "gte", "lt", "lte")):
                    raise KnowledgeError(
                        f"{where}: {value!r} does not fit {leaf.finding} ({finding.allowed()})"
                    )

    for finding in kb.findings.values():
        check_sources(FILES["findings"], finding.id, finding.source)
        if finding.derived != (finding.id in DERIVATIONS):
            raise KnowledgeError(
                f"{FILES['findings']}: item {finding.id}: field derived_from: must be set "
                "exactly for the findings core/derived.py computes"
            )
        for source_id in finding.derived_from or []:
            if source_id not in kb.findings:
                raise KnowledgeError(
                    f"{FILES['findings']}: item {finding.id}: field derived_from: "
                    f"unknown finding {source_id!r}"
                )
        if finding.ask_when is not None:
            check_condition(FILES["findings"], finding.id, "ask_when", finding.ask_when)
            if finding.id in finding.ask_when.findings_in():
                raise KnowledgeError(
                    f"{FILES['findings']}: item {finding.id}: field ask_when: cannot read itself"
                )
        if finding.asked_as is not None:
            lay = kb.findings.get(finding.asked_as)
            where = f"{FILES['findings']}: item {finding.id}: field asked_as"
            if lay is None or lay.type != "enum" or lay.red_flag or lay.asked_as:
                raise KnowledgeError(f"{where}: must name a choice question that is asked")
            if set(finding.conversion or {}) != set(lay.values or []):
                raise KnowledgeError(f"{where}: 'conversion' needs a value for every choice")
            if not all(_fits(finding, v) for v in (finding.conversion or {}).values()):
                raise KnowledgeError(f"{where}: a converted value is out of range")
    for rule in kb.rules:
        check_sources(FILES["rules"], rule.id, rule.source)
        check_condition(FILES["rules"], rule.id, "when", rule.when)
    for cause in kb.causes:
        check_sources(FILES["causes"], cause.id, cause.source)
        for index, evidence in enumerate(cause.evidence):
            field = f"evidence.{index}.when"
            check_condition(FILES["causes"], cause.id, field, evidence.when)
            if len(evidence.when.findings_in()) != 1:
                raise KnowledgeError(
                    f"{FILES['causes']}: item {cause.id}: field {field}: an evidence item must "
                    "read exactly one finding (items are combined as independent tests)"
                )
    missing_causes = set(CAUSE_IDS) - {c.id for c in kb.causes}
    if missing_causes:
        raise KnowledgeError(f"{FILES['causes']}: missing causes {sorted(missing_causes)}")
    cause_ids = {c.id for c in kb.causes}
    for item in kb.plan_items:
        check_sources(FILES["plan_items"], item.id, item.source)
        for cause_id in item.causes:
            if cause_id not in cause_ids:
                raise KnowledgeError(
                    f"{FILES['plan_items']}: item {item.id}: field causes: unknown {cause_id!r}"
                )
        for field_name in ("when", "avoid_when", "skip_when"):
            condition = getattr(item, field_name)
            if condition is not None:
                check_condition(FILES["plan_items"], item.id, field_name, condition)
    missing_plan = set(REQUIRED_PLAN_IDS) - {p.id for p in kb.plan_items}
    if missing_plan:
        raise KnowledgeError(f"{FILES['plan_items']}: missing items {sorted(missing_plan)}")
    for fix in kb.consistency:
        check_sources(FILES["consistency"], fix.id, fix.source)
        check_condition(FILES["consistency"], fix.id, "when", fix.when)
        for finding_id, value in fix.set.items():
            target = kb.findings.get(finding_id)
            if target is None or (value is not None and not _fits(target, value)):
                raise KnowledgeError(
                    f"{FILES['consistency']}: item {fix.id}: field set.{finding_id}: invalid"
                )
    check_sources("settings.yaml", "settings", kb.settings.self_care_source)
    check_sources(FILES["programme"], kb.programme.rule.id, kb.programme.rule.source)
    for phase in kb.programme.phases:
        check_sources(FILES["programme"], phase.id, phase.source)
    _check_screens(kb)
    _check_red_flags_stand_alone(kb)


def _check_screens(kb: Knowledge) -> None:
    """Every red flag sits on exactly one safety screen, listed by its symptom line; context
    screens hold only questions a lifter answers (no red flag, nothing derived)."""
    name = FILES["screens"]
    placed: dict[str, str] = {}
    on_screens = {fid for screen in kb.screens for fid in screen.findings}
    for screen in kb.screens:
        if not screen.id.isidentifier():
            raise KnowledgeError(f"{name}: item {screen.id}: field id: use letters, digits and _")
        for source_id in screen.source:
            if source_id not in kb.sources:
                raise KnowledgeError(
                    f"{name}: item {screen.id}: field source: unknown {source_id!r}"
                )
        for fid in screen.findings:
            finding = kb.findings.get(fid)
            where = f"{name}: item {screen.id}: field findings"
            if finding is None:
                raise KnowledgeError(f"{where}: unknown finding {fid!r}")
            if fid in placed:
                raise KnowledgeError(f"{where}: {fid} is already on screen {placed[fid]}")
            for earlier in finding.ask_when.findings_in() if finding.ask_when else ():
                if earlier in on_screens and earlier not in placed:
                    raise KnowledgeError(
                        f"{where}: {fid} is asked only after {earlier}: put {earlier} first"
                    )
            placed[fid] = screen.id
            if finding.derived:
                raise KnowledgeError(f"{where}: {fid} is worked out, never asked")
            if screen.kind == "safety" and (not finding.red_flag or not finding.item):
                raise KnowledgeError(
                    f"{where}: {fid} must be a red flag with an 'item' (its symptom line)"
                )
            if screen.kind == "context" and finding.red_flag:
                raise KnowledgeError(f"{where}: red flag {fid} belongs on a safety screen")
    for fid in kb.red_flags:
        if fid not in placed:
            raise KnowledgeError(f"{name}: red flag {fid} is on no safety screen")


def _check_red_flags_stand_alone(kb: Knowledge) -> None:
    """Each positive red-flag answer must, on its own, fire a rule at see_clinician or above.

    An unanswered red flag keeps the level at see_clinician or above; this check makes sure a
    positive answer can never do less, so answering one can never lower the level.
    """
    floor = LEVEL_RANK["see_clinician"]
    for fid in kb.red_flags:
        finding = kb.findings[fid]
        positives = finding.alarm_values
        if finding.type == "enum" and not positives:
            raise KnowledgeError(
                f"{FILES['findings']}: item {fid}: field positive: required for a red flag"
            )
        for value in positives:
            if not any(
                LEVEL_RANK[rule.level] >= floor and rule.when.holds({fid: value}, False)
                for rule in kb.rules
            ):
                raise KnowledgeError(
                    f"{FILES['rules']}: no rule at see_clinician or above fires for red flag "
                    f"{fid} = {value!r} on its own"
                )


def _fits(finding: FindingDef, value: object, numeric_only: bool = False) -> bool:
    if numeric_only:
        return finding.type in ("int", "number") and isinstance(value, int | float)
    if finding.type == "bool":
        return isinstance(value, bool)
    if finding.type == "enum":
        return value in (finding.values or [])
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and finding.min is not None
        and finding.max is not None
        and finding.min <= value <= finding.max
    )
