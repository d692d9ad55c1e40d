"""Which question to ask next: every red flag first, then the question that matters most.

After the red-flag screen, a question is worth asking only if some answer to it could still
change the outcome: the triage level (a rule above the current level that it could still
decide) or which causes are identified (a cause whose identification is still open, given
the best and worst evidence the unanswered questions could bring). Among those, the one with
the largest expected change in cause log-odds wins (answers taken as equally likely), with
triage first. When no question can change anything, the interview stops.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backcheck.core.case import Case
from backcheck.core.conditions import Findings, FindingValue, Tri, leaves
from backcheck.core.inference import infer_causes, logit
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import LEVEL_RANK, FindingDef, Knowledge, TriageRuleDef
from backcheck.core.triage import resolve_contradictions, triage

TRIAGE_WEIGHT = 10.0
FLIP_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Question:
    """A question to put to the lifter."""

    id: str
    text: str
    type: str
    choices: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    red_flag: bool

    @classmethod
    def of(cls, finding: FindingDef) -> Question:
        """The question for a finding definition."""
        return cls(
            finding.id,
            finding.question,
            finding.type,
            tuple(finding.values or ()),
            finding.min,
            finding.max,
            finding.red_flag,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in ``next_questions``."""
        out: dict[str, Any] = {"id": self.id, "text": self.text, "type": self.type}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["min"], out["max"] = self.minimum, self.maximum
        out["red_flag"] = self.red_flag
        return out


@dataclass(frozen=True)
class _Index:
    """Per-knowledge look-ups, built once: which rules and evidence read each finding."""

    rules_by_finding: dict[str, tuple[TriageRuleDef, ...]]
    probes: dict[str, tuple[FindingValue, ...]]
    # finding -> one {cause index: log-odds change} per probe answer. Exact because every
    # evidence item reads a single finding (the loader enforces it).
    deltas: dict[str, tuple[dict[int, float], ...]]


@lru_cache(maxsize=4)
def _index(knowledge: Knowledge) -> _Index:
    rules: dict[str, list[TriageRuleDef]] = {}
    for rule in knowledge.rules:
        for fid in rule.when.findings_in():
            rules.setdefault(fid, []).append(rule)
    evidence: dict[str, list[tuple[int, Any, float]]] = {}
    thresholds: dict[str, set[float]] = {}
    conditions = [rule.when for rule in knowledge.rules]
    for index, cause in enumerate(knowledge.causes):
        for item in cause.evidence:
            conditions.append(item.when)
            for fid in item.when.findings_in():
                evidence.setdefault(fid, []).append((index, item.when, math.log(item.lr)))
    conditions += [c for p in knowledge.plan_items for c in (p.when, p.avoid_when) if c]
    for condition in conditions:
        for leaf in leaves(condition):
            numeric = isinstance(leaf.value, int | float) and not isinstance(leaf.value, bool)
            if numeric and leaf.op in ("gt", "gte", "lt", "lte", "is"):
                thresholds.setdefault(leaf.finding, set()).add(float(leaf.value))
    probes = {
        fid: _probe_values(f, thresholds.get(fid, set())) for fid, f in knowledge.findings.items()
    }
    deltas: dict[str, tuple[dict[int, float], ...]] = {}
    for fid, values in probes.items():
        per_probe = []
        for value in values:
            change: dict[int, float] = {}
            for cause_index, condition, log_lr in evidence.get(fid, ()):
                if condition.holds({fid: value}, False):
                    change[cause_index] = change.get(cause_index, 0.0) + log_lr
            per_probe.append(change)
        deltas[fid] = tuple(per_probe)
    return _Index({k: tuple(v) for k, v in rules.items()}, probes, deltas)


def _probe_values(finding: FindingDef, thresholds: set[float]) -> tuple[FindingValue, ...]:
    """Representative answers: every choice, or numbers either side of each threshold."""
    if finding.type == "bool":
        return (True, False)
    if finding.type == "enum":
        return tuple(finding.values or ())
    assert finding.min is not None and finding.max is not None
    step = 1.0
    points = sorted({p for t in thresholds for p in (t - step, t, t + step)})
    in_range = [p for p in points if finding.min <= p <= finding.max]
    if finding.type == "int":
        return tuple(dict.fromkeys(int(p) for p in in_range))
    return tuple(in_range)


