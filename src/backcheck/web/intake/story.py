"""The story screen's pieces: the story with its phrases marked, and what was understood."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from backcheck.core import Case, assess, load_knowledge
from backcheck.core.intake import Intake, apply_story, read_story
from backcheck.core.intake.summary import finding_name, understood, value_words

NOT_COUNTED = {
    "uncertain": "you were not sure",
    "historical": "it was in the past",
    "other_person": "it was about someone else",
}


@dataclass(frozen=True)
class StoryReading:
    """Everything the story screen shows, after the lifter's removals."""

    text: str
    intake: Intake
    removed: tuple[str, ...]
    findings: dict[str, Any]  # what the interview starts from
    assessment: dict[str, Any]
    items: list[dict[str, Any]]  # what was understood (kept ones)
    denied: list[dict[str, Any]]  # red flags the story said no to: asked again
    not_counted: list[dict[str, str]]
    marked: Markup


def read(text: str, removed: list[str], today: date | None = None) -> StoryReading:
    """Read the story and drop what the lifter removed."""
    kb = load_knowledge()
    intake = read_story(text, today or date.today(), kb)
    gone = tuple(fid for fid in dict.fromkeys(removed) if fid in intake.findings)
    case, _ = apply_story(Case({}), intake, kb)
    findings = {fid: v for fid, v in case.findings.items() if fid not in gone}
    assessment = assess(Case(findings), kb).to_dict()
    entries = understood(kb, intake)
    items = [e for e in entries if e["finding"] in findings]
    denied = [
        e
        for e in entries
        if e["finding"] in kb.red_flags and e["finding"] not in intake.case_findings
    ]
    seen: set[str] = set()
    not_counted: list[dict[str, str]] = []
    for item in intake.evidence:
        if item.certainty in NOT_COUNTED and item.text not in seen:
            seen.add(item.text)
            not_counted.append(
                {
                    "words": item.text,
                    "why": NOT_COUNTED[item.certainty],
                    "about": finding_name(kb, item.finding),
                }
            )
    return StoryReading(
        text,
        intake,
        gone,
        findings,
        assessment,
        items,
        denied,
        not_counted,
        mark_story(text, intake, kb, gone),
    )


def mark_story(text: str, intake: Intake, kb: Any, removed: tuple[str, ...]) -> Markup:
    """The story as HTML with each phrase the reader used marked (escaped, never raw)."""
    spans: list[tuple[int, int, str, str]] = []
    for item in intake.evidence:
        if item.finding in removed:
            continue
        red_flag = kb.findings[item.finding].red_flag
        if item.certainty not in ("positive", "negated"):
            kind = "ignored"
        elif red_flag and item.finding in intake.case_findings and item.certainty == "positive":
            kind = "flag"
        elif red_flag or item.certainty == "negated":
            kind = "denied"
        else:
            kind = "found"
        label = finding_name(kb, item.finding)
        if item.value is not None and item.certainty in ("positive", "negated"):
            label += f": {value_words(kb, item.finding, item.value)}"
        spans.append((item.start, item.end, kind, label))
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, kind, label in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if kind == "flag" or last[2] == "ignored":
                last[2] = kind
            last[3] += f"; {label}"
        else:
            merged.append([start, end, kind, label])
    out: list[str] = []
    position = 0
    for start, end, kind, label in merged:
        out.append(str(escape(text[position:start])))
        out.append(
            f'<mark class="m-{kind}" title="{escape(label)}">{escape(text[start:end])}</mark>'
        )
        position = end
    out.append(str(escape(text[position:])))
    return Markup("".join(out))
