"""Plain words on every terminal screen: a full interview, self-care and emergency, never shows
a person an id, an enum value, a Python value or a `key = value` pair."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from backcheck.core import load_knowledge
from tests.cli.cli_kit import context_questions_all_unknown

KB = load_knowledge()
CONTEXT_QUESTIONS = context_questions_all_unknown()
SAFETY_SCREENS = [s for s in KB.screens if s.kind == "safety"]

# ids, enum values and Python values a person must never read
SNAKE_CASE = re.compile(r"\b[A-Za-z0-9]+_[A-Za-z0-9_]+\b")
PYTHON_VALUE = re.compile(r"\b(True|False|None|null|true|false)\b")
# `key = value` / `key: value` with an identifier as key; the answer keys a person types
# ("y = yes", "? = don't know") are one character and allowed
KEY_VALUE = re.compile(r"\b[A-Za-z_]\w+ ?[=:] ?[A-Za-z_]*_\w*|\b[A-Za-z_]\w+ ?= ?\w+")


def _interview(answers: list[str]) -> str:
    """Prompts and output of `backcheck interview` answered line by line, as a user sees them."""
    result = subprocess.run(
        [sys.executable, "-m", "backcheck", "interview"],
        input="\n".join(answers) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def _raw_words(screen: str) -> list[str]:
    """Everything on the screen that is an id or code rather than plain words (file paths of the
    illustrations are real paths a person opens and are left out)."""
    text = " ".join(word for word in screen.split() if "/" not in word or "=" in word)
    found = SNAKE_CASE.findall(text) + PYTHON_VALUE.findall(text) + KEY_VALUE.findall(text)
    return found


def test_a_full_self_care_interview_is_in_plain_words() -> None:
    # context "don't know", "none of these" on every safety screen, "don't know" to follow-ups
    screen = _interview(["?"] * CONTEXT_QUESTIONS + ["n"] * len(SAFETY_SCREENS) + ["?"] * 80)
    assert "Self-care" in screen, screen[-600:]
    assert screen.count("Any of these?") == len(SAFETY_SCREENS)
    assert "Question 1 of about" in screen
    assert _raw_words(screen) == []


def test_a_full_emergency_interview_is_in_plain_words() -> None:
    # saddle numbness on the first safety screen, then every remaining question answered
    answers = ["?"] * CONTEXT_QUESTIONS + ["y", "yes", "y"]
    answers += ["n"] * (len(SAFETY_SCREENS[0].findings) - 1 + len(SAFETY_SCREENS)) + ["?"] * 80
    screen = _interview(answers)
    assert "EMERGENCY: go to an emergency department now" in screen
    assert "Answer them now?" in screen
    assert all(safety.title in screen for safety in SAFETY_SCREENS), "every safety screen asked"
    assert _raw_words(screen) == []


@pytest.mark.parametrize(
    "text",
    ["level = self_care", "saddle_numbness", "answered: True", "value=deadlift"],
)
def test_the_check_catches_raw_values(text: str) -> None:
    assert _raw_words(f"Result\n{text}\n") != []
