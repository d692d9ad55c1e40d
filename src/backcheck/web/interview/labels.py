"""Plain-words labels for the answer buttons of choice questions (the values stay the ids)."""

from __future__ import annotations

CHOICE_LABELS: dict[str, dict[str, str]] = {
    "leg_weakness": {
        "none": "No weakness",
        "longstanding": "Old and unchanged",
        "new_stable": "New, not getting worse",
        "progressive": "New and getting worse",
        "sudden": "Came on suddenly",
    },
    "pain_trend": {
        "improving": "Improving",
        "same": "About the same",
        "worsening": "Getting worse",
    },
    "phase": {
        "setup": "Setting up",
        "descent": "On the way down",
        "bottom": "At the bottom",
        "ascent": "On the way up",
        "lockout": "At lockout",
        "overhead": "Overhead",
        "after": "Afterwards",
        "unknown": "Not sure when",
    },
    "bracing_style": {
        "belly_360": "Big breath into the belly, whole midsection pushed out",
        "chest_breath": "Breath into the chest",
        "sucks_belly_in": "I suck my belly in",
        "no_breath_hold": "I don't hold my breath",
        "exhales_before_lift": "I breathe out before the lift",
    },
    "toe_touch": {
        "palms": "Palms flat on the floor",
        "fingertips": "Fingertips to the floor",
        "shins": "Only to my shins",
        "knees": "Only to my knees",
    },
    "onset": {"sudden": "Suddenly, at one moment", "gradual": "Gradually"},
}


def choice_label(question_id: str, value: str) -> str:
    """The button text for one choice."""
    known = CHOICE_LABELS.get(question_id, {}).get(value)
    return known or value.replace("_", " ").capitalize()
