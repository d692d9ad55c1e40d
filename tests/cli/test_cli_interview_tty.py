"""The interview in a real terminal (a pseudo-terminal), the way a lifter runs it."""

from __future__ import annotations

import fcntl
import os
import re
import select
import subprocess
import sys
import termios
import time

import pytest

from backcheck.core import load_knowledge
from tests.cli.cli_kit import context_questions_all_unknown

KB = load_knowledge()

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _controlling_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pseudo-terminal, so
    Ctrl-C typed there reaches it as SIGINT, as in a real terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A child process on a pseudo-terminal; read its screen, type answers."""

    def __init__(self, *args: str) -> None:
        self.master, slave = os.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "backcheck", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
            env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"},
            preexec_fn=_controlling_terminal,
        )
        os.close(slave)
        self.screen = ""

    def read_until(self, text: str, timeout: float = 30.0, times: int = 1) -> str:
        """Read output until ``text`` has appeared ``times`` times (ANSI colours removed)."""
        deadline = time.monotonic() + timeout
        while self.screen.count(text) < times:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{text!r} not seen; screen ends: {self.screen[-400:]!r}")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
                self.screen += ANSI.sub("", chunk)
        return self.screen

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        code = self.process.wait(timeout=30)
        os.close(self.master)
        return code


CONTEXT_QUESTIONS = context_questions_all_unknown()
FIRST_SAFETY = next(s for s in KB.screens if s.kind == "safety")
NEEDS_PTY = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")


def _through_context(term: Terminal) -> None:
    """Answer "don't know" to every context question, up to the first safety screen."""
    term.read_until("What happened")
    for number in range(1, CONTEXT_QUESTIONS + 1):
        term.read_until("don't know] > ", times=number)
        term.type("?")
    term.read_until("Any of these?")


@NEEDS_PTY
def test_emergency_advice_appears_the_moment_the_answer_is_given() -> None:
    term = Terminal("interview")
    _through_context(term)
    term.type("y")  # go through the items
    term.read_until("don't know] > ", times=CONTEXT_QUESTIONS + 1)
    before = len(term.screen)
    term.type("yes")  # saddle numbness
    screen = term.read_until("Answer them now?")
    after = screen[before:]
    # the whole advice, before anything else is asked
    assert after.index("EMERGENCY: go to an emergency department now") < after.index(
        "Answer them now?"
    )
    assert "Do not wait to see if it settles." in " ".join(after.split())
    second_item = KB.findings[FIRST_SAFETY.findings[1]].item
    assert second_item is not None and second_item not in after
    term.type("n")  # the remaining safety questions are offered, not required
    report = term.read_until("not a diagnosis")
    assert term.close() == 0
    tail = report.split("Answer them now?")[-1]
    lines = [line.strip("!\r ") for line in tail.splitlines() if line.strip("!\r >")]
    assert lines[1].startswith("EMERGENCY"), lines[:3]  # right after the typed "n"


@NEEDS_PTY
def test_ctrl_c_after_an_emergency_prints_the_triage_so_far() -> None:
    term = Terminal("interview")
    _through_context(term)
    term.type("y")
    term.read_until("don't know] > ", times=CONTEXT_QUESTIONS + 1)
    term.type("yes")
    term.read_until("Answer them now?")
    term.type("y")  # go on with the safety questions ...
    term.read_until("Any of these?", times=2)
    before = len(term.screen)
    os.write(term.master, b"\x03")  # ... then Ctrl-C
    screen = term.read_until("not a diagnosis")
    assert term.close() == 130
    after = screen[before:]
    assert "stopped" in after
    lines = [line.strip("!\r ") for line in after.splitlines() if line.strip("!\r ")]
    first = next(i for i, line in enumerate(lines) if "EMERGENCY" in line or "Why:" in line)
    assert lines[first].startswith("EMERGENCY")


@NEEDS_PTY
def test_ctrl_c_at_the_first_question_prints_the_triage_so_far() -> None:
    term = Terminal("interview")
    term.read_until("don't know] > ")
    os.write(term.master, b"\x03")
    screen = term.read_until("not a diagnosis")
    assert term.close() == 130
    assert "See a doctor or physiotherapist" in screen
    assert "The safety check is incomplete" in screen


@NEEDS_PTY
def test_end_of_input_prints_the_triage_so_far() -> None:
    term = Terminal("interview")
    term.read_until("don't know] > ")
    os.write(term.master, b"\x04")  # Ctrl-D: end of input
    screen = term.read_until("not a diagnosis")
    assert term.close() == 0
    assert "input ended" in screen and "See a doctor or physiotherapist" in screen


@NEEDS_PTY
def test_invalid_answer_in_a_terminal_is_asked_again() -> None:
    term = Terminal("interview")
    term.read_until("don't know] > ")
    term.type("maybe")
    term.read_until("Please answer with a number")
    term.read_until("don't know] > ", timeout=10, times=2)
    assert "Where" not in term.screen.split("maybe")[-1]
    term.process.kill()
    term.close()


def _to_tried_self_care(term: Terminal) -> None:
    """Answer "don't know" up to the question whether self-care was tried."""
    pain_now = next(s for s in KB.screens if s.id == "the_pain_now")
    before = sum(len(s.findings) for s in KB.screens[: KB.screens.index(pain_now)])
    before += pain_now.findings.index("tried_conservative_care")
    for number in range(1, before + 1):
        term.read_until("don't know] > ", times=number)
        term.type("?")
    term.read_until("Have you tried self-care")
    term.read_until("don't know] > ", times=before + 1)


@NEEDS_PTY
def test_did_self_care_help_is_not_asked_after_no_i_did_not_try_it() -> None:
    term = Terminal("interview")
    _to_tried_self_care(term)
    before = len(term.screen)
    term.type("n")
    screen = term.read_until("Are you pregnant")
    assert "did it help" not in screen[before:]
    assert screen.count("Are you pregnant") == 1
    term.process.kill()
    term.close()


@NEEDS_PTY
def test_did_self_care_help_is_asked_after_yes_i_tried_it() -> None:
    term = Terminal("interview")
    _to_tried_self_care(term)
    before = len(term.screen)
    term.type("y")
    screen = term.read_until("did it help?")
    assert "Are you pregnant" not in screen[before:]
    term.type("n")
    screen = term.read_until("Are you pregnant")
    term.type("y")
    term.read_until("Any of these?")
    term.process.kill()
    term.close()
