"""The interview in a real terminal (a pseudo-terminal), the way a lifter runs it."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")
def test_emergency_answer_in_a_terminal_ends_with_emergency_advice_first() -> None:
    term = Terminal("interview")
    term.read_until("[safety 1/27]")
    term.type("yes")  # saddle numbness
    term.read_until("[safety 2/27]")
    for _ in range(26):
        term.type("no")
    screen = term.read_until("not a diagnosis", timeout=60)
    assert term.close() == 0
    report = screen.split("[follow-up]")[-1] if "[follow-up]" in screen else screen
    lines = [line.strip("!\r ") for line in report.splitlines()]
    first = next(i for i, line in enumerate(lines) if line.startswith("EMERGENCY"))
    assert "Go to an emergency department now" in " ".join(lines[first : first + 3])


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a POSIX pseudo-terminal")
def test_invalid_answer_in_a_terminal_is_asked_again() -> None:
    term = Terminal("interview")
    term.read_until("[safety 1/27]")
    term.type("maybe")
    term.read_until("answer yes or no")
    term.read_until("[safety 1/27]", timeout=10, times=2)
    assert "[safety 2/27]" not in term.screen
    term.process.kill()
    term.close()
