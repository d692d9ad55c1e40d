"""Cause inference: prior odds times likelihood ratios, on the log-odds scale.

Each cause's evidence items are independent tests (naive Bayes). Evidence from a video is
weighted by the video's confidence: its log likelihood ratio is multiplied by it. A cause is
identified when its probability reaches the threshold and at least one item supports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backcheck.core.conditions import Findings
from backcheck.core.knowledge.schema import EvidenceDef, Knowledge


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
    about: str

    @property
    def explanation(self) -> str:
        """Verdict, what the cause is, and the strongest evidence, for a lifter to read."""
        if self.identified:
            verdict = f"Likely ({self.likelihood:.0%})."
        elif self.evidence_for:
            verdict = f"Possible but not established ({self.likelihood:.0%})."
        else:
            verdict = f"No evidence for this in your answers ({self.likelihood:.0%})."
        strongest = sorted(
            self.evidence_for, key=lambda e: -e.weight * math.log(e.likelihood_ratio)
        )[:3]
        because = " ".join(e.text for e in strongest)
        return f"{verdict} {self.about}" + (f" What points to it: {because}" if because else "")


def logit(p: float) -> float:
    """Probability to log-odds."""
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    """Log-odds to probability."""
    return 1 / (1 + math.exp(-x))


@dataclass(frozen=True)
class _EvidenceTable:
    """Evidence items indexed by the finding they read (each reads exactly one).

    For yes/no and choice findings the matching items for every possible answer are known in
    advance, so scoring a case is a dictionary look-up per answered finding.
    """

    by_answer: dict[str, dict[Any, tuple[tuple[int, EvidenceDef, float], ...]]]
    numeric: dict[str, tuple[tuple[int, EvidenceDef, float], ...]]


@lru_cache(maxsize=4)
def _table(knowledge: Knowledge) -> _EvidenceTable:
    by_answer: dict[str, dict[Any, list[tuple[int, EvidenceDef, float]]]] = {}
    numeric: dict[str, list[tuple[int, EvidenceDef, float]]] = {}
    for index, cause in enumerate(knowledge.causes):
        for item in cause.evidence:
            (fid,) = item.when.findings_in()
            finding = knowledge.findings[fid]
            entry = (index, item, math.log(item.lr))
            if finding.type == "bool" or finding.type == "enum":
                answers: list[Any] = (
                    [True, False] if finding.type == "bool" else finding.values or []
                )
                for answer in answers:
                    if item.when.holds({fid: answer}, False):
                        by_answer.setdefault(fid, {}).setdefault(answer, []).append(entry)
            else:
                numeric.setdefault(fid, []).append(entry)
    return _EvidenceTable(
        {f: {a: tuple(v) for a, v in m.items()} for f, m in by_answer.items()},
        {f: tuple(v) for f, v in numeric.items()},
    )


def infer_causes(
    findings: Findings, confidence: Mapping[str, float], knowledge: Knowledge
) -> tuple[CauseResult, ...]:
    """Score every cause and rank them, most likely first (ties keep knowledge order)."""
    table = _table(knowledge)
    causes = knowledge.causes
    log_odds = [logit(cause.prior) for cause in causes]
    supporting: list[list[Evidence]] = [[] for _ in causes]
    opposing: list[list[Evidence]] = [[] for _ in causes]
    for fid, answer in findings.items():
        matches = table.by_answer.get(fid, {}).get(answer, ())
        if fid in table.numeric:
            matches = tuple(m for m in table.numeric[fid] if m[1].when.holds(findings, False))
        if not matches:
            continue
        weight = confidence.get(fid, 1.0)
        for index, item, log_lr in matches:
            log_odds[index] += weight * log_lr
            evidence = Evidence((fid,), item.says, item.lr, weight)
            (supporting if item.lr > 1 else opposing)[index].append(evidence)
    threshold = knowledge.settings.identified_threshold
    results = []
    for index, cause in enumerate(causes):
        likelihood = sigmoid(log_odds[index])
        identified = likelihood >= threshold and bool(supporting[index])
        results.append(
            CauseResult(
                cause.id,
                cause.kind,
                cause.title,
                identified,
                likelihood,
                log_odds[index],
                tuple(supporting[index]),
                tuple(opposing[index]),
                cause.explanation,
            )
        )
    return tuple(sorted(results, key=lambda r: -r.likelihood))
