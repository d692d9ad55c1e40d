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
from collections.abc import Callable, Collection, Container, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from backcheck.core.case import Case

if TYPE_CHECKING:
    from backcheck.core.assessment import Assessment
from backcheck.core.conditions import (
    UNKNOWN,
    Condition,
    Findings,
    FindingValue,
    Leaf,
    Tri,
    compile_condition,
    leaves,
    to_data,
)
from backcheck.core.inference import CauseResult, infer_causes, logit
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import (
    LEVEL_RANK,
    FindingDef,
    Knowledge,
    ScreenDef,
)
from backcheck.core.triage import Triage, resolve_contradictions, triage

TRIAGE_WEIGHT = 10.0
FLIP_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Question:
    """A question to put to the lifter, with the plain words for every allowed answer."""

    id: str
    text: str
    type: str
    choices: tuple[str, ...]
    minimum: float | None
    maximum: float | None
    red_flag: bool
    # (stored value, label) for every yes/no or choice answer, in the order to show them
    options: tuple[tuple[FindingValue, str], ...] = ()
    # the short symptom line a grouped safety screen lists, and what "none of these" answers
    item: str | None = None
    none_value: FindingValue | None = None
    how_to: str | None = None
    unit: str | None = None
    # asked only when this holds on the earlier answers (see FindingDef.ask_when)
    ask_when: Condition | None = None

    @classmethod
    def of(cls, finding: FindingDef) -> Question:
        """The question for a finding definition."""
        options: tuple[tuple[FindingValue, str], ...] = ()
        if finding.type == "bool":
            yes = finding.yes_value
            options = ((yes, "Yes"), (not yes, "No"))
        elif finding.type == "enum":
            options = tuple((v, finding.label(v)) for v in finding.values or ())
        return cls(
            finding.id,
            finding.question,
            finding.type,
            tuple(finding.values or ()),
            finding.min,
            finding.max,
            finding.red_flag,
            options,
            finding.item,
            finding.safe_value if finding.red_flag else None,
            finding.how_to,
            finding.unit,
            finding.ask_when,
        )

    @property
    def shown_if(self) -> tuple[str, FindingValue] | None:
        """(finding, answer) when this question is asked only after that one answer to one
        other question: a page can then show it only once that answer is picked."""
        condition = self.ask_when
        if isinstance(condition, Leaf) and condition.op == "is":
            return condition.finding, condition.value
        return None

    @property
    def prompt(self) -> str:
        """What to show as the question: the symptom line on a safety screen, else the text."""
        return self.item or self.text

    def label(self, value: FindingValue) -> str:
        """The plain words for one answer."""
        for option, label in self.options:
            if option == value and type(option) is type(value):
                return label
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return f"{value} {self.unit}" if self.unit else str(value)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used in ``next_questions`` and on a screen."""
        out: dict[str, Any] = {"id": self.id, "text": self.text, "type": self.type}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["min"], out["max"] = self.minimum, self.maximum
        out["red_flag"] = self.red_flag
        if self.options:
            out["options"] = [{"value": v, "label": label} for v, label in self.options]
        if self.item:
            out["item"] = self.item
        if self.red_flag:
            out["none_value"] = self.none_value
        if self.how_to:
            out["how_to"] = self.how_to
        if self.unit:
            out["unit"] = self.unit
        if self.ask_when is not None:
            out["ask_when"] = to_data(self.ask_when)
        return out


@dataclass(frozen=True, slots=True)
class _Askable:
    """A question worth scoring, with what its answers could do to each cause (see _Index)."""

    id: str
    reach: tuple[tuple[int, float, float], ...]
    per_cause: tuple[tuple[int, float, tuple[float, ...], int], ...]
    # the finding this lay question stands for (not asked once that one is known), if any
    stands_for: str | None
    # whether the answer reports an observed fault
    observed: bool


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
    # (level rank, the rule's compiled ``status``, its satisfiable findings), most severe
    # first: the ranking stops at the current level, as rules at or below it cannot raise it.
    rules_by_rank: tuple[tuple[int, Callable[[Findings, bool], Tri], tuple[str, ...]], ...]
    # the identification threshold as log-odds
    threshold: float
    # lay question -> the finding it is converted to (not asked once that one is known)
    stands_for: dict[str, str]
    # findings that report an observed fault, and per cause whether it needs one
    observed: frozenset[str]
    needs_observation: tuple[bool, ...]
    # findings asked only when their ``ask_when`` holds
    conditional: tuple[FindingDef, ...]


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
    # a lay question stands for the finding it is converted to (straight-leg raise in degrees)
    stands_for = {
        f.asked_as: f for f in knowledge.findings.values() if f.asked_as and f.conversion
    }
    deltas: dict[str, tuple[dict[int, float], ...]] = {}
    for fid, values in probes.items():
        per_probe = []
        target = stands_for.get(fid)
        for value in values:
            read_id, answer = fid, value
            if target is not None and target.conversion is not None:
                read_id, answer = target.id, target.conversion[str(value)]
            moved: dict[int, float] = {}
            for cause_index, condition, log_lr in evidence.get(read_id, ()):
                if condition.holds({read_id: answer}, False):
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
            definition = knowledge.findings[leaf.finding]
            sources = definition.derived_from
            if sources is not None:  # asked through the answers it is worked out from
                deciders.update(dict.fromkeys(sources))
            elif definition.asked_as is not None:  # asked through its lay question
                deciders[definition.asked_as] = None
            elif any(leaf.holds({leaf.finding: p}, False) for p in probes[leaf.finding]):
                deciders[leaf.finding] = None
        satisfiable[rule.id] = tuple(deciders)
    in_rules = {fid for fids in satisfiable.values() for fid in fids}
    converted = {lay: target.id for lay, target in stands_for.items()}
    observed = frozenset(f.id for f in knowledge.findings.values() if f.observation)
    askable = tuple(
        _Askable(
            fid,
            reach[fid],
            tuple((*entry, len(entry[2])) for entry in per_cause[fid]),
            converted.get(fid),
            fid in observed,
        )
        for fid, f in knowledge.findings.items()
        if not f.red_flag
        and not f.derived
        and f.asked_as is None
        and (per_cause[fid] or fid in in_rules)
    )
    positions = {c.id: i for i, c in enumerate(knowledge.causes)}
    by_rank = sorted(
        (
            (LEVEL_RANK[rule.level], compile_condition(rule.when).status, satisfiable[rule.id])
            for rule in knowledge.rules
        ),
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
        converted,
        observed,
        tuple(c.needs_observation for c in knowledge.causes),
        tuple(f for f in knowledge.findings.values() if f.ask_when is not None),
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


def left_out(
    findings: Mapping[str, FindingValue], seen: Collection[str], knowledge: Knowledge
) -> set[str]:
    """Questions not to ask: each one's ``ask_when`` reads only questions already answered or
    passed over (``seen``) and does not hold ("did self-care help?" after "no, not tried")."""
    out: set[str] = set()
    settled = set(seen)
    changed = True
    while changed:  # a question left out settles those that read it
        changed = False
        for finding in _index(knowledge).conditional:
            if finding.id not in settled and finding.left_out(findings, settled):
                out.add(finding.id)
                settled.add(finding.id)
                changed = True
    return out


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
    if not limit or care_only:
        return red
    answered = set(case.findings)
    answered |= left_out(state[0], answered, kb)
    ranked = _rank_questions(*state, kb, index, answered=answered)
    return red + [index.questions[fid] for fid, _ in ranked[:limit]]


def _rank_questions(
    findings: dict[str, FindingValue],
    current: Triage,
    causes: tuple[CauseResult, ...],
    kb: Knowledge,
    index: _Index,
    *,
    answered: Container[str],
) -> list[tuple[str, float]]:
    """Useful non-red-flag questions with their scores, best first.

    ``findings`` are the resolved findings the engines reason over; ``answered`` are the
    lifter's own answers (and the questions they answered "don't know"): a question they
    answered is never asked again, even where a contradiction set their answer aside.
    """
    current_rank = LEVEL_RANK[current.level]
    incomplete = not current.complete
    by_id = index.cause_index
    log_odds = [0.0] * len(kb.causes)
    identified = [False] * len(kb.causes)
    observed = index.observed
    # a cause that needs an observed fault and has none yet: only an observation can
    # identify it
    awaiting = list(index.needs_observation)
    for result in causes:
        position = by_id[result.id]
        log_odds[position] = result.log_odds
        identified[position] = result.identified
        if awaiting[position] and any(e.findings[0] in observed for e in result.evidence_for):
            awaiting[position] = False
    threshold = index.threshold
    unanswered = [
        q
        for q in index.askable
        if q.id not in findings
        and q.id not in answered
        and (q.stands_for is None or q.stands_for not in findings)
    ]

    # Best and worst the unanswered findings could still do to each cause.
    count = len(log_odds)
    reach_up = [0.0] * count
    reach_down = [0.0] * count
    for question in unanswered:
        for cause_index, best, worst in question.reach:
            reach_up[cause_index] += best
            reach_down[cause_index] += worst
    can_observe = [False] * count
    for question in unanswered:
        if question.observed:
            for cause_index, best, _ in question.reach:
                if best > 0:
                    can_observe[cause_index] = True
    is_open = [
        log_odds[i] + reach_down[i] < threshold
        if identified[i]
        else log_odds[i] + reach_up[i] >= threshold and (not awaiting[i] or can_observe[i])
        for i in range(count)
    ]
    # The change that would take each cause across the threshold.
    to_flip = [threshold - x for x in log_odds]

    # A rule above the current level that is still undecided can be decided by any of its
    # unanswered findings that some answer would satisfy; the most severe such rule counts.
    # The rule's status is only worked out once it has an unanswered decider.
    triage_gains: dict[str, int] = {}
    for rank, status, deciders in index.rules_by_rank:
        if rank <= current_rank:
            break
        undecided = None
        for fid in deciders:
            if fid not in findings and fid not in answered:
                if undecided is None:
                    undecided = status(findings, incomplete) is UNKNOWN
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
            if awaiting[cause_index]:  # only an observed fault for it can identify it
                flips = (
                    sum(1 for c in changes if c > 0 and c >= to_flip[cause_index])
                    if question.observed
                    else 0
                )
            else:
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


# ------------------------------------------------------------------------ screens
FOLLOW_UP_TITLES = {
    "context": "About you and the lift",
    "course": "About the pain",
    "mechanics": "How you lift",
    "root_screen": "Strength and mobility",
}
# at most this many follow-up questions share a screen (all on one topic)
FOLLOW_UPS_PER_SCREEN = 4
# at most this many follow-ups are simulated for the "of about N" estimate
_ESTIMATE_LIMIT = 60


@dataclass(frozen=True, slots=True)
class Screen:
    """One screen of the interview: a few questions answered together in one step.

    ``kind`` is ``context`` (the lift and the pain now, asked first), ``safety`` (a group of
    red-flag questions, "Do you have any of these?", each answered explicitly; "none of these"
    answers the rest with their ``none_value``) or ``follow_up`` (one question that can still
    change the result). ``number`` / ``of_about`` place it among all screens;
    ``follow_up_number`` / ``follow_ups_of_about`` count the follow-up questions.
    """

    id: str
    kind: str
    title: str
    intro: str | None
    questions: tuple[Question, ...]
    number: int
    of_about: int
    follow_up_number: int | None = None
    follow_ups_of_about: int | None = None

    @property
    def none_of_these(self) -> bool:
        """Whether the "none of these" shortcut is offered (safety screens)."""
        return self.kind == "safety"

    @property
    def counter(self) -> str:
        """Where this screen is, in words ("Question 3 of about 8")."""
        if self.kind == "follow_up" and self.follow_up_number is not None:
            return f"Question {self.follow_up_number} of about {self.follow_ups_of_about}"
        if self.kind == "safety":
            return f"Safety check, screen {self.number} of about {self.of_about}"
        return f"Screen {self.number} of about {self.of_about}"

    def none_answers(self) -> dict[str, FindingValue]:
        """The answers "none of these" gives: each item's "no"."""
        return {q.id: q.none_value for q in self.questions if q.none_value is not None}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the step API's ``screen``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "intro": self.intro,
            "questions": [q.to_dict() for q in self.questions],
            "none_of_these": self.none_of_these,
            "number": self.number,
            "of_about": self.of_about,
            "follow_up_number": self.follow_up_number,
            "follow_ups_of_about": self.follow_ups_of_about,
            "counter": self.counter,
        }


