"""Cause inference: prior odds times likelihood ratios, on the log-odds scale.

Each cause's evidence items are independent tests (naive Bayes). Evidence from a video is
weighted by the video's confidence: its log likelihood ratio is multiplied by it. A cause is
identified when its probability reaches the threshold and at least one item supports it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import exp
from operator import itemgetter
from typing import Any, NamedTuple

from backcheck.core.conditions import Findings, compile_answer_test, compile_condition
from backcheck.core.knowledge.schema import EvidenceDef, Knowledge


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence that matched, and how much it moved the cause."""

    findings: tuple[str, ...]
    text: str
    likelihood_ratio: float
    weight: float


class CauseResult(NamedTuple):
    """A ranked cause with its probability and the evidence on each side.

    An immutable record (a named tuple: a few are built for every assessment, and a tuple is
    several times quicker to make than a frozen dataclass)."""

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


# One evidence item as scoring needs it: (cause index, log likelihood ratio, side, its
# full-weight Evidence). ``side`` is where infer_causes files it: 2 * index (for) or
# 2 * index + 1 (against). Most answers come from the lifter (weight 1), so one immutable
# Evidence per item is shared; video answers get their own, weighted.
_Match = tuple[int, float, int, Evidence]
_Test = Callable[[Findings, bool], bool]  # a compiled condition's ``holds``


class _NumericMatches:
    """A numeric finding's evidence items, looked up like the answer tables of the others:
    ``get(answer, default)`` tests each item's compiled condition on the answer. Each item
    reads only this finding, so testing it on ``{finding: answer}`` is testing it on the
    whole case."""

    __slots__ = ("finding", "items")

    def __init__(self, finding: str, items: tuple[tuple[_Test, _Match], ...]) -> None:
        self.finding = finding
        self.items = items

    def get(self, answer: Any, default: tuple[_Match, ...]) -> tuple[_Match, ...]:
        """The items whose condition holds for this answer (in knowledge order)."""
        case = {self.finding: answer}
        return tuple([match for test, match in self.items if test(case, False)]) or default


_Applier = Callable[[list[float], list[list[Evidence]]], None]


def _applier(matches: Sequence[_Match]) -> _Applier:
    """Compiled code adding these matches, in order, to (log_odds, sides): what the loop in
    ``infer_causes`` does with them, without the loop."""
    namespace: dict[str, Any] = {}
    lines = ["def apply(log_odds, sides):"]
    for number, (index, log_lr, side, evidence) in enumerate(matches):
        namespace[f"lr{number}"], namespace[f"ev{number}"] = log_lr, evidence
        lines.append(f"    log_odds[{int(index)}] += lr{number}")
        lines.append(f"    sides[{int(side)}].append(ev{number})")
    exec(compile("\n".join(lines) + "\n", "<evidence applier>", "exec"), namespace)
    apply: _Applier = namespace["apply"]
    return apply


class _NumericAppliers:
    """A numeric finding's appliers: ``get(answer)`` gives the applier of the items whose
    condition holds for that answer, or None. A compiled function tests the items and picks
    the applier of the set that holds, made as each set first occurs (a finding has a few
    items, so a few sets)."""

    __slots__ = ("get",)

    def __init__(self, finding: str, items: tuple[tuple[EvidenceDef, _Match], ...]) -> None:
        appliers: dict[int, _Applier | None] = {0: None}

        def make(held: int) -> _Applier:
            apply = appliers[held] = _applier(
                [match for n, (_, match) in enumerate(items) if held >> n & 1]
            )
            return apply

        namespace: dict[str, Any] = {"appliers": appliers, "make": make}
        lines = ["def get(a):", "    held = 0"]
        for number, (item, _) in enumerate(items):
            namespace[f"test{number}"] = compile_answer_test(item.when, finding)
            lines.append(f"    if test{number}(a): held |= {1 << number}")
        lines.append("    return appliers[held] if held in appliers else make(held)")
        exec(compile("\n".join(lines) + "\n", "<numeric evidence>", "exec"), namespace)
        self.get: Callable[[Any], _Applier | None] = namespace["get"]


@dataclass(frozen=True)
class _EvidenceTable:
    """Evidence items indexed by the finding they read (each reads exactly one).

    For yes/no and choice findings the matching items for every possible answer are known in
    advance, so scoring a case is a dictionary look-up per answered finding; a numeric
    finding's items are tested with their compiled conditions.
    """

    # finding -> answer -> matches
    by_finding: dict[str, dict[Any, tuple[_Match, ...]] | _NumericMatches]
    # the same as compiled code, for answers that all carry full weight (no video): finding
    # -> answer -> a function that adds the answer's evidence to (log_odds, sides)
    appliers: dict[str, dict[Any, _Applier] | _NumericAppliers]
    prior_log_odds: tuple[float, ...]
    # per cause: (id, kind, title, about, needs_observation)
    causes: tuple[tuple[str, str, str, str, bool], ...]
    # each cause's result when no answer bears on it: its prior, never identified
    unmoved: tuple[CauseResult, ...]
    # findings that report a fault as observed (lifter, coach or video)
    observed: frozenset[str]


