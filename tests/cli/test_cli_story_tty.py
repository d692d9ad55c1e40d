"""`backcheck interview --story` in a real terminal (a pseudo-terminal)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.test_cli_interview_tty import Terminal

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
STORY = (
    "felt something go on a 220 deadlift PR, now it shoots down both legs and my groin "
    "feels numb, 7/10. my mate had sciatica last year"
)


def test_story_interview_prints_the_emergency_first_then_what_it_understood(
    tmp_path: Path,
) -> None:
    story = tmp_path / "story.txt"
    story.write_text(STORY, encoding="utf-8")
    term = Terminal("interview", "--story", str(story))
    screen = term.read_until("Is that right?")
    assert screen.index("EMERGENCY") < screen.index("What I understood from your story:")
    assert '"groin feels numb"' in screen and "7, from" in screen
    assert 'Not counted: "sciatica" (it was about someone else)' in screen
    assert "saddle_numbness" not in screen
    term.type("y")  # groin: yes, that is right
    term.read_until("Is that right?", times=2)
    term.type("n")  # both legs: not what I meant -> asked again with the safety questions
    term.read_until("Is that right?", times=3)
    term.type("y")
    asked = term.read_until("> ", times=4)[len(screen) :]
    assert "How bad is the pain right now" not in asked  # the story answered it
    os.write(term.master, b"\x04")  # end of input: the triage so far
    final = term.read_until("Go to an emergency department now", times=3)
    assert term.close() == 0
    assert final.rindex("EMERGENCY") > final.index("(input ended")


def test_story_interview_without_warning_signs_asks_no_confirmation(tmp_path: Path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("tweaked my back on squats yesterday, about 4/10, no numbness")
    term = Terminal("interview", "--story", str(story))
    screen = term.read_until("backcheck interview")
    assert "EMERGENCY" not in screen and "Is that right?" not in screen
    assert "What I understood from your story:" in screen
    assert "I will still ask you to confirm" in screen  # "no numbness" is asked again
    os.write(term.master, b"\x04")
    term.read_until("input ended")
    assert term.close() == 0
