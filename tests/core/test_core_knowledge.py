"""The knowledge base loads, fails loudly when broken, is sourced, complete and paraphrased."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import backcheck.core.knowledge as knowledge_package
from backcheck.core import KnowledgeError, load_knowledge
from backcheck.core.knowledge.loader import load_knowledge_from
from tests.core.core_kit import KB

KNOWLEDGE_DIR = Path(knowledge_package.__file__).parent
SHARED = Path(__file__).resolve().parents[3] / "shared"
ARTICLE = SHARED / "source" / "lifting-back-pain-article.txt"
CAUSE_IDS = {
    "insufficient_bracing",
    "lumbar_flexion",
    "lumbar_hyperextension",
    "weak_core",
    "glute_weakness",
    "tight_hip_flexors",
    "tight_hamstrings",
    "limited_hip_thoracic_mobility",
}
PLAN_IDS = {
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
}


def test_knowledge_loads_and_is_cached() -> None:
    kb = load_knowledge()
    assert kb is load_knowledge()
    assert kb.rules and kb.causes and kb.plan_items and kb.findings and kb.sources
    assert load_knowledge_from(KNOWLEDGE_DIR).findings.keys() == kb.findings.keys()


# ------------------------------------------------------------------- broken knowledge
def _copy(tmp_path: Path) -> Path:
    for path in KNOWLEDGE_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(tmp_path: Path, name: str, change: Callable[[Any], None]) -> None:
    path = tmp_path / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _item(data: list[dict[str, Any]], item_id: str) -> dict[str, Any]:
    return next(entry for entry in data if entry.get("id") == item_id)


def _set(item_id: str, key: str, value: Any) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        _item(data, item_id)[key] = value

    return change


def _duplicate_first(data: Any) -> None:
    data.append(dict(data[0]))


def _bad_evidence(data: Any) -> None:
    _item(data, "weak_core")["evidence"][0]["when"] = {"finding": "no_such_finding", "is": True}


def _not_in_on_red_flag(data: Any) -> None:
    _item(data, "foot_drop")["when"] = {"finding": "leg_weakness", "not_in": ["none"]}


def _bad_condition_value(data: Any) -> None:
    _item(data, "new_leg_weakness")["when"] = {"finding": "leg_weakness", "in": ["very"]}


def _unknown_plan_cause(data: Any) -> None:
    _item(data, "rdl_substitution")["causes"] = ["bad_posture"]


def _drop_required_plan(data: Any) -> None:
    data[:] = [entry for entry in data if entry.get("id") != "childs_pose"]


def _drop_cause(data: Any) -> None:
    data[:] = [entry for entry in data if entry.get("id") != "tight_hamstrings"]


def _extra_field(data: Any) -> None:
    _item(data, "saddle_numbness")["severity"] = "high"


def _empty_source(data: Any) -> None:
    _item(data, "chest_pain")["source"] = []


def _two_finding_evidence(data: Any) -> None:
    _item(data, "weak_core")["evidence"][0]["when"] = {
        "all": [
            {"finding": "core_feels_weak", "is": True},
            {"finding": "plank_hold_s", "lt": 30},
        ]
    }


def _bad_consistency_set(data: Any) -> None:
    _item(data, "foot_drop_means_new_weakness")["set"] = {"leg_weakness": "terrible"}


def _drop_infection_risk_rule(data: Any) -> None:
    # Without it, iv_drug_use alone would fire no rule: answering it could lower the level.
    data[:] = [entry for entry in data if entry.get("id") != "infection_risk_factor"]


def _derived_without_derivation(data: Any) -> None:
    _item(data, "plank_hold_s")["derived_from"] = ["age"]


BROKEN: list[tuple[str, str, Callable[[Any], None], list[str]]] = [
    ("red flag that fires nothing on its own", "triage_rules.yaml", _drop_infection_risk_rule,
     ["triage_rules.yaml", "iv_drug_use", "on its own"]),
    ("derived finding with no derivation", "findings.yaml", _derived_without_derivation,
     ["findings.yaml", "plank_hold_s", "derived_from"]),
    ("unknown source id", "triage_rules.yaml", _set("chest_pain", "source", ["blog.post"]),
     ["triage_rules.yaml", "chest_pain", "source", "blog.post"]),
    ("unknown source on a finding", "findings.yaml", _set("age", "source", ["nope"]),
     ["findings.yaml", "age", "source"]),
    ("rule with a bad level", "triage_rules.yaml", _set("foot_drop", "level", "asap"),
     ["triage_rules.yaml", "foot_drop", "level"]),
    ("evidence on an unknown finding", "causes.yaml", _bad_evidence,
     ["causes.yaml", "weak_core", "evidence", "no_such_finding"]),
    ("not_in on a red flag", "triage_rules.yaml", _not_in_on_red_flag,
     ["triage_rules.yaml", "foot_drop", "when", "not_in", "leg_weakness"]),
    ("duplicate rule ids", "triage_rules.yaml", _duplicate_first,
     ["triage_rules.yaml", "duplicate", "cauda_equina_symptoms"]),
    ("duplicate finding ids", "findings.yaml", _duplicate_first,
     ["findings.yaml", "duplicate", "saddle_numbness"]),
    ("duplicate plan ids", "plan_items.yaml", _duplicate_first,
     ["plan_items.yaml", "duplicate", "emergency_care"]),
    ("condition value not allowed", "triage_rules.yaml", _bad_condition_value,
     ["triage_rules.yaml", "new_leg_weakness", "when", "very"]),
    ("malformed condition", "triage_rules.yaml", _set("chest_pain", "when", {"finding": "x"}),
     ["triage_rules.yaml", "chest_pain", "when"]),
    ("plan item names an unknown cause", "plan_items.yaml", _unknown_plan_cause,
     ["plan_items.yaml", "rdl_substitution", "causes", "bad_posture"]),
    ("required plan item removed", "plan_items.yaml", _drop_required_plan,
     ["plan_items.yaml", "childs_pose"]),
    ("required cause removed", "causes.yaml", _drop_cause, ["causes.yaml", "tight_hamstrings"]),
    ("unknown field", "findings.yaml", _extra_field,
     ["findings.yaml", "saddle_numbness", "severity"]),
    ("empty source list", "triage_rules.yaml", _empty_source,
     ["triage_rules.yaml", "chest_pain", "source"]),
    ("prior out of range", "causes.yaml", _set("weak_core", "prior", 1.5),
     ["causes.yaml", "weak_core", "prior"]),
    ("evidence reading two findings", "causes.yaml", _two_finding_evidence,
     ["causes.yaml", "weak_core", "evidence"]),
    ("bad consistency value", "consistency.yaml", _bad_consistency_set,
     ["consistency.yaml", "foot_drop_means_new_weakness", "leg_weakness"]),
    ("bad settings threshold", "settings.yaml",
     lambda data: data.__setitem__("identified_threshold", 2),
     ["settings.yaml", "identified_threshold"]),
]


@pytest.mark.parametrize(("label", "name", "change", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_knowledge_fails_naming_file_and_field(
    tmp_path: Path, label: str, name: str, change: Callable[[Any], None], words: list[str]
) -> None:
    folder = _copy(tmp_path)
    load_knowledge_from(folder)  # the untouched copy loads
    _edit(folder, name, change)
    with pytest.raises(KnowledgeError) as info:
        load_knowledge_from(folder)
    message = str(info.value)
    for word in words:
        assert word in message, f"{label}: {word!r} not in {message!r}"


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "causes.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"causes\.yaml"):
        load_knowledge_from(folder)


# ------------------------------------------------------------------- sources
def _sourced_items() -> Iterator[tuple[str, list[str]]]:
    for finding in KB.findings.values():
        yield f"finding {finding.id}", finding.source
    for rule in KB.rules:
        yield f"rule {rule.id}", rule.source
    for cause in KB.causes:
        yield f"cause {cause.id}", cause.source
    for item in KB.plan_items:
        yield f"plan {item.id}", item.source
    for fix in KB.consistency:
        yield f"consistency {fix.id}", fix.source
    yield "settings", KB.settings.self_care_source


def test_every_item_has_a_known_source() -> None:
    for label, sources in _sourced_items():
        assert sources, label
        assert set(sources) <= set(KB.sources), label
    for source in KB.sources.values():
        assert source.citation.strip()


def test_article_sections_are_all_cited() -> None:
    used = {s for _, sources in _sourced_items() for s in sources}
    assert {
        "article.mechanical",
        "article.root_causes",
        "article.practical_steps",
        "article.red_flags",
    } <= used


# ------------------------------------------------------------------- completeness
def test_every_article_cause_is_represented() -> None:
    assert {c.id for c in KB.causes} == CAUSE_IDS
    kinds = {c.id: c.kind for c in KB.causes}
    for mechanical in ("insufficient_bracing", "lumbar_flexion", "lumbar_hyperextension"):
        assert kinds[mechanical] == "mechanical"
    for root in CAUSE_IDS - {"insufficient_bracing", "lumbar_flexion", "lumbar_hyperextension"}:
        assert kinds[root] == "root"


def test_every_spec_plan_item_is_represented() -> None:
    items = {p.id: p for p in KB.plan_items}
    assert set(items) >= PLAN_IDS
    for item in items.values():
        assert item.steps and all(step.strip() for step in item.steps), item.id
        assert item.dose.strip(), item.id


def test_plan_items_carry_the_articles_content() -> None:
    items = {p.id: " ".join([p.title, *p.steps, p.dose]).lower() for p in KB.plan_items}
    assert "15-20" in items["heat_ice"]
    assert "pelvic floor" in items["bracing_360"]
    assert "world's greatest stretch" in items["hip_thoracic_warmup"]
    assert "lunge" in items["hip_thoracic_warmup"]
    assert "romanian" in items["rdl_substitution"]
    assert "block" in items["block_pulls"]


def test_red_flag_groups_match_the_spec() -> None:
    red = set(KB.red_flags)
    groups = {"nerve_root", "cauda_equina", "serious_pathology"}
    expected = {f.id for f in KB.findings.values() if f.group in groups} | {
        "worse_with_rest",
        "constant_night_pain",
        "pain_worse_cough_sneeze",
    }
    assert red == expected


def test_enum_red_flags_list_positive_values() -> None:
    for fid in KB.red_flags:
        finding = KB.findings[fid]
        if finding.type == "enum":
            assert finding.positive, fid


def test_every_rule_level_and_message() -> None:
    for rule in KB.rules:
        assert rule.message.strip() and rule.title.strip(), rule.id


# ------------------------------------------------------------------- paraphrase
def _words(text: str) -> list[str]:
    text = text.lower().replace("’", "'").replace("‘", "'")
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def _knowledge_texts() -> Iterator[tuple[str, str]]:
    for finding in KB.findings.values():
        yield f"finding {finding.id}", finding.question
    for rule in KB.rules:
        yield f"rule {rule.id}", f"{rule.title}. {rule.message}"
    for cause in KB.causes:
        yield f"cause {cause.id}", f"{cause.title}. {cause.explanation}"
        for index, evidence in enumerate(cause.evidence):
            yield f"cause {cause.id} evidence {index}", evidence.says
    for item in KB.plan_items:
        yield f"plan {item.id}", item.title
        for index, step in enumerate(item.steps):
            yield f"plan {item.id} step {index}", step
        yield f"plan {item.id} dose", item.dose
        if item.avoid_note:
            yield f"plan {item.id} avoid_note", item.avoid_note
    for fix in KB.consistency:
        yield f"consistency {fix.id}", fix.message
    yield "settings self_care_message", KB.settings.self_care_message
    yield "settings disclaimer", KB.settings.disclaimer


WINDOW = 8


def copied_windows() -> list[str]:
    article = " " + " ".join(_words(ARTICLE.read_text(encoding="utf-8"))) + " "
    hits = []
    for label, text in _knowledge_texts():
        words = _words(text)
        for start in range(len(words) - WINDOW + 1):
            window = " ".join(words[start : start + WINDOW])
            if f" {window} " in article:
                hits.append(f"{label}: {window!r}")
    return hits


@pytest.mark.skipif(not ARTICLE.exists(), reason="the source article is not checked out")
def test_no_knowledge_text_copies_the_article() -> None:
    assert copied_windows() == []