@lru_cache(maxsize=4)
def _table(knowledge: Knowledge) -> _EvidenceTable:
    by_answer: dict[str, dict[Any, list[_Match]]] = {}
    numeric: dict[str, list[tuple[_Test, _Match]]] = {}
    numeric_items: dict[str, list[tuple[EvidenceDef, _Match]]] = {}
    for index, cause in enumerate(knowledge.causes):
        for item in cause.evidence:
            (fid,) = item.when.findings_in()
            finding = knowledge.findings[fid]
            evidence = Evidence((fid,), item.says, item.lr, 1.0)
            side = 2 * index + (0 if item.lr > 1 else 1)
            entry: _Match = (index, math.log(item.lr), side, evidence)
            if finding.type == "bool" or finding.type == "enum":
                answers: list[Any] = (
                    [True, False] if finding.type == "bool" else finding.values or []
                )
                for answer in answers:
                    if item.when.holds({fid: answer}, False):
                        by_answer.setdefault(fid, {}).setdefault(answer, []).append(entry)
            else:
                test = compile_condition(item.when).holds
                numeric.setdefault(fid, []).append((test, entry))
                numeric_items.setdefault(fid, []).append((item, entry))
    by_finding: dict[str, dict[Any, tuple[_Match, ...]] | _NumericMatches] = {
        f: {a: tuple(v) for a, v in m.items()} for f, m in by_answer.items()
    }
    by_finding.update({f: _NumericMatches(f, tuple(v)) for f, v in numeric.items()})
    priors = tuple(logit(cause.prior) for cause in knowledge.causes)
    unmoved = tuple(
        CauseResult(c.id, c.kind, c.title, False, sigmoid(x), x, (), (), c.explanation)
        for c, x in zip(knowledge.causes, priors, strict=True)
    )
    appliers: dict[str, dict[Any, _Applier] | _NumericAppliers] = {
        f: {a: _applier(matches) for a, matches in m.items()} for f, m in by_answer.items()
    }
    appliers.update({f: _NumericAppliers(f, tuple(v)) for f, v in numeric_items.items()})
    return _EvidenceTable(
        by_finding,
        appliers,
        priors,
        tuple(
            (c.id, c.kind, c.title, c.explanation, c.needs_observation) for c in knowledge.causes
        ),
        unmoved,
        frozenset(f.id for f in knowledge.findings.values() if f.observation),
    )


def infer_causes(
    findings: Findings, confidence: Mapping[str, float], knowledge: Knowledge
) -> tuple[CauseResult, ...]:
    """Score every cause and rank them, most likely first (ties keep knowledge order)."""
    table = _table(knowledge)
    by_finding = table.by_finding
    priors = table.prior_log_odds
    log_odds = list(priors)
    # Evidence for cause i goes to sides[2 * i], evidence against it to sides[2 * i + 1].
    sides: list[list[Evidence]] = [[] for _ in range(2 * len(priors))]
    if not confidence:  # every answer at full weight: the compiled appliers do the loop below
        appliers = table.appliers
        for fid, answer in findings.items():
            found = appliers.get(fid)
            if found is not None:
                apply = found.get(answer)
                if apply is not None:
                    apply(log_odds, sides)
    for fid, answer in findings.items() if confidence else ():
        entry = by_finding.get(fid)
        if entry is None:
            continue
        if fid in confidence:  # from a video: weighted by its confidence
            weight = confidence[fid]
            for index, log_lr, side, evidence in entry.get(answer, ()):
                log_odds[index] += weight * log_lr
                sides[side].append(
                    Evidence((fid,), evidence.text, evidence.likelihood_ratio, weight)
                )
        else:
            for index, log_lr, side, evidence in entry.get(answer, ()):
                log_odds[index] += log_lr
                sides[side].append(evidence)
    threshold = knowledge.settings.identified_threshold
    observed = table.observed
    unmoved = table.unmoved
    results = []
    for index, (cause_id, kind, title, about, needs_observation) in enumerate(table.causes):
        supporting = sides[2 * index]
        against = sides[2 * index + 1]
        if not supporting and not against:
            results.append(unmoved[index])
            continue
        odds = log_odds[index]
        likelihood = 1 / (1 + exp(-odds))  # sigmoid, written out
        seen = not needs_observation or any(e.findings[0] in observed for e in supporting)
        identified = likelihood >= threshold and bool(supporting) and seen
        if identified:
            certainty = "likely"
        elif supporting and odds > priors[index]:
            certainty = "possible"
        else:
            certainty = "unlikely"
        # CauseResult(...), without the named tuple's Python-level __new__
        results.append(
            _new_tuple(
                CauseResult,
                (
                    cause_id,
                    kind,
                    title,
                    identified,
                    likelihood,
                    odds,
                    tuple(supporting),
                    tuple(against),
                    about,
                    certainty,
                ),
            )
        )
    results.sort(key=_LIKELIHOOD, reverse=True)
    return tuple(results)


_new_tuple = tuple.__new__
_LIKELIHOOD = itemgetter(4)  # CauseResult.likelihood
