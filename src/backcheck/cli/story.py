"""The lifter's own story on the terminal: reading the file, and "what I understood"."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import TextIO

from backcheck.cli.input import UserFileError, read_user_file
from backcheck.cli.render import LEVEL_HEADLINES
from backcheck.core import Case, assess
from backcheck.core.intake import MAX_STORY_CHARACTERS, Intake, apply_story
from backcheck.core.intake.summary import finding_name, understood
from backcheck.core.knowledge.schema import LEVEL_RANK, Knowledge
from backcheck.core.triage import Triage


class StoryFileError(ValueError):
    """The story file cannot be used; the message says why in one line."""


def read_story_file(path: Path) -> str:
    """The text of a story file, or a one-line reason it cannot be read."""
    try:  # never hangs on a FIFO, never reads a huge file whole
        data = read_user_file(path, "story file", 4 * MAX_STORY_CHARACTERS + 4)
    except UserFileError as exc:
        raise StoryFileError(str(exc)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise StoryFileError(f"story file {path}: not text (save it as UTF-8)") from None
    if not text.strip():
        raise StoryFileError(f"story file {path}: the file is empty")
    if len(text) > MAX_STORY_CHARACTERS:
        raise StoryFileError(
            f"story file {path}: too long ({len(text):,} characters; at most "
            f"{MAX_STORY_CHARACTERS:,}): tell it in your own words, in short"
        )
    return text


def understood_lines(kb: Knowledge, intake: Intake) -> list[str]:
    """The "what I understood" block for the terminal (plain words, no ids)."""
    entries = understood(kb, intake)
    not_counted = [
        e for e in intake.evidence if e.certainty in ("uncertain", "historical", "other_person")
    ]
    lines = ["What I understood from your story:"]
    if not entries:
        lines.append("  (nothing I could use: the questions below cover everything)")
    for entry in entries:
        words = ", ".join(f'"{w}"' for w in entry["words"])
        check = " (I will still ask you to confirm)" if entry["asked_again"] else ""
        lines += _wrap(entry["about"], "  - ")
        lines += _wrap(f"{entry['answer']}, from {words}{check}", "      ")
    reasons = {
        "uncertain": "you were not sure",
        "historical": "it was in the past",
        "other_person": "it was about someone else",
    }
    seen: set[str] = set()
    for item in not_counted:
        if item.text in seen:
            continue
        seen.add(item.text)
        lines += _wrap(f'Not counted: "{item.text}" ({reasons[item.certainty]})', "  - ")
    return lines


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        text, 88, initial_indent=indent, subsequent_indent=" " * len(indent) + "  "
    )


def story_preamble(
    case: Case, intake: Intake, kb: Knowledge, stdin: TextIO, out: TextIO
) -> tuple[Case, bool]:
    """Before the interview: urgent or emergency advice the story already gives, first and
    whole; then what was understood; then each red flag the story reported, asked back one
    by one ("n" takes it out, so the safety questions ask it again; "?" keeps the safer
    reading). Returns the case to go on from, and whether input ended."""
    merged, _ = apply_story(case, intake, kb)
    triage = assess(merged, kb, question_limit=0).triage
    if LEVEL_RANK[triage.level] >= LEVEL_RANK["urgent"]:
        out.write("\n" + alert_lines(triage) + "\n")
    out.write("\n" + "\n".join(understood_lines(kb, intake)) + "\n")
    quotes = {e.finding: e.text for e in intake.evidence if e.certainty == "positive"}
    to_confirm = [
        fid
        for fid in intake.needs_confirmation
        if fid in merged.findings and fid not in case.findings
    ]
    if to_confirm:
        out.write("\nPlease check the warning signs I read in your story:\n")
    for fid in to_confirm:
        out.write("\n" + "\n".join(_wrap(finding_name(kb, fid), "  ")) + "\n")
        out.write(f'  You wrote: "{quotes.get(fid, "")}". Is that right?\n')
        out.write("  [y = yes / n = no, I did not mean that / ? = not sure] > ")
        out.flush()
        line = stdin.readline()
        if line == "":
            return merged, True
        if line.strip().lower() in ("n", "no"):
            merged = merged.with_answer(fid, None)  # asked again with the safety questions
    if to_confirm:
        out.write("\n")
    out.flush()
    return merged, False


def alert_lines(triage: Triage) -> str:
    """The urgent or emergency advice, whole, as the terminal prints it."""
    rule = "!" * 72
    lines = [rule, LEVEL_HEADLINES[triage.level]]
    for reason in triage.reasons:
        if reason.level == triage.level:
            lines += _wrap(reason.message, "")
    return "\n".join([*lines, rule])
