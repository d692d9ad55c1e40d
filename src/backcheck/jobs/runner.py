"""Who runs an analysis: a small protocol, and the real one backed by backcheck.video.

The runner is named by a dotted path (``module:Class``) so a worker process can build it;
tests swap in a fake. backcheck.video is imported only inside the worker.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from backcheck.core.vocabulary import STAGE_ANNOTATE, STAGE_POSE

ProgressFn = Callable[[float, str], None]
DEFAULT_RUNNER_SPEC = "backcheck.jobs.runner:VideoRunner"


class AnalysisError(Exception):
    """The video could not be analysed; the message is meant for the lifter."""


class AnalysisRunner(Protocol):
    """Analyses one video into ``out_dir`` and returns the analysis JSON."""

    def run(self, *, video: Path, out_dir: Path, lift: str, progress: ProgressFn) -> dict[str, Any]:
        """Analyse ``video``; call ``progress(fraction, stage)`` as it goes."""
        ...


# How much of the whole each stage of the video pipeline takes (measured roughly).
STAGE_SHARE = {STAGE_POSE: (0.0, 0.75), STAGE_ANNOTATE: (0.75, 0.97)}


class VideoRunner:
    """The real analysis: backcheck.video's pipeline, progress mapped to 0..1."""

    def run(self, *, video: Path, out_dir: Path, lift: str, progress: ProgressFn) -> dict[str, Any]:
        """Run the pipeline; a VideoError becomes an AnalysisError with its message."""
        from backcheck.video.errors import VideoError
        from backcheck.video.pipeline import run_analysis

        def stage(name: str, total: int) -> Callable[[int], None]:
            low, high = STAGE_SHARE.get(name, (0.97, 0.99))
            done = 0
            progress(low, name)

            def advance(n: int) -> None:
                nonlocal done
                done += n
                progress(low + (high - low) * min(done / max(total, 1), 1.0), name)

            return advance

        try:
            analysis = run_analysis(
                video, out_dir, lift=lift, stage=stage, reference_sets=reference_sets(out_dir)
            )
        except VideoError as exc:
            raise AnalysisError(for_lifter(exc.message, video.name)) from exc
        return analysis.model_dump(mode="json")


def for_lifter(message: str, stored_name: str) -> str:
    """A VideoError's message with the stored upload's file name (meaningless to the lifter,
    who chose another) said as "the video"."""
    if message.startswith(stored_name):
        return "The video" + message[len(stored_name) :]
    return message.replace(stored_name, "the video")


REFERENCES_FILE = "references.json"  # the lifter's reference sets, written at upload


def reference_sets(folder: Path) -> dict[str, Any]:
    """The lifter's reference sets by lift, {lift: (name, BackSummary)}, from the job folder."""
    import json

    from backcheck.video.schema import BackSummary

    path = folder / REFERENCES_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        lift: (str(ref["name"]), BackSummary.model_validate(ref["summary"]))
        for lift, ref in data.items()
    }


def video_available() -> bool:
    """True when the video package and its pose model can be imported."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("backcheck.video.pipeline", "mediapipe", "cv2")
    )


def filming_guidance() -> str:
    """How to film a lift for the back check (from the video package when present)."""
    try:
        from backcheck.video.quality import FILMING_GUIDANCE
    except ImportError:
        return "Film from the side, the whole body in frame, in good light."
    return str(FILMING_GUIDANCE)


def load_runner(spec: str) -> AnalysisRunner:
    """Build the runner named ``module:Class``."""
    module_name, _, class_name = spec.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    runner: AnalysisRunner = cls()
    return runner
