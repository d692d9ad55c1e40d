"""Everything drawn on the annotated frames, the contact sheet and the plot is plain words
(issue 12: flag events showed an id): no snake_case ids, enum values or `key = value`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import cv2
import matplotlib.figure
import matplotlib.text
import pytest

from backcheck.video.analysis import analyze_track_full
from backcheck.video.annotate import write_annotated
from backcheck.video.decode import probe
from backcheck.video.plots import write_plot
from backcheck.video.schema import Flag
from backcheck.video.track import extract_track
from tests.video.synth_clip import NumberedPose, write_numbered_clip

ID_LIKE = re.compile(r"\b[a-z]+_[a-z_]+\b|\w+ = \w+")


def test_frames_sheet_and_plot_show_words_not_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    track = extract_track(probe(write_numbered_clip(tmp_path / "clip.mp4", 120)), NumberedPose())
    result = analyze_track_full(track, lift="good_morning")
    analysis = result.analysis
    assert analysis.reps, "the synthetic hinge has a rep"
    analysis.reps[0].flags.append(
        Flag(
            id="lumbar_flexion",
            phase="bottom",
            confidence=0.62,
            basis="possible rounding at the bottom: check it",
            kind="single clip",
        )
    )
    drawn: list[str] = []
    put_text = cv2.putText

    def recording_put_text(img: Any, text: str, *args: Any, **kwargs: Any) -> Any:
        drawn.append(text)
        return put_text(img, text, *args, **kwargs)

    monkeypatch.setattr(cv2, "putText", recording_put_text)
    save = matplotlib.figure.Figure.savefig

    def recording_savefig(fig: matplotlib.figure.Figure, *args: Any, **kwargs: Any) -> None:
        drawn.extend(t.get_text() for t in fig.findobj(matplotlib.text.Text))
        save(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", recording_savefig)
    write_annotated(
        track, result.series, analysis, tmp_path / "annotated.mp4", tmp_path / "sheet.png"
    )
    write_plot(track, result.series, analysis, tmp_path / "angles.png")
    texts = {t for t in drawn if t.strip()}
    assert not [t for t in texts if ID_LIKE.search(t)], sorted(texts)
    joined = "\n".join(texts)
    assert "good morning" in joined and "side view" in joined
    assert "rep 1: possible rounding at the bottom: check it" in texts
    assert "62% confidence, from this clip alone" in texts
    assert "rep 1 bottom" in texts  # the contact sheet's tiles
