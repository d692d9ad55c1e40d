"""Shared helpers for the terminal tests: how many context questions a lifter is asked."""

from __future__ import annotations

from backcheck.core import load_knowledge

KB = load_knowledge()


def context_questions_all_unknown() -> int:
    """The context questions a lifter who answers "don't know" to each one is asked: a question
    asked only after a given answer ("did self-care help?") is left out."""
    seen: set[str] = set()
    asked = 0
    for screen in KB.screens:
        if screen.kind != "context":
            continue
        for fid in screen.findings:
            if not KB.findings[fid].left_out({}, seen):
                asked += 1
            seen.add(fid)
    return asked