@dataclass(frozen=True, slots=True)
class InterviewStep:
    """One step: the next screen (None when over) and the assessment so far.

    ``alert`` is set once the level is urgent or emergency: adding answers can only raise a
    level, so that advice is certain and must be shown at once, before the next screen (which
    is then only offered: the remaining safety questions).
    """

    screen: Screen | None
    assessment: Assessment
    alert: bool

    @property
    def done(self) -> bool:
        """Nothing is left to ask."""
        return self.screen is None


def _screen_definitions(kb: Knowledge) -> tuple[ScreenDef, ...]:
    return kb.screens


def _on_screens(kb: Knowledge) -> frozenset[str]:
    return frozenset(f for screen in kb.screens for f in screen.findings)


def _pending(screen: ScreenDef, seen: Container[str], kb: Knowledge) -> tuple[Question, ...]:
    index = _index(kb)
    return tuple(index.questions[f] for f in screen.findings if f not in seen)


def _estimate_follow_ups(
    state: tuple[dict[str, FindingValue], Triage, tuple[CauseResult, ...]],
    kb: Knowledge,
    seen: set[str],
) -> list[tuple[str, ...]]:
    """The follow-up screens a lifter who answered "don't know" to each question would see."""
    if LEVEL_RANK[state[1].level] >= LEVEL_RANK["urgent"]:
        return []
    index = _index(kb)
    excluded = set(seen)
    screens: list[tuple[str, ...]] = []
    asked = 0
    while asked < _ESTIMATE_LIMIT:
        ranked = _rank_questions(*state, kb, index, answered=excluded)
        if not ranked:
            break
        screen = _same_topic([fid for fid, _ in ranked], kb)
        screens.append(screen)
        excluded.update(screen)
        asked += len(screen)
    return screens


