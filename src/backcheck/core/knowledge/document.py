"""The knowledge base as data (JSON export) and as one document a physiotherapist can review."""

from __future__ import annotations

from typing import Any

from backcheck.core.conditions import describe, to_data
from backcheck.core.knowledge.schema import FindingDef, Knowledge

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
        "findings": [
            {
                **f.model_dump(exclude_none=True, exclude={"ask_when"}),
                **({"ask_when": to_data(f.ask_when)} if f.ask_when else {}),
            }
            for f in kb.findings.values()
        ],
        "red_flag_findings": list(kb.red_flags),
        "screens": [s.model_dump(exclude_none=True) for s in kb.screens],
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
                **p.model_dump(exclude={"when", "avoid_when", "skip_when"}),
                "when": to_data(p.when) if p.when else None,
                "avoid_when": to_data(p.avoid_when) if p.avoid_when else None,
                "skip_when": to_data(p.skip_when) if p.skip_when else None,
            }
            for p in kb.plan_items
        ],
        "consistency": [
            {**c.model_dump(exclude={"when"}), "when": to_data(c.when)} for c in kb.consistency
        ],
        "settings": kb.settings.model_dump(),
        "programme": kb.programme.model_dump(),
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
        "- **Plan**: items chosen by triage level, identified causes and the lift; an item the "
        "lifter already does is left out with a note; emergency and urgent results get care "
        "advice only. Every exercise carries stop rules, an easier and a harder version.",
        "- **Programme**: staged phases; the pain rule below moves the lifter on, holds or "
        "steps back after each logged session; a warning sign in the journal stops it.",
        "",
    ]
    out += _screens_markdown(kb)
    out += ["## Questions", ""]
    for group, title in GROUP_TITLES.items():
        out += [f"### {title}", "", "| id | question | answer | red flag |", "|---|---|---|---|"]
        for f in kb.findings.values():
            if f.group == group:
                flag = "**yes**" if f.red_flag else ""
                out.append(f"| `{f.id}` | {f.question} | {answer_words(f)} | {flag} |")
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
        if item.lifts:
            unknown = " (or lift unanswered)" if item.lift_unknown else ""
            out.append(f"- Lifts: {', '.join(item.lifts)}{unknown}")
        if item.avoid_when:
            out.append(f"- Held back when: {describe(item.avoid_when)} — {item.avoid_note}")
        if item.skip_when:
            out.append(f"- Left out when: {describe(item.skip_when)} — {item.skip_note}")
        out += [f"- Step: {step}" for step in item.steps]
        out.append(f"- Dose: {item.dose}")
        out += [f"- Stop if: {rule}" for rule in item.stop_if]
        if item.regression:
            out.append(f"- Easier: {item.regression}")
        if item.progression:
            out.append(f"- Harder: {item.progression}")
        if item.illustrations:
            out.append(f"- Pictures: {', '.join(item.illustrations)}")
        if item.review:
            out.append(f"- **For review**: {item.review}")
        out += [f"- Sources: {', '.join(item.source)}", ""]
    pain = kb.programme.rule
    out += [
        "## Programme",
        "",
        f"### `{pain.id}` — {pain.title}",
        "",
        pain.explanation,
        "",
        f"- Progress: pain during ≤ {pain.during_max}/10 and next morning ≤ "
        f"{pain.morning_over_baseline_max} above the pain before the session.",
        f"- Step back: pain during ≥ {pain.step_back_during_min}/10, next morning ≥ "
        f"{pain.step_back_morning_over_min} above, or pain spreading down a leg.",
        "- Otherwise: hold. A warning sign in the journal, or an emergency or urgent result, "
        "stops the programme.",
        f"- Offered at: {', '.join(kb.programme.levels)}",
        f"- Sources: {', '.join(pain.source)}",
        "",
    ]
    for number, phase in enumerate(kb.programme.phases, start=1):
        out += [
            f"### {number}. `{phase.id}` — {phase.title}",
            "",
            f"- Goal: {phase.goal}",
            f"- Sessions: {phase.sessions}",
            f"- Load: {phase.load}",
            f"- Exercises from: {', '.join(phase.sections)}",
            f"- Sessions in a row within the rule to move on: {phase.sessions_to_progress}",
        ]
        out += [f"- Move on when: {text}" for text in phase.progress_when]
        out += [f"- Step back when: {text}" for text in phase.step_back_when]
        out += [f"- Sources: {', '.join(phase.source)}", ""]
    out += ["## Contradictions resolved toward safety", ""]
    for fix in kb.consistency:
        out.append(f"- `{fix.id}`: when {describe(fix.when)} → {fix.set}. {fix.message}")
    out += ["", "## Awaiting review", ""]
    out += ["What backcheck reads into its sources, for a physiotherapist to confirm:", ""]
    out += [f"- Question `{f.id}`: {f.review}" for f in kb.findings.values() if f.review]
    out += [f"- Plan item `{p.id}`: {p.review}" for p in kb.plan_items if p.review]
    out += ["", "## Sources", ""]
    out += [f"- `{sid}`: {text}" for sid, text in cite.items()]
    return "\n".join(out) + "\n"


def answer_words(finding: FindingDef) -> str:
    """The answers a lifter is offered, in the words on the screen."""
    if finding.type == "bool":
        return "Yes / No / I don't know"
    if finding.type == "enum":
        return " / ".join(finding.label(v) for v in finding.values or []) + " / I don't know"
    unit = f" {finding.unit}" if finding.unit else ""
    return f"a number from {finding.min:g} to {finding.max:g}{unit}, or I don't know"


def _screens_markdown(kb: Knowledge) -> list[str]:
    """The interview as the lifter meets it: each screen with its questions and answers."""
    out = [
        "## The interview screens",
        "",
        "The screens in the order they are shown (`screens.yaml`), each question in the words "
        "on the screen and the answers offered. Context screens come first; on a safety screen "
        "each item is answered yes, no or I don't know, and \"None of these\" answers the "
        "items still open no. Follow-up questions come after, only those that can still change "
        "the result (up to four on one topic per screen).",
        "",
    ]
    for number, screen in enumerate(kb.screens, start=1):
        out += [f"### {number}. {screen.title} (`{screen.id}`, {screen.kind})", ""]
        if screen.intro:
            out += [screen.intro, ""]
        for fid in screen.findings:
            finding = kb.findings[fid]
            out.append(f"- {finding.item or finding.question} (`{fid}`)")
            if finding.item:
                out.append(f"  - In full: {finding.question}")
            out.append(f"  - Answers: {answer_words(finding)}")
            if finding.how_to:
                out.append(f"  - How to check: {finding.how_to}")
            if finding.ask_when is not None:
                out.append(f"  - Asked only when: {describe(finding.ask_when)}")
        out += ["", f"Sources: {', '.join(screen.source)}", ""]
    return out
