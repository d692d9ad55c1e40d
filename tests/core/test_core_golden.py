"""Every answer of the core stays byte for byte what it was (see tests/core/golden.py).

The engines are tuned for speed; this is the check that no triage level, reason, cause, plan
item, programme, question or screen moved while doing so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from backcheck.core.knowledge.schema import Knowledge
from tests.core import golden
from tests.core.core_kit import KB


def stored() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(golden.DIGESTS_FILE.read_text(encoding="utf-8"))
    return data


def test_every_answer_matches_the_golden_digests() -> None:
    expected = stored()
    if expected["knowledge"] != golden.knowledge_fingerprint():
        pytest.fail(
            "the knowledge files changed since the golden answers were stored: check the "
            "changed answers are the intended ones, then run "
            "`.venv/bin/python -m tests.core.golden --update`"
        )
    actual = golden.answers(KB)
    assert actual["cases"] == expected["cases"], "the corpus itself changed"
    changed = [
        name
        for (name, digest), before in zip(
            actual["per_case"].items(), expected["per_case"], strict=True
        )
        if digest != before
    ]
    sections = [
        name
        for name, digest in actual["sections"].items()
        if expected["sections"].get(name) != digest
    ]
    assert not changed, (
        f"{len(changed)} of {actual['cases']} cases answer differently "
        f"(sections: {', '.join(sections)}), e.g. {', '.join(changed[:8])}"
    )
    assert actual["all"] == expected["all"]
    assert not sections


def _with_message(kb: Knowledge, rule_id: str, message: str) -> Knowledge:
    """A copy of the knowledge where one triage rule says something else."""
    from dataclasses import replace

    rules = tuple(
        rule.model_copy(update={"message": message}) if rule.id == rule_id else rule
        for rule in kb.rules
    )
    return replace(kb, rules=rules)


def test_a_changed_answer_changes_the_digest() -> None:
    """The digests see a one-word change in one rule's message, in exactly the cases it fires."""
    rule = next(r for r in KB.rules if r.level == "emergency")
    altered = _with_message(KB, rule.id, rule.message + " Now.")
    items = [item for item in golden.corpus(KB) if item.name.startswith("yaml:")]
    fired = 0
    for item in items:
        before = golden.case_digest(golden.outputs(item, KB))
        after = golden.case_digest(golden.outputs(item, altered))
        texts = golden.outputs(item, KB)
        fires = f'"rule": "{rule.id}"' in texts["triage"]
        fired += fires
        assert (before != after) is fires, item.name
    assert fired > 0