def _same_topic(ranked: list[str], kb: Knowledge) -> tuple[str, ...]:
    """The best question and the next most useful ones on its topic, for one screen."""
    group = kb.findings[ranked[0]].group
    return tuple([f for f in ranked if kb.findings[f].group == group][:FOLLOW_UPS_PER_SCREEN])


def _screen_state(
    case: Case, kb: Knowledge
) -> tuple[dict[str, FindingValue], Triage, tuple[CauseResult, ...]]:
    findings, _ = resolve_contradictions(case.findings, kb)
    return findings, triage(findings, kb), infer_causes(findings, case.confidence, kb)


def next_screen(
    case: Case, skipped: Collection[str] = (), knowledge: Knowledge | None = None
) -> Screen | None:
    """The next screen for the answers so far, or None when nothing is left to ask.

    ``skipped`` are questions already shown and answered "don't know": never shown again (an
    unanswered red flag still keeps the result from self-care). Order: the context screens,
    then every safety screen, then follow-ups one at a time. Once the level is urgent or
    emergency only the remaining safety screens are left: the advice is care only.
    """
    kb = knowledge or load_knowledge()
    seen = set(case.findings) | set(skipped)
    state = _screen_state(case, kb)
    seen |= left_out(state[0], seen, kb)
    return _next_screen(case, seen, state, kb)


