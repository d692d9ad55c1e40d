"""`assess`, `interview` and `knowledge`: the core engine from the terminal.

Every user error ends in one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from backcheck.cli.input import fail, read_json_file
from backcheck.cli.render import render_text
from backcheck.cli.story import (
    StoryFileError,
    read_story_file,
    story_preamble,
    understood_lines,
)
from backcheck.core import CaseError, assess, load_knowledge, next_questions, parse_case
from backcheck.core.case import Case, merge_video, parse_text_answer
from backcheck.core.intake import apply_story, read_story
from backcheck.core.interview import Question
from backcheck.core.knowledge.document import knowledge_data, knowledge_markdown


class ReportFormat(StrEnum):
    """Output formats of assess and interview."""

    json = "json"
    text = "text"


class KnowledgeFormat(StrEnum):
    """Output formats of the knowledge export."""

    json = "json"
    markdown = "markdown"


def emit(assessment: dict[str, Any], fmt: ReportFormat) -> None:
    """Print an assessment in the chosen format."""
    if fmt is ReportFormat.json:
        typer.echo(json.dumps(assessment, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_text(assessment), nl=False)


def assess_command(
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help='CASE.json: {"findings": {...}}')
    ] = None,
    story: Annotated[
        Path | None,
        typer.Option("--story", "-s", help="a text file: what happened, in your own words"),
    ] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
    video_analysis: Annotated[
        Path | None,
        typer.Option("--video-analysis", help="analysis.json written by `backcheck analyze`"),
    ] = None,
    video: Annotated[
        Path | None,
        typer.Option(
            "--video", help="a side-view video of the lift: analysed first, findings used"
        ),
    ] = None,
    video_out: Annotated[
        Path | None,
        typer.Option("--video-out", help="folder for the video's analysis and artifacts"),
    ] = None,
    questions: Annotated[
        int,
        typer.Option(
            "--questions", min=0, max=70, help="how many non-red-flag follow-up questions to list"
        ),
    ] = 3,
) -> None:
    """Assess a case file or a story (or both): triage, likely causes, plan, and the
    questions still worth asking."""
    kb = load_knowledge()
    if input is None and story is None:
        fail("give a case file (--input CASE.json), a story (--story FILE), or both")
    text = None
    if story is not None:
        try:
            text = read_story_file(story)
        except StoryFileError as exc:
            fail(str(exc))
    case = Case({})
    if input is not None:
        raw = read_json_file(input, "case file")
        try:
            case = parse_case(raw, kb)
        except CaseError as exc:
            fail(f"{input}: {exc}")
    try:
        if video_analysis is not None:
            case = merge_video(case, read_json_file(video_analysis, "video analysis"))
    except CaseError as exc:
        fail(f"{video_analysis}: {exc}")
    if video is not None:
        try:
            case = merge_video(case, analyse_video_for_case(video, video_out))
        except CaseError as exc:
            fail(f"{video}: {exc}")
    if text is None:
        emit(assess(case, kb, question_limit=questions).to_dict(), format)
        return
    intake = read_story(text, date.today(), kb)
    case, _ = apply_story(case, intake, kb)
    assessment = assess(case, kb, question_limit=questions).to_dict()
    assessment["intake"] = intake.to_dict()
    if format is ReportFormat.json:
        emit(assessment, format)
        return
    # The emergency advice (if any) still comes first: render_text opens with it.
    typer.echo(render_text(assessment), nl=False)
    typer.echo("\n" + "\n".join(understood_lines(kb, intake)))


def analyse_video_for_case(video: Path, out: Path | None) -> dict[str, Any]:
    """Run the video analysis (progress on stderr) and return its JSON for the case."""
    from backcheck.cli.analyze import analyse_into, progress_stages
    from backcheck.video import VideoError

    target = out or Path(tempfile.mkdtemp(prefix="backcheck-video-"))
    try:
        with progress_stages(sys.stderr.isatty()) as stage:
            analysis = analyse_into(video, target, stage=stage)
    except VideoError as exc:
        fail(f"{video}: {exc.message}")
    typer.echo(f"video analysis written to {target}", err=True)
    return analysis.model_dump(mode="json")


def knowledge_command(
    format: Annotated[KnowledgeFormat, typer.Option("--format", "-f")] = KnowledgeFormat.markdown,
) -> None:
    """Print the whole knowledge base: questions, triage rules, causes, plan items, sources."""
    kb = load_knowledge()
    if format is KnowledgeFormat.json:
        typer.echo(json.dumps(knowledge_data(kb), indent=2, ensure_ascii=False))
    else:
        typer.echo(knowledge_markdown(kb), nl=False)


def interview_command(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers", "-a", help="JSON of answers already known ({finding: value} or a case)"
        ),
    ] = None,
    story: Annotated[
        Path | None,
        typer.Option("--story", "-s", help="a text file: what happened, in your own words"),
    ] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.text,
) -> None:
    """Ask the questions, red flags first, then only those that still change the answer."""
    kb = load_knowledge()
    case = Case({})
    if answers is not None:
        raw = read_json_file(answers, "answers file")
        document = raw if isinstance(raw, dict) and "findings" in raw else {"findings": raw}
        try:
            case = parse_case(document, kb)
        except CaseError as exc:
            fail(f"{answers}: {exc}")
    # Prompts go to stderr when stdout carries JSON, so a program can read the result.
    out = sys.stderr if format is ReportFormat.json else sys.stdout
    intake = None
    if story is not None:  # the story first: advice, what was understood, red flags checked
        try:
            intake = read_story(read_story_file(story), date.today(), kb)
        except StoryFileError as exc:
            fail(str(exc))
        case, ended = story_preamble(case, intake, kb, sys.stdin, out)
        if ended:
            out.write("\n(input ended: assessing with the answers so far)\n")
    if intake is None or not ended:
        case = run_interview(case, sys.stdin, out)
    result = assess(case, kb).to_dict()
    if intake is not None:
        result["intake"] = intake.to_dict()
    emit(result, format)


def run_interview(case: Case, stdin: TextIO, out: TextIO) -> Case:
    """Ask until nothing left can change the answer, or input ends. Pure terminal I/O."""
    kb = load_knowledge()
    console = Console(file=out, highlight=False, soft_wrap=True)
    asked: set[str] = set()
    red_total = len(kb.red_flags)
    console.print(
        "[bold]backcheck interview.[/] Answer yes/no, a number, or a choice; "
        "'?' if you don't know.\nSafety questions come first."
    )
    while True:
        pending = [q for q in next_questions(case, kb, limit=len(kb.findings)) if q.id not in asked]
        if not pending:
            return case
        question = pending[0]
        asked.add(question.id)
        if question.red_flag:
            position = kb.red_flags.index(question.id) + 1
            label = f"[bold red]\\[safety {position}/{red_total}][/]"
        else:
            label = "[bold cyan]\\[follow-up][/]"
        value, ended = _ask(question, kb, stdin, console, label)
        if ended:
            console.print("\n(input ended: assessing with the answers so far)")
            return case
        if value is not None:
            case = case.with_answer(question.id, value)


def _ask(
    question: Question, kb: Any, stdin: TextIO, console: Console, label: str
) -> tuple[Any, bool]:
    """Ask one question, re-asking on an invalid answer; (value or None, input ended)."""
    definition = kb.findings[question.id]
    hint = escape(_hint(question))
    for _attempt in range(3):
        console.print(f"\n{label} {escape(question.text)}\n  [dim]{hint}[/]> ", end="")
        console.file.flush()
        line = stdin.readline()
        if line == "":
            return None, True
        try:
            return parse_text_answer(definition, line), False
        except CaseError as exc:
            console.print(f"  [yellow]{escape(exc.message)}[/]")
    console.print("  (left unanswered)")
    return None, False


def _hint(question: Question) -> str:
    if question.type == "bool":
        return "[yes/no/?] "
    if question.choices:
        numbered = ", ".join(f"{i}={c}" for i, c in enumerate(question.choices, 1))
        return f"[{numbered} / ?] "
    return f"[{question.minimum:g}-{question.maximum:g} / ?] "


def register(app: typer.Typer) -> None:
    """Add the core commands to the app."""
    app.command("assess")(assess_command)
    app.command("interview")(interview_command)
    app.command("knowledge")(knowledge_command)
