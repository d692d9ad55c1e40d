"""A lifter's case: validated findings, plus where each came from and how sure it is.

Validation errors name the field and what is allowed, so adapters can show them in one line.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backcheck.core.conditions import FindingValue
from backcheck.core.knowledge.schema import FindingDef, Knowledge
from backcheck.core.vocabulary import VIDEO_FINDINGS as VIDEO_FINDINGS  # re-exported


class _ShortRepr(reprlib.Repr):
    """reprlib with short limits, and no attempt to print a number of thousands of digits."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 2
        self.maxstring = self.maxother = 60
        self.maxlist = self.maxtuple = self.maxdict = self.maxset = 4

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 64:
            return "a number too long to show"
        return super().repr_int(x, level)


_SHORT_REPR = _ShortRepr()


def shown(value: Any) -> str:
    """A value from the input as an error message shows it: a short prefix, never all of it
    (a 200 MB answer must not come back as a 200 MB error)."""
    return _SHORT_REPR.repr(value)


def shown_key(key: Any) -> str:
    """A key from the input as a field name: itself when short and printable, else shortened."""
    if isinstance(key, str) and len(key) <= 60 and key.isprintable():
        return key
    return shown(key)


class CaseError(ValueError):
    """Bad input: ``field`` is the offending key, the message says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Case:
    """Validated findings. ``confidence`` < 1 marks evidence from a video, weighted by it."""

    findings: dict[str, FindingValue]
    confidence: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def with_answer(self, finding_id: str, value: FindingValue | None) -> Case:
        """A copy with one more (or one cleared) answer."""
        findings = dict(self.findings)
        confidence = dict(self.confidence)
        confidence.pop(finding_id, None)
        if value is None:
            findings.pop(finding_id, None)
        else:
            findings[finding_id] = value
        return Case(findings, confidence, self.notes)


def parse_value(definition: FindingDef, value: Any) -> FindingValue:
    """Check one answer against its finding's type and range; raise CaseError if it does not fit."""
    kind = definition.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "enum":
        if isinstance(value, str) and value in (definition.values or []):
            return value
    elif (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        # an int too big for a float (thousands of digits) is out of range, not a crash
        and not (isinstance(value, int) and value.bit_length() > 64)
        and math.isfinite(value)
    ):
        if kind == "int" and float(value) != int(value):
            raise CaseError(
                definition.id, f"{shown(value)} is not allowed: use {definition.allowed()}"
            )
        number: int | float = int(value) if kind == "int" else float(value)
        assert definition.min is not None and definition.max is not None
        if definition.min <= number <= definition.max:
            return number
    raise CaseError(definition.id, f"{shown(value)} is not allowed: use {definition.allowed()}")


def parse_findings(raw: Any, knowledge: Knowledge) -> dict[str, FindingValue]:
    """Validate a ``{finding_id: value}`` mapping; ``null`` means unanswered."""
    if not isinstance(raw, Mapping):
        raise CaseError("findings", "must be an object of {finding id: value}")
    findings: dict[str, FindingValue] = {}
    for key, value in raw.items():
        definition = knowledge.findings.get(key)
        if definition is None:
            raise CaseError(shown_key(key), "unknown finding id (see `backcheck knowledge`)")
        if definition.derived:
            sources = " and ".join(definition.derived_from or [])
            raise CaseError(key, f"is worked out from {sources}: give those instead")
        if value is not None:
            findings[key] = parse_value(definition, value)
    return findings


def parse_case(raw: Any, knowledge: Knowledge) -> Case:
    """Validate a case document: ``{"findings": {...}, "video_analysis": {...}?}``."""
    if not isinstance(raw, Mapping):
        raise CaseError("case", 'must be a JSON object like {"findings": {...}}')
    unknown = sorted(set(raw) - {"findings", "video_analysis"})
    if unknown:
        raise CaseError(
            shown_key(unknown[0]), "unknown key: a case has 'findings' and 'video_analysis'"
        )
    findings = parse_findings(raw.get("findings", {}), knowledge)
    video = raw.get("video_analysis")
    if video is None:
        return Case(findings)
    return merge_video(Case(findings), video)


def merge_video(case: Case, analysis: Any) -> Case:
    """Add a video analysis's findings as evidence weighted by its confidence.

    The lifter's own answer wins where both exist; a disagreement is noted. A ``null``
    video finding (the video could not tell) adds nothing.
    """
    if not isinstance(analysis, Mapping):
        raise CaseError("video_analysis", "must be the JSON object that `backcheck analyze` writes")
    video_findings = analysis.get("findings", {})
    confidences = analysis.get("finding_confidence", {}) or {}
    if not isinstance(video_findings, Mapping) or not isinstance(confidences, Mapping):
        raise CaseError("video_analysis.findings", "must be an object of {finding id: value}")
    findings = dict(case.findings)
    confidence = dict(case.confidence)
    notes = list(case.notes)
    for key, value in video_findings.items():
        if key not in VIDEO_FINDINGS:
            raise CaseError(
                f"video_analysis.findings.{shown_key(key)}",
                f"use one of {', '.join(VIDEO_FINDINGS)}",
            )
        if value is None:
            continue
        if not isinstance(value, bool):
            raise CaseError(f"video_analysis.findings.{key}", "must be true, false or null")
        weight = confidences.get(key, 1.0)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 1:
            raise CaseError(
                f"video_analysis.finding_confidence.{key}", "must be a number from 0 to 1"
            )
        if key in findings:
            if findings[key] != value:
                notes.append(
                    f"The video suggests {key} = {str(value).lower()}, but your answer "
                    f"({str(findings[key]).lower()}) is used."
                )
            continue
        findings[key] = value
        confidence[key] = float(weight)
        notes.append(f"From the video: {key} = {str(value).lower()} (confidence {weight:.2f}).")
    judgement = analysis.get("back_judgement")
    if isinstance(judgement, Mapping) and judgement.get("judgeable") is False:
        reason = judgement.get("reason") or "the video does not show the back clearly enough"
        notes.append(f"The video could not judge the lower back: {reason}")
    return Case(findings, confidence, tuple(notes))


_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0"}
UNKNOWN_WORDS = {"", "?", "skip", "unknown", "dont know", "don't know", "not sure"}


def parse_text_answer(definition: FindingDef, text: str) -> FindingValue | None:
    """Read a typed answer (terminal or form); None means "don't know". Raises CaseError."""
    cleaned = text.strip().lower()
    if cleaned in UNKNOWN_WORDS:
        return None
    if definition.type == "bool":
        if cleaned in _YES:
            return True
        if cleaned in _NO:
            return False
        raise CaseError(definition.id, f"{shown(text.strip())} is not allowed: answer yes or no")
    if definition.type == "enum":
        choices = definition.values or []
        if cleaned.isdigit() and 1 <= int(cleaned) <= len(choices):
            return choices[int(cleaned) - 1]
        if cleaned in _NO and "none" in choices:  # "is a leg weak?" - "no"
            return "none"
        return parse_value(definition, cleaned)
    try:
        number = float(cleaned)
    except ValueError:
        raise CaseError(
            definition.id, f"{shown(text.strip())} is not allowed: use {definition.allowed()}"
        ) from None
    return parse_value(definition, int(number) if number.is_integer() else number)
