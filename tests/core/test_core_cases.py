"""Case tests from the article and the red-flag guidance (data in cases.yaml).

Run ``python tests/core/test_core_cases.py`` for a per-level tally of cases right.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from backcheck.core import assess, parse_case
from backcheck.core.assessment import Assessment
from tests.core.core_kit import BASELINE, KB

CASES_FILE = Path(__file__).with_name("cases.yaml")
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
LEVELS = ("emergency", "urgent", "see_clinician", "self_care")
ALL_CAUSES = [c.id for c in KB.causes]
KEYS = {
    "id", "narrative", "screen", "findings", "video", "level", "causes", "not_causes",
    "rules", "plan", "plan_absent", "held_back",
}


def assess_case(case: dict[str, Any]) -> Assessment:
    findings = dict(case.get("findings") or {})
    if case.get("screen", "negative") == "negative":
        findings = {**BASELINE, **findings}
    doc: dict[str, Any] = {"findings": findings}
    if "video" in case:
        doc["video_analysis"] = case["video"]
    return assess(parse_case(doc, KB), KB)


def problems(case: dict[str, Any]) -> list[str]:
    """Every way the engine's answer differs from the expected one (empty when right)."""
    result = assess_case(case)
    found: list[str] = []
    if result.triage.level != case["level"]:
        found.append(f"level {result.triage.level}, expected {case['level']}")
    identified = {c.id for c in result.causes if c.identified}
    likelihood = {c.id: round(c.likelihood, 3) for c in result.causes}
    for cause_id in case.get("causes", []):
        if cause_id not in identified:
            found.append(f"cause {cause_id} not identified (p={likelihood[cause_id]})")
    not_causes = case.get("not_causes", [])
    if not_causes == "all":
        not_causes = ALL_CAUSES
    for cause_id in not_causes:
        if cause_id in identified:
            found.append(f"cause {cause_id} identified (p={likelihood[cause_id]})")
    fired = {r.rule for r in result.triage.reasons}
    for rule in case.get("rules", []):
        if rule not in fired:
            found.append(f"rule {rule} did not fire")
    plan = {p.id for p in result.plan}
    for item in case.get("plan", []):
        if item not in plan:
            found.append(f"plan item {item} missing")
    for item in case.get("plan_absent", []):
        if item in plan:
            found.append(f"plan item {item} present")
    held = {a.id for a in result.avoided}
    for item in case.get("held_back", []):
        if item not in held:
            found.append(f"plan item {item} not held back")
    return found


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    assert not problems(case), f"{case['id']}: {case['narrative']}"


def test_case_file_is_well_formed() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    assert len(CASES) >= 40
    plan_ids = {p.id for p in KB.plan_items}
    rule_ids = {r.id for r in KB.rules} | {"no_red_flags"}
    for case in CASES:
        assert set(case) <= KEYS, case["id"]
        assert case["narrative"].strip(), case["id"]
        assert case["level"] in LEVELS, case["id"]
        assert case.get("screen", "negative") in ("negative", "none"), case["id"]
        not_causes = case.get("not_causes", [])
        named = set(case.get("causes", [])) | (set() if not_causes == "all" else set(not_causes))
        assert named <= set(ALL_CAUSES), case["id"]
        named_plan = set(case.get("plan", []) + case.get("plan_absent", []))
        assert named_plan | set(case.get("held_back", [])) <= plan_ids, case["id"]
        assert set(case.get("rules", [])) <= rule_ids, case["id"]


def test_cases_cover_every_level_and_cause() -> None:
    levels = Counter(c["level"] for c in CASES)
    assert set(levels) == set(LEVELS)
    assert all(levels[level] >= 5 for level in LEVELS), levels
    expected_causes = {cause for c in CASES for cause in c.get("causes", [])}
    assert expected_causes == set(ALL_CAUSES)


def tally() -> dict[str, tuple[int, int]]:
    """Cases right / cases total, per expected level."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for case in CASES:
        total[case["level"]] += 1
        if not problems(case):
            right[case["level"]] += 1
    return {level: (right[level], total[level]) for level in LEVELS}


if __name__ == "__main__":
    for case in CASES:
        for problem in problems(case):
            print(f"WRONG {case['id']}: {problem}")
    for level, (ok, n) in tally().items():
        print(f"{level:14s} {ok}/{n}")
