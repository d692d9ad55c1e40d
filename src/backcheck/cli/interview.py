"""The terminal interview: grouped screens, the emergency shown the moment it is certain.

Screens come from the core (``interview_step``): the context screens, the safety screens
("Do you have any of these?", with "none of these" answering the rest "no"), then follow-ups.
The urgent or emergency advice is printed in full as soon as an answer makes it certain,
before anything else; the remaining safety questions are then offered, not required. End of
input or Ctrl-C stops the interview and the caller prints the triage so far.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from backcheck.cli.render import LEVEL_HEADLINES, WIDTH
from backcheck.core import Case, CaseError, Knowledge, load_knowledge
from backcheck.core.case import parse_text_answer
from backcheck.core.interview import Question, Screen, interview_step
from backcheck.core.knowledge.schema import LEVEL_RANK
from backcheck.core.triage import Triage

NONE_WORDS = {"n", "no", "none", "none of these", "0"}
SOME_WORDS = {"y", "yes", "some", "?", "not sure", "dont know", "don't know", ""}


class InputEnded(Exception):
    """Standard input ended (or was closed) before the interview was over."""


@dataclass
class TerminalInterview:
    """One interview in a terminal; ``case`` always holds the answers given so far."""

    case: Case
    stdin: TextIO
    console: Console
    knowledge: Knowledge = field(default_factory=load_knowledge)
    skipped: set[str] = field(default_factory=set)
    announced_rank: int = -1
    offered_rest: bool = False

    def run(self) -> Case:
        """Ask screen after screen until nothing is left (raises InputEnded, KeyboardInterrupt)."""
        self.console.print(
            "[bold]backcheck interview.[/] Answer with the number or word shown; "
            "'?' if you don't know.\nFirst the lift and the pain, then the safety questions."
        )
        while True:
            step = interview_step(self.case, self.skipped, self.knowledge)
            self._announce(step.assessment.triage)
            if step.screen is None:
                return self.case
            if step.alert and not self._go_on_after_alert(step.screen):
                return self.case
            self._ask_screen(step.screen)

    # ------------------------------------------------------------------ the alert
    def _announce(self, triage: Triage) -> bool:
        """Print urgent or emergency advice, whole, the first time that level is certain;
        True when it was printed now."""
        rank = LEVEL_RANK[triage.level]
        if rank < LEVEL_RANK["urgent"] or rank <= self.announced_rank:
            return False
        self.announced_rank = rank
        self.console.print()
        self.console.print(escape(alert_text(triage)), style="bold red", highlight=False)
        self.console.file.flush()
        return True

    def _go_on_after_alert(self, screen: Screen) -> bool:
        """After the advice, the remaining safety questions are offered once, not required."""
        if self.offered_rest:
            return True
        self.offered_rest = True
        line = self._read(
            "\nThe advice above stands whatever else you answer. The remaining safety "
            "questions help whoever sees you. Answer them now? [y = yes / n = no, finish] > "
        )
        return line.strip().lower() in {"y", "yes"}

    # ------------------------------------------------------------------ screens
    def _ask_screen(self, screen: Screen) -> None:
        self.console.print(
            f"\n[bold cyan]{escape(screen.title)}[/]  [dim]({escape(screen.counter)})[/]"
        )
        if screen.intro:
            self.console.print(escape(screen.intro))
        if screen.none_of_these:
            self._ask_safety_screen(screen)
            return
        for question in screen.questions:
            if not self._left_out(question):
                self._ask_one(question)

    def _left_out(self, question: Question) -> bool:
        """An earlier answer on this screen settled that the question is not to be asked."""
        seen = set(self.case.findings) | self.skipped
        return self.knowledge.findings[question.id].left_out(self.case.findings, seen)

    def _ask_safety_screen(self, screen: Screen) -> None:
        for number, question in enumerate(screen.questions, 1):
            self.console.print(f"  {number}. {escape(question.prompt)}")
        for _attempt in range(3):
            line = self._read(
                "Any of these? [n = none of these / y = yes, or not sure: "
                "go through them one by one] > "
            )
            answer = line.strip().lower()
            if answer in NONE_WORDS:
                for fid, value in screen.none_answers().items():
                    self.case = self.case.with_answer(fid, value)
                return
            if answer in SOME_WORDS:
                break
            self.console.print("  [yellow]Answer n (none of these) or y (go through them).[/]")
        for question in screen.questions:
            self._ask_one(question)
            # the advice is printed the moment an answer makes it certain; the rest of the
            # screen is then offered by the main loop, not required
            if self._announce(self._triage()):
                return

    def _ask_one(self, question: Question) -> None:
        definition = self.knowledge.findings[question.id]
        self.console.print(f"\n{escape(question.prompt)}")
        if question.how_to:
            self.console.print(f"  [dim]How to check: {escape(question.how_to)}[/]")
        if question.type == "enum":
            for number, (_, label) in enumerate(question.options, 1):
                self.console.print(f"  {number}. {escape(label)}")
        for _attempt in range(3):
            line = self._read(f"  {answer_hint(question)} > ")
            try:
                value = parse_text_answer(definition, line)
            except CaseError as exc:
                self.console.print(f"  [yellow]{escape(plain_error(question, exc))}[/]")
                continue
            if value is None:
                self.skipped.add(question.id)
            else:
                self.case = self.case.with_answer(question.id, value)
            return
        self.console.print("  (left unanswered)")
        self.skipped.add(question.id)

    # ------------------------------------------------------------------ input
    def _read(self, prompt: str) -> str:
        """One line of input after a prompt (plain text, never read as markup)."""
        self.console.print(prompt, end="", markup=False)
        self.console.file.flush()
        line = self.stdin.readline()
        if line == "":
            raise InputEnded
        return line

    def _triage(self) -> Triage:
        from backcheck.core import assess

        return assess(self.case, self.knowledge, question_limit=0).triage


def answer_hint(question: Question) -> str:
    """How to answer, in words: no value ids."""
    if question.type == "bool":
        return "[y = yes / n = no / ? = don't know]"
    if question.type == "enum":
        return f"[1-{len(question.options)} / ? = don't know]"
    unit = f" {question.unit}" if question.unit else ""
    low, high = question.minimum or 0, question.maximum or 0
    return f"[a number from {low:g} to {high:g}{unit} / ? = don't know]"


def plain_error(question: Question, exc: CaseError) -> str:
    """A bad typed answer, explained without value ids."""
    if question.type == "bool":
        return "Please answer yes or no (or ? if you don't know)."
    if question.type == "enum":
        return f"Please answer with a number from 1 to {len(question.options)} (or ?)."
    return exc.message.split(" is not allowed: ")[-1].capitalize() + " (or ?)."


def alert_text(triage: Triage) -> str:
    """The urgent or emergency advice in full: the headline and every reason at that level."""
    banner = "!" * WIDTH
    lines = [banner, LEVEL_HEADLINES[triage.level]]
    for reason in triage.reasons:
        if reason.level != triage.level:
            break
        lines += textwrap.wrap(reason.message, WIDTH)
    lines.append(banner)
    return "\n".join(lines)
