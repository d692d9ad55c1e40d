"""Cause inference: prior odds times likelihood ratios, on the log-odds scale.

Each cause's evidence items are independent tests (naive Bayes). Evidence from a video is
weighted by the video's confidence: its log likelihood ratio is multiplied by it. A cause is
identified when its probability reaches the threshold and at least one item supports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from backcheck.core.conditions import Findings
from backcheck.core.knowledge.schema import CauseDef, Knowledge


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence that matched, and how much it moved the cause."""

    findings: tuple[str, ...]
    text: str
    likelihood_ratio: float
    weight: float


@dataclass(frozen=True, slots=True)
class CauseResult:
    """A ranked cause with its probability and the evidence on each side."""

    id: str
    kind: str
    title: str
    identified: bool
    likelihood: float
    log_odds: float
    evidence_for: tuple[Evidence, ...]
    evidence_against: tuple[Evidence, ...]
    explanation: str


def logit(p: float) -> float:
    """Probability to log-odds."""
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    """Log-odds to probability."""
    return 1 / (1 + math.exp(-x))


def score_cause(
    cause: CauseDef, findings: Findings, confidence: Mapping[str, float], threshold: float
) -> CauseResult:
    """Combine one cause's matching evidence into a probability and an explanation."""
    log_odds = logit(cause.prior)
    supporting: list[Evidence] = []
    opposing: list[Evidence] = []
    for item in cause.evidence:
        if not item.when.holds(findings, False):
            continue
        used = item.when.matched(findings)
        weight = min((confidence.get(fid, 1.0) for fid in used), default=1.0)
        log_odds += weight * math.log(item.lr)
        evidence = Evidence(used, item.says, item.lr, weight)
        (supporting if item.lr > 1 else opposing).append(evidence)
    likelihood = sigmoid(log_odds)
    identified = likelihood >= threshold and bool(supporting)
    return CauseResult(
        cause.id,
        cause.kind,
        cause.title,
        identified,
        likelihood,
        log_odds,
        tuple(supporting),
        tuple(opposing),
        _explain(cause, likelihood, identified, supporting),
    )


def _explain(
    cause: CauseDef, likelihood: float, identified: bool, supporting: list[Evidence]
) -> str:
    if identified:
        verdict = f"Likely ({likelihood:.0%})."
    elif supporting:
        verdict = f"Possible but not established ({likelihood:.0%})."
    else:
        verdict = f"No evidence for this in your answers ({likelihood:.0%})."
    strongest = sorted(supporting, key=lambda e: -e.weight * math.log(e.likelihood_ratio))[:3]
    because = " ".join(e.text for e in strongest)
    return f"{verdict} {cause.explanation}" + (f" What points to it: {because}" if because else "")


def infer_causes(
    findings: Findings, confidence: Mapping[str, float], knowledge: Knowledge
) -> tuple[CauseResult, ...]:
    """Score every cause and rank them, most likely first (ties keep knowledge order)."""
    threshold = knowledge.settings.identified_threshold
    results = [score_cause(c, findings, confidence, threshold) for c in knowledge.causes]
    return tuple(sorted(results, key=lambda r: -r.likelihood))
