"""Shared vocabularies: the one place each list of ids is written down.

The CLI, the web app, the job runner and the video package all read these; a contract test
(tests/core/test_vocabulary.py) ties every user to them.
"""

from __future__ import annotations

# Lifts the video check knows how to segment and judge, in the order menus show them.
LIFTS: tuple[str, ...] = ("deadlift", "squat", "overhead_press", "rdl", "good_morning")
# How each lift (and a lift not recognised) is named to a person: on frames, plots, pages.
LIFT_WORDS: dict[str, str] = {
    "deadlift": "deadlift",
    "squat": "squat",
    "overhead_press": "overhead press",
    "rdl": "Romanian deadlift",
    "good_morning": "good morning",
    "unknown": "lift not recognised",
}
# What a person may choose when uploading: "auto" lets the analysis detect the lift.
LIFT_CHOICES: tuple[str, ...] = ("auto", *LIFTS)

# Findings a video analysis may report, and the only ones it may set in a case.
VIDEO_FINDINGS: tuple[str, ...] = (
    "back_rounds_at_bottom",
    "back_arches_at_setup",
    "back_arches_at_lockout",
    "arches_when_pressing_overhead",
)

# Each video finding in words, as every interface names it (never its id).
VIDEO_FINDING_WORDS: dict[str, str] = {
    "back_rounds_at_bottom": "Lower back rounds at the bottom",
    "back_arches_at_setup": "Lower back over-arched at set-up",
    "back_arches_at_lockout": "Lower back over-arches at lockout",
    "arches_when_pressing_overhead": "Arches when pressing overhead",
}
# The reason a video finding gives when the lift cannot show it (such a finding is not listed).
VIDEO_NOT_MEASURED = "not measured in this lift"
# What a video finding was judged against, in words.
VIDEO_BASIS_WORDS: dict[str, str] = {
    "single clip": "this clip alone",
    "reference": "your reference set",
    "rep to rep": "the set's own first reps",
}


def video_answer_words(value: bool | None, basis: str) -> str:
    """A video finding's answer in words. A single clip never says a plain "yes": across people
    it can only ask for a check; a "no" against a reference says what it was compared with."""
    if value is None:
        return "can't tell"
    if value:
        return {
            "reference": "yes, more than in your reference set",
            "rep to rep": "yes, more in later reps than in the first ones",
        }.get(basis, "possibly: check it")
    return "no more than in your reference set" if basis == "reference" else "not seen"


# Stage names the video pipeline reports while it runs (progress bars, job progress).
STAGE_POSE = "pose"
STAGE_REFERENCE_POSE = "pose (reference)"
STAGE_ANNOTATE = "annotated video"
PIPELINE_STAGES: tuple[str, ...] = (STAGE_POSE, STAGE_REFERENCE_POSE, STAGE_ANNOTATE)