def _next_screen(
    case: Case,
    seen: set[str],
    state: tuple[dict[str, FindingValue], Triage, tuple[CauseResult, ...]],
    kb: Knowledge,
) -> Screen | None:
    care_only = LEVEL_RANK[state[1].level] >= LEVEL_RANK["urgent"]
    fixed = [s for s in _screen_definitions(kb) if s.kind == "safety" or not care_only]
    done_fixed = [s for s in fixed if not _pending(s, seen, kb)]
    open_fixed = [s for s in fixed if s not in done_fixed]
    on_screens = _on_screens(kb)
    follow_ups_done = sum(
        1 for f in seen if f not in on_screens and f in kb.findings and not kb.findings[f].derived
    )
    # the estimate assumes the open safety items are answered "no", as most are
    assumed = dict(state[0])
    for screen in open_fixed:
        for question in _pending(screen, seen, kb):
            if question.none_value is not None:
                assumed[question.id] = question.none_value
    if open_fixed and assumed != state[0]:
        assumed_state = (assumed, triage(assumed, kb), state[2])
    else:
        assumed_state = (state[0], state[1], state[2])
    coming = [] if care_only else _estimate_follow_ups(assumed_state, kb, seen)
    coming_questions = sum(len(screen) for screen in coming)
    # a stateless step does not know how the questions answered so far were grouped
    follow_up_screens_done = -(-follow_ups_done // FOLLOW_UPS_PER_SCREEN)
    number = len(done_fixed) + follow_up_screens_done + 1
    total = len(done_fixed) + len(open_fixed) + follow_up_screens_done + len(coming)
    if open_fixed:
        screen = open_fixed[0]
        return Screen(
            screen.id,
            screen.kind,
            screen.title,
            screen.intro,
            _pending(screen, seen, kb),
            number,
            max(total, number),
        )
    if not coming:
        return None
    # With every fixed screen done, the estimate's first screen is the one to show now: the
    # best question and the next most useful ones on its topic (all can still change the
    # result now), so related questions are answered in one step.
    index = _index(kb)
    chosen = coming[0]
    group = kb.findings[chosen[0]].group
    return Screen(
        f"follow_up_{chosen[0]}",
        "follow_up",
        FOLLOW_UP_TITLES.get(group, "A few more questions"),
        None,
        tuple(index.questions[f] for f in chosen),
        number,
        max(total, number),
        follow_ups_done + 1,
        follow_ups_done + coming_questions,
    )


def interview_step(
    case: Case, skipped: Collection[str] = (), knowledge: Knowledge | None = None
) -> InterviewStep:
    """The next screen and the assessment so far (see ``next_screen``)."""
    from backcheck.core.assessment import assess  # assessment imports this module

    kb = knowledge or load_knowledge()
    assessment = assess(case, kb)
    seen = set(case.findings) | set(skipped)
    state = _screen_state(case, kb)
    seen |= left_out(state[0], seen, kb)
    screen = _next_screen(case, seen, state, kb)
    alert = LEVEL_RANK[assessment.triage.level] >= LEVEL_RANK["urgent"]
    return InterviewStep(screen, assessment, alert)


def screen_of(screen_id: str, knowledge: Knowledge | None = None) -> ScreenDef | None:
    """The fixed screen with this id (None for follow-ups and unknown ids)."""
    kb = knowledge or load_knowledge()
    return next((s for s in kb.screens if s.id == screen_id), None)
