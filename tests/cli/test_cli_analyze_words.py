"""`backcheck analyze` in text: the lift, the view, each flag and each finding in words."""

from __future__ import annotations

import re
from typing import Any

from backcheck.cli.analyze import render_text
from backcheck.core.vocabulary import VIDEO_FINDING_WORDS, VIDEO_FINDINGS, video_answer_words
from backcheck.video.schema import Analysis
from tests.web.test_web_video_pages import result

SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def complete(**extra: Any) -> dict[str, Any]:
    """The web pages' sample result with the fields the full schema requires."""
    data = result(**extra)
    data["video"].update(frames=60, duration_s=2.0, rotation=0)
    phase = {"frames": 10, "valid_frames": 10}
    data["reps"][0]["back"].update(setup=phase, bottom=phase, lockout=phase)
    data["back_judgement"] = {"judgeable": data["view"] == "side"}
    return data


def analysis(**extra: Any) -> Analysis:
    return Analysis.model_validate(complete(**extra))


def test_the_text_report_shows_no_ids() -> None:
    flagged = complete(lift="rdl")
    flagged["reps"][0]["flags"] = [
        {"id": "lumbar_flexion", "phase": "bottom", "confidence": 0.62, "kind": "rep to rep"}
    ]
    flagged["findings"]["back_rounds_at_bottom"] = True
    flagged["finding_basis"]["back_rounds_at_bottom"] = "rep to rep"
    text = render_text(Analysis.model_validate(flagged))
    assert not SNAKE_CASE.findall(text.replace("x.mp4", "")), text
    assert "lift: Romanian deadlift (detected)" in text and "side view" in text
    seen = "the lower back rounds at the bottom (62% confidence, against this set's first reps)"
    assert seen in text
    assert "Lower back rounds at the bottom: yes, more in later reps than in the first ones" in text
    unknown = render_text(analysis(lift="unknown", view="front"))
    assert "lift: lift not recognised" in unknown and "front view" in unknown
    assert "Lower back rounds at the bottom: can't tell (based on this clip alone)" in unknown
    assert "pressing overhead" not in unknown and "None" not in unknown
    assert "trunk" not in unknown and "(detected)" not in unknown  # no angles from the front


def test_every_video_finding_has_words_and_a_single_clip_never_says_yes() -> None:
    assert tuple(VIDEO_FINDING_WORDS) == VIDEO_FINDINGS
    assert video_answer_words(True, "single clip") == "possibly: check it"
    assert video_answer_words(False, "single clip") == "not seen"
    assert video_answer_words(None, "reference") == "can't tell"
    assert video_answer_words(False, "reference") == "no more than in your reference set"
