"""Plain words for questions and answers on the pages: the labels come from the knowledge base
(findings.yaml gives every allowed value a label), so no id or value id reaches a person."""

from __future__ import annotations

from backcheck.core import load_knowledge

KIND_WORDS = {"mechanical": "how the lift was done", "root": "an underlying reason"}
CERTAINTY_WORDS = {"likely": "Likely", "possible": "Possible", "unlikely": "Not supported"}


def choice_label(question_id: str, value: object) -> str:
    """The words for one answer to a question."""
    definition = load_knowledge().findings.get(question_id)
    if definition is None:
        return str(value).replace("_", " ").capitalize()
    return definition.label(value)


def question_words(question_id: str) -> str:
    """A question as a person reads it: its symptom line or its text."""
    definition = load_knowledge().findings.get(question_id)
    if definition is None:
        return question_id.replace("_", " ")
    return definition.item or definition.question


# The report's answer sections, red flags first (knowledge groups -> section titles).
ANSWER_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Safety check (red flags)", ("cauda_equina", "nerve_root", "serious_pathology")),
    ("The injury", ("context", "course")),
    ("How the lift is done", ("mechanics",)),
    ("Strength and mobility checks", ("root_screen",)),
)


def answers_by_section(findings: dict[str, object]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The lifter's answers as (section, [(question, answer)]), red flags first, in the order
    the interview asks them, each in plain words."""
    kb = load_knowledge()
    asked_order = {fid: i for i, fid in enumerate(kb.red_flags)}
    order = {fid: len(asked_order) + i for i, fid in enumerate(kb.findings)}
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for title, groups in ANSWER_SECTIONS:
        rows = [
            (fid, value)
            for fid, value in findings.items()
            if fid in kb.findings
            and (kb.findings[fid].red_flag if groups[0] == "cauda_equina" else
                 not kb.findings[fid].red_flag and kb.findings[fid].group in groups)
        ]
        rows.sort(key=lambda row: asked_order.get(row[0], order[row[0]]))
        if rows:
            out.append((title, [(question_words(f), choice_label(f, v)) for f, v in rows]))
    return out
