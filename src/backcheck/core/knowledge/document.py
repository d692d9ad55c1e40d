"""The knowledge base as data (JSON export) and as one document a physiotherapist can review."""

from __future__ import annotations

from typing import Any

from backcheck.core.conditions import describe, to_data
from backcheck.core.knowledge.schema import Knowledge

GROUP_TITLES = {
    "cauda_equina": "Cauda equina (red flags)",
    "serious_pathology": "Other serious pathology (red flags)",
    "nerve_root": "Nerve-root signs (red flags)",
    "course": "Course and pattern of the pain",
    "context": "Context of the lift",
    "mechanics": "Mechanics (self, coach or video)",
    "root_screen": "Root-cause screens",
}


def knowledge_data(kb: Knowledge) -> dict[str, Any]:
    """Everything in the knowledge base, JSON-ready, each item with its id and source."""
    return {
        "sources": [s.model_dump() for s in kb.sources.values()],
        "findings": [f.model_dump(exclude_none=True) for f in kb.findings.values()],
        "red_flag_findings": list(kb.red_flags),
        "triage_rules": [
            {**r.model_dump(exclude={"when"}), "when": to_data(r.when)} for r in kb.rules
        ],
        "causes": [
            {
                **c.model_dump(exclude={"evidence"}),
                "evidence": [
                    {"when": to_data(e.when), "lr": e.lr, "says": e.says} for e in c.evidence
                ],
            }
            for c in kb.causes
        ],
        "plan_items": [
            {
                **p.model_dump(exclude={"when", "avoid_when"}),
                "when": to_data(p.when) if p.when else None,
                "avoid_when": to_data(p.avoid_when) if p.avoid_when else None,
            }
            for p in kb.plan_items
        ],
        "consistency": [
            {**c.model_dump(exclude={"when"}), "when": to_data(c.when)} for c in kb.consistency
        ],
        "settings": kb.settings.model_dump(),
    }


def knowledge_markdown(kb: Knowledge) -> str:
    """One Markdown document: every question, rule, cause, plan item and source."""
    cite = {s.id: s.citation for s in kb.sources.values()}
    out: list[str] = [
        "# backcheck knowledge base",
        "",
        "For review by a physiotherapist or doctor. Generated from the YAML files in "
        "`src/backcheck/core/knowledge/` by `backcheck knowledge --format markdown`.",
        "",
        f"_{kb.settings.disclaimer}_",
        "",
        "## How it decides",
        "",
        "- **Triage**: every rule whose condition holds fires; the level is the highest among them "
        "(emergency > urgent > see_clinician > self_care). While any red-flag question is "
        "unanswered the level is at least see_clinician.",
        "- **Causes**: prior odds times the likelihood ratio (LR) of each matching piece of "
        "evidence. A cause is identified at probability ≥ "
        f"{kb.settings.identified_threshold:.0%} with at least one supporting item. Video "
        "evidence is weighted by the video's confidence.",
        "- **Plan**: items chosen by triage level and identified causes; emergency and urgent "
        "results get care advice only.",
        "",
        "## Questions",
        "",
    ]
    for group, title in GROUP_TITLES.items():
        out += [f"### {title}", "", "| id | question | answer | red flag |", "|---|---|---|---|"]
        for f in kb.findings.values():
            if f.group == group:
                flag = "**yes**" if f.red_flag else ""
                out.append(f"| `{f.id}` | {f.question} | {f.allowed()} | {flag} |")
        out.append("")
    out += ["## Triage rules", ""]
    for rule in sorted(
        kb.rules,
        key=lambda r: -["self_care", "see_clinician", "urgent", "emergency"].index(r.level),
    ):
        out += [
            f"### `{rule.id}` — {rule.title} (**{rule.level}**)",
            "",
            f"- When: {describe(rule.when)}",
            f"- Message: {rule.message}",
            f"- Sources: {', '.join(rule.source)}",
            "",
        ]
    out += ["## Causes", ""]
    for cause in kb.causes:
        out += [
            f"### `{cause.id}` — {cause.title} ({cause.kind}, prior {cause.prior:.0%})",
            "",
            cause.explanation,
            "",
            "| evidence | LR | says |",
            "|---|---|---|",
        ]
        out += [f"| {describe(e.when)} | {e.lr:g} | {e.says} |" for e in cause.evidence]
        out += ["", f"Sources: {', '.join(cause.source)}", ""]
    out += ["## Plan items", ""]
    for item in kb.plan_items:
        chosen = []
        if item.causes:
            chosen.append("causes " + ", ".join(f"`{c}`" for c in item.causes))
        if item.default:
            chosen.append("by default")
        out += [
            f"### `{item.id}` — {item.title} ({item.section})",
            "",
            f"- Levels: {', '.join(item.levels)}; chosen: {' or '.join(chosen)}",
        ]
        if item.when:
            out.append(f"- Only when: {describe(item.when)}")
        if item.avoid_when:
            out.append(f"- Held back when: {describe(item.avoid_when)} — {item.avoid_note}")
        out += [f"- Step: {step}" for step in item.steps]
        out += [f"- Dose: {item.dose}", f"- Sources: {', '.join(item.source)}", ""]
    out += ["## Contradictions resolved toward safety", ""]
    for fix in kb.consistency:
        out.append(f"- `{fix.id}`: when {describe(fix.when)} → {fix.set}. {fix.message}")
    out += ["", "## Sources", ""]
    out += [f"- `{sid}`: {text}" for sid, text in cite.items()]
    return "\n".join(out) + "\n"
