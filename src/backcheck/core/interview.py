"""Which question to ask next: every red flag first, then the question that matters most.

At an urgent or emergency level only the remaining red flags are asked: the advice is care
only, and no other answer can change it.

After the red-flag screen, a question is worth asking only if some answer to it could still
change the outcome: the triage level (a rule above the current level that it could still
decide) or which causes are identified (a cause whose identification is still open, given
the best and worst evidence the unanswered questions could bring). Among those, the one with
the largest expected change in cause log-odds wins (answers taken as equally likely), with
triage first. When no question can change anything, the interview stops.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from backcheck.core.case import Case
from backcheck.core.conditions import UNKNOWN, Findings, FindingValue, leaves
from backcheck.core.inference import CauseResult, infer_causes, logit
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import LEVEL_RANK, FindingDef, Knowledge, TriageRuleDef
from backcheck.core.triage import Triage, resolve_contradictions, triage

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


@dataclass(frozen=True, slots=True)
class _Askable:
    """A question worth scoring, with what its answers could do to each cause (see _Index)."""

    id: str
    reach: tuple[tuple[int, float, float], ...]
    per_cause: tuple[tuple[int, float, tuple[float, ...], int], ...]


@dataclass(frozen=True)
class _Index:
    """Per-knowledge look-ups, built once: which rules and evidence read each finding."""

    # Built from each finding's probe answers: the change in every cause's log-odds per answer,
    # exact because every evidence item reads a single finding (the loader enforces it).
    # finding -> (cause index, best, worst) change any answer could make to its log-odds.
    reach: dict[str, tuple[tuple[int, float, float], ...]]
    # finding -> (cause index, mean |change| over probes, sorted changes over probes)
    per_cause: dict[str, tuple[tuple[int, float, tuple[float, ...]], ...]]
    questions: dict[str, Question]
    # the red-flag questions, in the order they are asked
    red_flags: tuple[tuple[str, Question], ...]
    # rule id -> findings of that rule that some answer would make true
    satisfiable: dict[str, tuple[str, ...]]
    # non-red-flag findings that bear on some rule or cause: the only ones worth scoring,
    # each with its reach and per-cause changes (the last item being how many probes)
    askable: tuple[_Askable, ...]
    cause_index: dict[str, int]
    # (level rank, rule, its satisfiable findings), most severe first: the ranking stops at
    # the current level, as rules at or below it cannot raise it.
    rules_by_rank: tuple[tuple[int, TriageRuleDef, tuple[str, ...]], ...]
    # the identification threshold as log-odds
    threshold: float


@lru_cache(maxsize=4)
def _index(knowledge: Knowledge) -> _Index:
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
            moved: dict[int, float] = {}
            for cause_index, condition, log_lr in evidence.get(fid, ()):
                if condition.holds({fid: value}, False):
                    moved[cause_index] = moved.get(cause_index, 0.0) + log_lr
            per_probe.append(moved)
        deltas[fid] = tuple(per_probe)
    reach: dict[str, tuple[tuple[int, float, float], ...]] = {}
    for fid, per_probe_changes in deltas.items():
        best: dict[int, float] = {}
        worst: dict[int, float] = {}
        for delta in per_probe_changes:
            for cause_index, step in delta.items():
                best[cause_index] = max(best.get(cause_index, 0.0), step)
                worst[cause_index] = min(worst.get(cause_index, 0.0), step)
        reach[fid] = tuple((c, up, worst[c]) for c, up in best.items())
    per_cause: dict[str, tuple[tuple[int, float, tuple[float, ...]], ...]] = {}
    for fid, per_probe_changes in deltas.items():
        touched = sorted({c for delta in per_probe_changes for c in delta})
        per_cause[fid] = tuple(
            (
                cause_index,
                sum(abs(d.get(cause_index, 0.0)) for d in per_probe_changes)
                / len(per_probe_changes),
                tuple(sorted(d.get(cause_index, 0.0) for d in per_probe_changes)),
            )
            for cause_index in touched
        )
    questions = {fid: Question.of(f) for fid, f in knowledge.findings.items()}
    satisfiable: dict[str, tuple[str, ...]] = {}
    for rule in knowledge.rules:
        deciders: dict[str, None] = {}
        for leaf in leaves(rule.when):
            sources = knowledge.findings[leaf.finding].derived_from
            if sources is not None:  # asked through the answers it is worked out from
                deciders.update(dict.fromkeys(sources))
            elif any(leaf.holds({leaf.finding: p}, False) for p in probes[leaf.finding]):
                deciders[leaf.finding] = None
        satisfiable[rule.id] = tuple(deciders)
    in_rules = {fid for fids in satisfiable.values() for fid in fids}
    askable = tuple(
        _Askable(fid, reach[fid], tuple((*entry, len(entry[2])) for entry in per_cause[fid]))
        for fid, f in knowledge.findings.items()
        if not f.red_flag and not f.derived and (per_cause[fid] or fid in in_rules)
    )
    positions = {c.id: i for i, c in enumerate(knowledge.causes)}
    by_rank = sorted(
        ((LEVEL_RANK[rule.level], rule, satisfiable[rule.id]) for rule in knowledge.rules),
        key=lambda entry: -entry[0],
    )
    threshold = logit(knowledge.settings.identified_threshold)
    return _Index(
        reach,
        per_cause,
        questions,
        tuple((fid, questions[fid]) for fid in knowledge.red_flags),
        satisfiable,
        askable,
        positions,
        tuple(by_rank),
        threshold,
    )


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


def next_questions(
    case: Case,
    knowledge: Knowledge | None = None,
    *,
    limit: int = 3,
    state: tuple[dict[str, FindingValue], Triage, tuple[CauseResult, ...]] | None = None,
) -> list[Question]:
    """Unanswered red flags (all of them, in order), then up to ``limit`` useful questions.

    ``state`` (resolved findings, triage, causes) lets ``assess`` share work already done.
    """
    kb = knowledge or load_knowledge()
    if state is None:
        findings, _ = resolve_contradictions(case.findings, kb)
        state = (findings, triage(findings, kb), infer_causes(findings, case.confidence, kb))
    index = _index(kb)
    red = [question for fid, question in index.red_flags if fid not in case.findings]
    # Urgent and emergency results give care advice only, and only red flags (asked above)
    # lead to an emergency: no follow-up question can change what the lifter should do.
    care_only = LEVEL_RANK[state[1].level] >= LEVEL_RANK["urgent"]
    ranked = (
        _rank_questions(*state, kb, index, answered=case.findings)
        if limit and not care_only
        else []
    )
    return red + [index.questions[fid] for fid, _ in ranked[:limit]]


def _rank_questions(
    findings: dict[str, FindingValue],
    current: Triage,
    causes: tuple[CauseResult, ...],
    kb: Knowledge,
    index: _Index,
    *,
    answered: Findings,
) -> list[tuple[str, float]]:
    """Useful non-red-flag questions with their scores, best first.

    ``findings`` are the resolved findings the engines reason over; ``answered`` are the
    lifter's own answers: a question they answered is never asked again, even where a
    contradiction set their answer aside.
    """
    current_rank = LEVEL_RANK[current.level]
    incomplete = not current.complete
    by_id = index.cause_index
    log_odds = [0.0] * len(kb.causes)
    identified = [False] * len(kb.causes)
    for result in causes:
        position = by_id[result.id]
        log_odds[position] = result.log_odds
        identified[position] = result.identified
    threshold = index.threshold
    unanswered = [q for q in index.askable if q.id not in findings and q.id not in answered]

    # Best and worst the unanswered findings could still do to each cause.
    reach_up = [0.0] * len(kb.causes)
    reach_down = [0.0] * len(kb.causes)
    for question in unanswered:
        for cause_index, best, worst in question.reach:
            reach_up[cause_index] += best
            reach_down[cause_index] += worst
    is_open = [
        log_odds[i] + reach_down[i] < threshold
        if identified[i]
        else log_odds[i] + reach_up[i] >= threshold
        for i in range(len(kb.causes))
    ]
    # The change that would take each cause across the threshold.
    to_flip = [threshold - x for x in log_odds]

    # A rule above the current level that is still undecided can be decided by any of its
    # unanswered findings that some answer would satisfy; the most severe such rule counts.
    # The rule's status is only worked out once it has an unanswered decider.
    triage_gains: dict[str, int] = {}
    for rank, rule, deciders in index.rules_by_rank:
        if rank <= current_rank:
            break
        undecided = None
        for fid in deciders:
            if fid not in findings and fid not in answered:
                if undecided is None:
                    undecided = rule.when.status(findings, incomplete) is UNKNOWN
                if not undecided:
                    break
                triage_gains.setdefault(fid, rank - current_rank)

    scored: list[tuple[str, float]] = []
    for question in unanswered:
        cause_gain = 0.0
        for cause_index, mean_abs, changes, probes in question.per_cause:
            if not is_open[cause_index]:
                continue
            # How many answers would flip this cause's identification.
            below = bisect_left(changes, to_flip[cause_index])
            flips = below if identified[cause_index] else probes - below
            cause_gain += mean_abs + FLIP_WEIGHT * flips / probes
        score = cause_gain
        if triage_gains:  # adding 10 * 0 would change nothing, so skip the look-up
            score = TRIAGE_WEIGHT * triage_gains.get(question.id, 0) + cause_gain
        if score > 0:
            scored.append((question.id, score))
    scored.sort(key=itemgetter(1), reverse=True)  # stable: ties keep question order
    return scored
