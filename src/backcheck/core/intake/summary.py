"""What the story said, in plain words, for a screen or a terminal (no ids, no raw values)."""

from __future__ import annotations

from typing import Any

from backcheck.core.intake.reader import Intake
from backcheck.core.knowledge.schema import Knowledge


def finding_name(kb: Knowledge, finding_id: str) -> str:
    """What a finding is about, in plain words: its screen item, else its question."""
    definition = kb.findings[finding_id]
    item = getattr(definition, "item", None)
    return str(item or definition.question)


def value_words(kb: Knowledge, finding_id: str, value: Any) -> str:
    """An answer in plain words."""
    definition = kb.findings[finding_id]
    label = getattr(definition, "label", None)
    if callable(label):
        words = str(label(value))
        # a count of one reads "1 day", not "1 days"
        if definition.type in ("int", "number") and value == 1 and words.endswith("s"):
            words = words[:-1]
        return words
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def understood(kb: Knowledge, intake: Intake) -> list[dict[str, Any]]:
    """One entry per finding the story gave: what it is, the answer, the words behind it,
    and whether the interview still asks it (every red flag is confirmed)."""
    quotes: dict[str, list[str]] = {}
    for item in intake.evidence:
        if item.finding in intake.findings and item.certainty in ("positive", "negated"):
            quotes.setdefault(item.finding, [])
            if item.text not in quotes[item.finding]:
                quotes[item.finding].append(item.text)
    return [
        {
            "finding": fid,
            "about": finding_name(kb, fid),
            "answer": value_words(kb, fid, value),
            "words": quotes.get(fid, []),
            "asked_again": fid in intake.needs_confirmation,
        }
        for fid, value in intake.findings.items()
    ]