class _WithAnswer(Mapping[str, FindingValue]):
    """The findings plus one hypothetical answer, without copying the dictionary."""

    __slots__ = ("_base", "_key", "_value")

    def __init__(self, base: Findings, key: str, value: FindingValue) -> None:
        self._base, self._key, self._value = base, key, value

    def __getitem__(self, key: str) -> FindingValue:
        return self._value if key == self._key else self._base[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self._value if key == self._key else self._base.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key == self._key or key in self._base

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        if self._key not in self._base:
            yield self._key

    def __len__(self) -> int:
        return len(self._base) + (self._key not in self._base)


def next_questions(
    case: Case, knowledge: Knowledge | None = None, *, limit: int = 3
) -> list[Question]:
    """Unanswered red flags (all of them, in order), then up to ``limit`` useful questions."""
    kb = knowledge or load_knowledge()
    findings, _ = resolve_contradictions(case.findings, kb)
    red = [Question.of(kb.findings[fid]) for fid in kb.red_flags if fid not in case.findings]
    ranked = _rank_questions(findings, case.confidence, kb)
    return red + [Question.of(kb.findings[fid]) for fid, _ in ranked[:limit]]


def next_question(case: Case, knowledge: Knowledge | None = None) -> Question | None:
    """The single next question, or None when nothing left can change the answer."""
    questions = next_questions(case, knowledge, limit=1)
    return questions[0] if questions else None


def _rank_questions(
    findings: dict[str, FindingValue], confidence: Mapping[str, float], kb: Knowledge
) -> list[tuple[str, float]]:
    """Useful non-red-flag questions with their scores, best first."""
    index = _index(kb)
    current = triage(findings, kb)
    current_rank = LEVEL_RANK[current.level]
    incomplete = not current.complete
    by_id = {c.id: i for i, c in enumerate(kb.causes)}
    log_odds = [0.0] * len(kb.causes)
    identified = [False] * len(kb.causes)
    for result in infer_causes(findings, confidence, kb):
        log_odds[by_id[result.id]] = result.log_odds
        identified[by_id[result.id]] = result.identified
    threshold = logit(kb.settings.identified_threshold)
    unanswered = [
        fid for fid in kb.findings if fid not in findings and not kb.findings[fid].red_flag
    ]

    # Best and worst each unanswered finding could still do to each cause.
    reach_up = [0.0] * len(kb.causes)
    reach_down = [0.0] * len(kb.causes)
    for fid in unanswered:
        best: dict[int, float] = {}
        worst: dict[int, float] = {}
        for delta in index.deltas[fid]:
            for cause_index, change in delta.items():
                best[cause_index] = max(best.get(cause_index, 0.0), change)
                worst[cause_index] = min(worst.get(cause_index, 0.0), change)
        for cause_index, change in best.items():
            reach_up[cause_index] += change
        for cause_index, change in worst.items():
            reach_down[cause_index] += change
    open_causes = {
        i
        for i in range(len(kb.causes))
        if (not identified[i] and log_odds[i] + reach_up[i] >= threshold)
        or (identified[i] and log_odds[i] + reach_down[i] < threshold)
    }

    scored: list[tuple[str, float]] = []
    for fid in unanswered:
        probes = index.probes[fid]
        if not probes:
            continue
        triage_gain = 0
        for rule in index.rules_by_finding.get(fid, ()):
            gain = LEVEL_RANK[rule.level] - current_rank
            if gain <= triage_gain or rule.when.status(findings, incomplete) is not Tri.UNKNOWN:
                continue
            if any(
                rule.when.status(_WithAnswer(findings, fid, p), incomplete) is not Tri.FALSE
                for p in probes
            ):
                triage_gain = gain
        cause_gain = 0.0
        if open_causes:
            for delta in index.deltas[fid]:
                for cause_index, change in delta.items():
                    if cause_index not in open_causes:
                        continue
                    crossed = (log_odds[cause_index] + change >= threshold) != identified[
                        cause_index
                    ]
                    cause_gain += abs(change) + (FLIP_WEIGHT if crossed else 0.0)
            cause_gain /= len(probes)
        score = TRIAGE_WEIGHT * triage_gain + cause_gain
        if score > 0:
            scored.append((fid, score))
    scored.sort(key=lambda item: -item[1])
    return scored
