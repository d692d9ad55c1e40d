"""`backcheck analyze VIDEO --out DIR`: the video form check from the command line.

Progress goes to stderr (rich) so `--format json` keeps stdout pure JSON. Bad input ends with
one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from backcheck.cli.input import printable
from backcheck.core.vocabulary import (
    LIFT_WORDS,
    VIDEO_BASIS_WORDS,
    VIDEO_FINDING_WORDS,
    VIDEO_NOT_MEASURED,
    video_answer_words,
)
from backcheck.video.errors import VideoError
from backcheck.video.quality import FILMING_GUIDANCE
from backcheck.video.schema import Analysis


class LiftChoice(StrEnum):
    auto = "auto"
    deadlift = "deadlift"
    squat = "squat"
    overhead_press = "overhead_press"
    rdl = "rdl"
    good_morning = "good_morning"


class OutFormat(StrEnum):
    json = "json"
    text = "text"


HELP = (
    "Analyse a video of a set: reps, joint angles and the lower back's shape (rounded or "
    "over-arched), with an annotated video, plots and DIR/analysis.json.\n\n"
    f"How to film: {FILMING_GUIDANCE}"
)


@contextmanager
def progress_stages(enabled: bool) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """Yield `stage(name, total) -> advance(n)` for `run_analysis`: a transient rich progress
    bar per stage on stderr (stdout stays clean for JSON), or no-ops when not `enabled`."""
    console = Console(stderr=True)
    if not enabled:
        yield lambda name, total: lambda n: None
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} frames"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:

        def stage(name: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(name, total=max(total, 1))
            return lambda n: progress.advance(task, n)

        yield stage


def _retarget(value: object, old: str, new: str) -> object:
    """``value`` (plain JSON data) with every path under folder ``old`` moved under ``new``."""
    if isinstance(value, str) and value.startswith(old + "/"):
        return new + value[len(old) :]
    if isinstance(value, list):
        return [_retarget(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _retarget(v, old, new) for k, v in value.items()}
    return value


def _artifact_names(analysis_json: Path) -> set[str]:
    """File names of the artifacts an earlier analysis.json in that folder lists (or none)."""
    try:
        old = json.loads(analysis_json.read_text(encoding="utf-8"))
        artifacts = old.get("artifacts") or {}
        paths = [artifacts.get("annotated_video"), artifacts.get("contact_sheet")]
        paths += list(artifacts.get("plots") or [])
    except (OSError, ValueError, AttributeError, TypeError):
        return set()
    return {
        Path(p).name for p in paths if isinstance(p, str) and Path(p).parent == analysis_json.parent
    }


def analyse_into(video: Path, out: Path, **options: Any) -> Analysis:
    """`run_analysis` into ``out`` without ever leaving it half old, half new.

    The new set (analysis.json, video, plots) is written to a staging folder inside ``out``
    and moved in only once the whole analysis succeeded, analysis.json last; the earlier
    set's images that the new one does not have are removed then. A bad video or a crash
    leaves the previous analysis exactly as it was. Raises VideoError.
    """
    from backcheck.video.pipeline import prepare_out_dir, run_analysis, write_json_atomic

    target = prepare_out_dir(out).resolve()
    staging = Path(tempfile.mkdtemp(prefix=".analysis-new-", dir=target))
    try:
        analysis = run_analysis(video, staging, **options)
        data = _retarget(analysis.model_dump(mode="json"), str(staging), str(target))
        final = Analysis.model_validate(data)
        stale = _artifact_names(target / "analysis.json")
        for item in sorted(staging.iterdir()):
            if item.name != "analysis.json" and item.is_file():
                item.replace(target / item.name)
                stale.discard(item.name)
        write_json_atomic(final.model_dump(mode="json"), target / "analysis.json")
        for name in stale:
            (target / name).unlink(missing_ok=True)
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def render_text(a: Analysis) -> str:
    """Plain summary for people: every lift, view, flag and finding in words, never an id."""
    from backcheck.video.annotate import BASIS_WORDS, VIEW_WORDS, flag_what  # OpenCV: load late

    lift = LIFT_WORDS.get(a.lift, a.lift)
    lines = [
        f"{Path(a.video.path).name}: {a.video.width}x{a.video.height}, {a.video.fps:g} fps, "
        f"{a.video.duration_s:.1f} s",
        f"{VIEW_WORDS.get(a.view, a.view)}   lift: {lift}"
        f"{' (detected)' if a.lift_detected and a.lift != 'unknown' else ''}"
        f"   reps: {len(a.reps)}",
    ]
    for r in a.reps:
        ang = r.angles
        flags = "; ".join(
            f"{flag_what(f)} at the {f.phase} ({f.confidence:.0%} confidence, "
            f"{BASIS_WORDS.get(f.kind, f.kind)})"
            for f in r.flags
        )
        angles = ", ".join(
            f"{joint} {value:.0f}°"
            for joint, value in (
                ("trunk", ang.trunk_bottom_deg),
                ("hip", ang.hip_bottom_deg),
                ("knee", ang.knee_bottom_deg),
            )
            if value is not None and a.view == "side"  # other views cannot show these angles
        )
        lines.append(
            f"  rep {r.index}: bottom {r.bottom_s:.2f} s, lockout {r.lockout_s:.2f} s; "
            + (f"{angles} at the bottom; " if angles else "")
            + (flags or "no flags")
        )
    if a.back_judgement.judgeable:
        lines.append("lower back:")
    else:
        why = f" ({a.back_judgement.reason})" if a.back_judgement.reason else ""
        lines.append(f"lower back: can't judge from this video{why}")
    for k, v in a.findings.items():
        if a.finding_reason.get(k) == VIDEO_NOT_MEASURED:
            continue
        c = a.finding_confidence.get(k)
        basis = a.finding_basis.get(k, "single clip")
        how_sure = f"{c:.0%} confidence, " if c is not None else ""
        why = a.finding_reason.get(k, "")
        lines.append(
            f"  {VIDEO_FINDING_WORDS.get(k, k)}: {video_answer_words(v, basis)} ({how_sure}based "
            f"on {VIDEO_BASIS_WORDS.get(basis, basis)})" + (f" - {why}" if why else "")
        )
    if a.reference is not None:
        lines.append(
            f"reference set {a.reference.name}: "
            + ("compared" if a.reference.used else f"not compared ({a.reference.reason})")
        )
    for w in a.warnings:
        lines.append(f"warning: {w.message}")
    if a.artifacts.annotated_video:
        lines.append(f"annotated video: {a.artifacts.annotated_video}")
        lines.extend(f"plot: {p}" for p in a.artifacts.plots)
        lines.append(f"contact sheet: {a.artifacts.contact_sheet}")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add the `analyze` command to the app."""

    @app.command("analyze", help=HELP)
    def analyze(
        video: Annotated[Path, typer.Argument(help="Video file of one set, filmed from the side.")],
        out: Annotated[
            Path, typer.Option("--out", help="Folder for analysis.json, video and plots.")
        ],
        lift: Annotated[
            LiftChoice, typer.Option("--lift", help="Lift, or auto-detect.")
        ] = LiftChoice.auto,
        reference: Annotated[
            Path | None,
            typer.Option(
                "--reference", help="A rep you trust, filmed the same way (same camera, clothes)."
            ),
        ] = None,
        fmt: Annotated[
            OutFormat, typer.Option("--format", help="json or text on stdout.")
        ] = OutFormat.text,
        quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    ) -> None:
        err = Console(stderr=True)
        try:
            with progress_stages(not quiet and sys.stderr.isatty()) as stage:
                analysis = analyse_into(
                    video, out, lift=lift.value, reference=reference, stage=stage
                )
        except VideoError as exc:
            err.print(
                f"error: {printable(exc.message)}", markup=False, highlight=False, soft_wrap=True
            )
            raise typer.Exit(2) from None
        if fmt is OutFormat.json:
            for w in analysis.warnings:  # stdout stays pure JSON; a damaged file is said here
                if w.code == "frames_undecodable":
                    err.print(
                        f"warning: {printable(w.message)}",
                        markup=False,
                        highlight=False,
                        soft_wrap=True,
                    )
            sys.stdout.write(
                json.dumps(analysis.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
            )
        else:
            typer.echo(render_text(analysis))
            if not analysis.back_judgement.judgeable or analysis.warnings:
                typer.echo(f"How to film for a back check: {FILMING_GUIDANCE}")
