"""Cause inference: prior odds times likelihood ratios, on the log-odds scale.

Each cause's evidence items are independent tests (naive Bayes). Evidence from a video is
weighted by the video's confidence: its log likelihood ratio is multiplied by it. A cause is
identified when its probability reaches the threshold and at least one item supports it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
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
    # "likely" (identified), "possible" (evidence for it, not established), "unlikely"
    certainty: str = "unlikely"

    @property
    def explanation(self) -> str:
        """Verdict, what the cause is, and the strongest evidence, for a lifter to read.

        In words, not percentages: the likelihood ratios are reasoned estimates, not
        measured ones, so a percentage would claim more precision than there is.
        """
        if self.identified:
            verdict = "Likely."
        elif self.certainty == "possible":
            verdict = "Possible, but not established."
        else:
            verdict = "No evidence for this in your answers."
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


@dataclass(frozen=True, slots=True)
class _Match:
    """One evidence item as scoring needs it, with its full-weight ``Evidence`` built once.

    Most answers come from the lifter (weight 1), so sharing one immutable ``Evidence`` per
    item saves an allocation per matching answer; video answers get their own, weighted.
    """

    index: int
    log_lr: float
    side: int  # where infer_causes files it: 2 * index (for) or 2 * index + 1 (against)
    item: EvidenceDef
    evidence: Evidence


@dataclass(frozen=True)
class _EvidenceTable:
    """Evidence items indexed by the finding they read (each reads exactly one).

    For yes/no and choice findings the matching items for every possible answer are known in
    advance, so scoring a case is a dictionary look-up per answered finding.
    """

    by_answer: dict[str, dict[Any, tuple[_Match, ...]]]
    numeric: dict[str, tuple[_Match, ...]]
    prior_log_odds: tuple[float, ...]
    # each cause's result when no answer bears on it: its prior, never identified
    unmoved: tuple[CauseResult, ...]
    # findings that report a fault as observed (lifter, coach or video)
    observed: frozenset[str]


@lru_cache(maxsize=4)
def _table(knowledge: Knowledge) -> _EvidenceTable:
    by_answer: dict[str, dict[Any, list[_Match]]] = {}
    numeric: dict[str, list[_Match]] = {}
    for index, cause in enumerate(knowledge.causes):
        for item in cause.evidence:
            (fid,) = item.when.findings_in()
            finding = knowledge.findings[fid]
            evidence = Evidence((fid,), item.says, item.lr, 1.0)
            side = 2 * index + (0 if item.lr > 1 else 1)
            entry = _Match(index, math.log(item.lr), side, item, evidence)
            if finding.type == "bool" or finding.type == "enum":
                answers: list[Any] = (
                    [True, False] if finding.type == "bool" else finding.values or []
                )
                for answer in answers:
                    if item.when.holds({fid: answer}, False):
                        by_answer.setdefault(fid, {}).setdefault(answer, []).append(entry)
            else:
                numeric.setdefault(fid, []).append(entry)
    priors = tuple(logit(cause.prior) for cause in knowledge.causes)
    unmoved = tuple(
        CauseResult(c.id, c.kind, c.title, False, sigmoid(x), x, (), (), c.explanation)
        for c, x in zip(knowledge.causes, priors, strict=True)
    )
    return _EvidenceTable(
        {f: {a: tuple(v) for a, v in m.items()} for f, m in by_answer.items()},
        {f: tuple(v) for f, v in numeric.items()},
        priors,
        unmoved,
        frozenset(f.id for f in knowledge.findings.values() if f.observation),
    )


def infer_causes(
    findings: Findings, confidence: Mapping[str, float], knowledge: Knowledge
) -> tuple[CauseResult, ...]:
    """Score every cause and rank them, most likely first (ties keep knowledge order)."""
    table = _table(knowledge)
    by_answer, numeric = table.by_answer, table.numeric
    causes = knowledge.causes
    log_odds = list(table.prior_log_odds)
    # Evidence for cause i goes to sides[2 * i], evidence against it to sides[2 * i + 1].
    sides: list[list[Evidence]] = [[] for _ in range(2 * len(causes))]
    for fid, answer in findings.items():
        answers = by_answer.get(fid)
        matches: Sequence[_Match]
        if answers is not None:
            matches = answers.get(answer, ())
        elif fid in numeric:
            matches = [m for m in numeric[fid] if m.item.when.holds(findings, False)]
        else:
            continue
        if not matches:
            continue
        if confidence and fid in confidence:  # from a video: weighted by its confidence
            weight = confidence[fid]
            for match in matches:
                log_odds[match.index] += weight * match.log_lr
                item = match.item
                sides[match.side].append(Evidence((fid,), item.says, item.lr, weight))
        else:
            for match in matches:
                log_odds[match.index] += match.log_lr
                sides[match.side].append(match.evidence)
    threshold = knowledge.settings.identified_threshold
    observed = table.observed
    results = []
    for index, cause in enumerate(causes):
        supporting = sides[2 * index]
        if not supporting and not sides[2 * index + 1]:
            results.append(table.unmoved[index])
            continue
        likelihood = sigmoid(log_odds[index])
        seen = not cause.needs_observation or any(
            e.findings[0] in observed for e in supporting
        )
        identified = likelihood >= threshold and bool(supporting) and seen
        if identified:
            certainty = "likely"
        elif supporting and log_odds[index] > table.prior_log_odds[index]:
            certainty = "possible"
        else:
            certainty = "unlikely"
        results.append(
            CauseResult(
                cause.id,
                cause.kind,
                cause.title,
                identified,
                likelihood,
                log_odds[index],
                tuple(supporting),
                tuple(sides[2 * index + 1]),
                cause.explanation,
                certainty,
            )
        )
    return tuple(sorted(results, key=attrgetter("likelihood"), reverse=True))
