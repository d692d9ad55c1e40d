"""Plain-text rendering of an assessment: the emergency advice always comes first, whole."""

from __future__ import annotations

import textwrap
from typing import Any

LEVEL_HEADLINES = {
    "emergency": "EMERGENCY: go to an emergency department now",
    "urgent": "URGENT: get a medical assessment today",
    "see_clinician": "See a doctor or physiotherapist within a few days",
    "self_care": "Self-care: manage with the plan below and watch for red flags",
}
SECTION_TITLES = {
    "care": "What to do now",
    "relief": "Relief for today",
    "train_around": "How to keep training",
    "fix": "What to fix",
    "safety_net": "Safety net",
}
# the urgency of each reason, in words (a person never sees a level id)
LEVEL_WORDS = {
    "emergency": "Emergency",
    "urgent": "Today",
    "see_clinician": "See a clinician",
    "self_care": "Self-care",
}
KIND_WORDS = {"mechanical": "how the lift was done", "root": "an underlying reason"}
WIDTH = 88


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent) + "  "
    )


def _question_words(finding_id: str) -> str:
    """A question as a person reads it: its symptom line or its text, never its id."""
    from backcheck.core import load_knowledge

    definition = load_knowledge().findings.get(finding_id)
    if definition is None:
        return finding_id.replace("_", " ")
    return definition.item or definition.question


def _exercise_lines(item: dict[str, Any]) -> list[str]:
    """An exercise's stop rules, easier and harder versions, and where its pictures are."""
    if item.get("kind") != "exercise":
        return []
    lines = _wrap("Stop if: " + " ".join(item.get("stop_if", [])), "      ")
    if item.get("regression"):
        lines += _wrap(f"Easier: {item['regression']}", "      ")
    if item.get("progression"):
        lines += _wrap(f"Harder: {item['progression']}", "      ")
    # a path is never wrapped: a broken path cannot be copied or opened
    lines += [f"      Picture: {picture_file(path)}" for path in item.get("illustrations", [])]
    return lines


def picture_file(path: str) -> str:
    """The local file of an illustration the web app serves at ``path``."""
    from backcheck.illustrations import svg_file

    return str(svg_file(path.rsplit("/", 1)[-1].removesuffix(".svg")))


def _programme_lines(programme: dict[str, Any] | None) -> list[str]:
    """The staged way back to heavy lifting, with the rule that moves it."""
    if not programme:
        return []
    lines = ["", "The way back to heavy lifting:"]
    lines += _wrap(f"{programme['rule']['title']}: {programme['rule']['explanation']}", "  ")
    for number, phase in enumerate(programme["phases"], start=1):
        lines += _wrap(f"{number}. {phase['title']}: {phase['goal']}", "  ")
        lines += _wrap(f"Sessions: {phase['sessions']} Load: {phase['load']}", "      ")
        lines += _wrap("Move on when: " + " ".join(phase["progress_when"]), "      ")
        lines += _wrap("Step back when: " + " ".join(phase["step_back_when"]), "      ")
    return lines


def render_text(assessment: dict[str, Any]) -> str:
    """The readable report for ``--format text`` and the interview's ending."""
    triage = assessment["triage"]
    level = triage["level"]
    lines: list[str] = []
    if level == "emergency":
        banner = "!" * WIDTH
        lines += [banner, LEVEL_HEADLINES[level]]
        lines += _wrap(triage["reasons"][0]["message"])
        lines += [banner, ""]
    else:
        lines += [LEVEL_HEADLINES[level], "=" * len(LEVEL_HEADLINES[level])]
    lines.append("")
    lines.append("Why:")
    for reason in triage["reasons"]:
        lines += _wrap(f"{LEVEL_WORDS[reason['level']]}: {reason['title']}. {reason['message']}",
                       "  - ")
    if not triage["complete"]:
        lines += ["", "  The safety check is incomplete. Still unanswered:"]
        for fid in triage["missing"]:
            lines += _wrap(_question_words(fid), "    * ")
    for adjustment in assessment.get("adjustments", []):
        lines += _wrap(f"Note: {adjustment['message']}", "  ")
    for note in assessment.get("notes", []):
        lines += _wrap(f"Note: {note}", "  ")

    if level in ("self_care", "see_clinician"):
        identified = [c for c in assessment["causes"] if c["identified"]]
        possible = [
            c for c in assessment["causes"]
            if not c["identified"] and c.get("certainty") == "possible"
        ]
        lines += ["", "Likely causes:" if identified else "Likely causes: none established yet"]
        for cause in identified:
            lines += _wrap(f"{cause['title']} (likely; {KIND_WORDS[cause['kind']]})", "  - ")
            for evidence in cause["evidence_for"]:
                lines += _wrap(f"+ {evidence['text']}", "      ")
            for evidence in cause["evidence_against"]:
                lines += _wrap(f"- {evidence['text']}", "      ")
        if possible:
            lines += ["", "Possible, not established (nothing yet shows the fault itself):"]
            for cause in possible[:3]:
                lines += _wrap(f"{cause['title']}", "  - ")

    section = None
    for item in assessment["plan"]:
        if item["section"] != section:
            section = item["section"]
            lines += ["", SECTION_TITLES[section] + ":"]
        lines += _wrap(f"{item['title']}  ({item['dose']})", "  * ")
        for step in item["steps"]:
            lines += _wrap(step, "      ")
        lines += _exercise_lines(item)
    for held in assessment.get("plan_held_back", []):
        lines += _wrap(f"Held back: {held['title']}. {held['note']}", "  ")
    for kept in assessment.get("plan_already_doing", []):
        lines += _wrap(f"Already doing: {kept['title']}. {kept['note']}", "  ")
    lines += _programme_lines(assessment.get("programme"))

    questions = assessment.get("next_questions", [])
    if questions:
        lines += ["", "Questions that would sharpen this:"]
        for question in questions[:8]:
            lines += _wrap(question.get("item") or question["text"], "  ? ")
        if len(questions) > 8:
            lines.append(f"  ... and {len(questions) - 8} more (run `backcheck interview`)")
    lines += ["", *_wrap(assessment["disclaimer"])]
    return "\n".join(lines) + "\n"
