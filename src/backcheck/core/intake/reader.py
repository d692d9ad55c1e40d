"""Read a lifter's story into findings, with the words that said each one and how sure.

The reader is a small ConText matcher (Harkema et al. 2009; Chapman et al. NegEx 2001):
phrases from the knowledge file are found first (longest first), then the trigger words for
negation, hedging, history and other people among the remaining words; a trigger reaches the
mentions after it (forward) or before it (backward) within its clause and a few words.

Safety rules, by construction:

- A positive red-flag mention is a finding at once, so the emergency shows first.
- A negated red-flag mention pre-fills "no" but is listed in ``needs_confirmation``; the
  case handed to triage never carries it (``case_findings``), so the screen stays
  incomplete until the lifter answers it.
- Hedged, historical (unless the finding is about history, like cancer) and other-person
  mentions are evidence only, never findings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from backcheck.core.case import CaseError, parse_value
from backcheck.core.conditions import FindingValue
from backcheck.core.intake.lexicon import (
    CERTAINTY_ORDER,
    NUMBER,
    WEEKDAY,
    Certainty,
    Lexicon,
    Target,
    TrieNode,
    Trigger,
    load_lexicon,
)
from backcheck.core.intake.text import Token, tokenise
from backcheck.core.knowledge.loader import load_knowledge
from backcheck.core.knowledge.schema import Knowledge

MAX_STORY_CHARACTERS = 20_000
# A number as the reader takes it: ASCII digits only ("²" is a digit to str.isdigit, not to
# float()), with one decimal point or comma.
_DIGITS = re.compile(r"[0-9]+(?:[.,][0-9]+)?")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One mention: the finding, the value it says (None: says nothing usable), the exact
    words with their place in the story, and how sure the story is about it."""

    finding: str
    value: FindingValue | None
    text: str
    start: int
    end: int
    certainty: Certainty

    def to_dict(self) -> dict[str, Any]:
        """The JSON form in ``intake.evidence``."""
        return {
            "finding": self.finding,
            "value": self.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "certainty": self.certainty,
        }


@dataclass(frozen=True, slots=True)
class Intake:
    """What a story says: findings, the evidence for them, and the red flags to ask."""

    findings: dict[str, FindingValue]
    evidence: tuple[Evidence, ...]
    needs_confirmation: tuple[str, ...]
    case_findings: dict[str, FindingValue]

    def to_dict(self) -> dict[str, Any]:
        """The ``intake`` object of the assessment JSON."""
        return {
            "findings": dict(self.findings),
            "evidence": [e.to_dict() for e in self.evidence],
            "needs_confirmation": list(self.needs_confirmation),
        }


@dataclass(frozen=True, slots=True)
class _Mention:
    target: Target
    first: int  # token indices, end exclusive
    last: int
    captures: tuple[tuple[str, str], ...]
    # the words that make the mention (a near rule's terms, not the words between them)
    parts: tuple[tuple[int, int], ...] = ()


def read_story(text: str, today: date | None = None, knowledge: Knowledge | None = None) -> Intake:
    """Read a story. ``today`` dates "since Thursday"; without it such phrases say nothing.

    Pure: the same text and day give the same intake.
    """
    kb = knowledge or load_knowledge()
    lexicon = load_lexicon(kb)
    tokens = tokenise(text[:MAX_STORY_CHARACTERS])
    clauses = _clauses(tokens, lexicon)
    mentions = _find_mentions(tokens, clauses, lexicon)
    covered = [False] * len(tokens)
    for mention in mentions:
        for first, last in mention.parts or ((mention.first, mention.last),):
            for position in range(first, last):
                covered[position] = True
    triggers = _both_ways(_find_triggers(tokens, clauses, covered, lexicon), tokens, clauses)
    evidence: list[Evidence] = []
    for mention in mentions:
        certainty = _certainty(mention, triggers, clauses, tokens)
        start, end = tokens[mention.first].start, tokens[mention.last - 1].end
        words = text[start:end]
        for finding_id, value, said in _values(mention, certainty, kb, lexicon, today):
            evidence.append(Evidence(finding_id, value, words, start, end, said))
    evidence.sort(key=lambda e: (e.start, e.end, e.finding))
    return _conclude(tuple(evidence), kb, lexicon)


def _clauses(tokens: Sequence[Token], lexicon: Lexicon) -> list[int]:
    """Clause number per token: sentence ends and line breaks, and clause-ending words."""
    out: list[int] = []
    shift = 0
    for index, token in enumerate(tokens):
        starts_clause = index > 0 and tokens[index - 1].clause == token.clause
        if token.norm in lexicon.clause_breaks and starts_clause:
            shift += 1
        out.append(token.clause + shift)
    return out


def _number(token: str, lexicon: Lexicon) -> str | None:
    if token in lexicon.numbers:
        return str(lexicon.numbers[token])
    return token if _DIGITS.fullmatch(token) else None


def _walk(
    trie: TrieNode, tokens: Sequence[Token], clauses: Sequence[int], start: int, lexicon: Lexicon
) -> list[tuple[int, Any, tuple[tuple[str, str], ...]]]:
    """Every phrase in ``trie`` that starts at ``start`` and stays in its clause:
    (end token, payload, captured numbers and weekdays)."""
    found: list[tuple[int, Any, tuple[tuple[str, str], ...]]] = []
    stack: list[tuple[TrieNode, int, tuple[tuple[str, str], ...], bool, int]] = [
        (trie, start, (), False, clauses[start])
    ]
    while stack:
        node, position, captures, after_number, clause = stack.pop()
        if node.ends and position > start:
            following = tokens[position].norm if position < len(tokens) else ""
            # "im 90" ends at a number: not when a unit follows ("im 90 kg" is a weight).
            if not (after_number and following in lexicon.units):
                found.extend((position, payload, captures) for payload in node.ends)
        if position >= len(tokens):
            continue
        norm = tokens[position].norm
        child = node.children.get(norm)
        if clauses[position] != clause:
            # Only a clause-ending word the phrase itself spells out ("two weeks since")
            # carries a phrase on into the next clause.
            if child is None or norm not in lexicon.clause_breaks or position == start:
                continue
            if clauses[position] != clause + 1 or clauses[position - 1] != clause:
                continue
            stack.append((child, position + 1, captures, False, clauses[position]))
            continue
        if child is not None:
            stack.append((child, position + 1, captures, False, clause))
        if NUMBER in node.children:
            number = _number(norm, lexicon)
            if number is not None:
                stack.append(
                    (node.children[NUMBER], position + 1, (*captures, ("n", number)), True, clause)
                )
        if WEEKDAY in node.children and norm in lexicon.weekdays:
            weekday = (*captures, ("weekday", norm))
            stack.append((node.children[WEEKDAY], position + 1, weekday, False, clause))
    return found


def _find_mentions(
    tokens: Sequence[Token], clauses: Sequence[int], lexicon: Lexicon
) -> list[_Mention]:
    """Every phrase and near-rule match; a mention inside a longer one that sets the same
    findings (or inside an exclusive one) is dropped."""
    found: list[_Mention] = []
    starts = lexicon.targets.children
    for position, token in enumerate(tokens):
        if token.norm not in starts and not (
            token.norm in lexicon.weekdays or _number(token.norm, lexicon) is not None
        ):
            continue
        longest: dict[int, tuple[int, Target, tuple[tuple[str, str], ...]]] = {}
        for end, target, captures in _walk(lexicon.targets, tokens, clauses, position, lexicon):
            best = longest.get(target.index)
            if best is None or end > best[0]:
                longest[target.index] = (end, target, captures)
        found += [_Mention(t, position, end, c) for end, t, c in longest.values()]
    found += _near_mentions(tokens, clauses, lexicon)
    # Longest first, so "not getting better" is not also read as "getting better".
    found.sort(key=lambda m: (-(m.last - m.first), not m.target.exclusive, m.first))
    kept: list[_Mention] = []
    for mention in found:
        keys = {fid for fid, _ in mention.target.sets}
        if any(
            other.first <= mention.first
            and mention.last <= other.last
            and (
                other.target.exclusive
                or (
                    keys & {fid for fid, _ in other.target.sets}
                    if other.last - other.first > mention.last - mention.first
                    else keys <= {fid for fid, _ in other.target.sets}
                )
            )
            for other in kept
        ):
            continue
        kept.append(mention)
    kept.sort(key=lambda m: (m.first, m.last))
    return kept


def _near_mentions(
    tokens: Sequence[Token], clauses: Sequence[int], lexicon: Lexicon
) -> list[_Mention]:
    """Mentions made of words from several vocabularies close together in one clause."""
    if not lexicon.near:
        return []
    spans: dict[str, list[tuple[int, int]]] = {}
    starts = lexicon.vocabularies.children
    for position, token in enumerate(tokens):
        if token.norm not in starts:
            continue
        for end, name, _ in _walk(lexicon.vocabularies, tokens, clauses, position, lexicon):
            spans.setdefault(name, []).append((position, end))
    # A word inside a longer term of a shadowing vocabulary is that term ("inner thighs" is
    # the saddle area, not a leg).
    for name, others in lexicon.shadows.items():
        longer = [span for other in others for span in spans.get(other, [])]
        spans[name] = [
            (f, la)
            for f, la in spans.get(name, [])
            if not any(o_f <= f and la <= o_la and o_la - o_f > la - f for o_f, o_la in longer)
        ]
    out: list[_Mention] = []
    for names, target in lexicon.near:
        groups = [spans.get(name, []) for name in names]
        if not all(groups):
            continue
        last_end = -1
        for anchor_first, anchor_last in groups[0]:
            clause = clauses[anchor_first]
            first, last = anchor_first, anchor_last
            parts = [(anchor_first, anchor_last)]
            complete = True
            for name, group in zip(names[1:], groups[1:], strict=True):
                options = [
                    (f, la)
                    for f, la in group
                    if clauses[f] == clause
                    and _gap(f, la, first, last) <= lexicon.window
                    and not _shadowed_between(f, la, first, last, name, names, spans, lexicon)
                ]
                if not options:
                    complete = False
                    break
                f, la = min(options, key=lambda span: _gap(span[0], span[1], first, last))
                first, last = min(first, f), max(last, la)
                parts.append((f, la))
            if complete and first >= last_end:
                last_end = last
                out.append(_Mention(target, first, last, (), tuple(parts)))
    return out


def _shadowed_between(
    first: int,
    last: int,
    other_first: int,
    other_last: int,
    name: str,
    names: Sequence[str],
    spans: dict[str, list[tuple[int, int]]],
    lexicon: Lexicon,
) -> bool:
    """Whether a term of a vocabulary that shadows one of the rule's stands between the two
    spans: in "legs and my groin feels numb" the numbness belongs to the groin."""
    low, high = min(last, other_last), max(first, other_first)
    shadowing = {o for n in names for o in lexicon.shadows.get(n, ())} - set(names)
    return any(low <= f and la <= high for o in shadowing for f, la in spans.get(o, []))


def _gap(first: int, last: int, other_first: int, other_last: int) -> int:
    """Words between two spans (overlapping spans are never near: a large number)."""
    if last <= other_first:
        return other_first - last
    if first >= other_last:
        return first - other_last
    return 1_000


@dataclass(frozen=True, slots=True)
class _TriggerHit:
    trigger: Trigger
    first: int
    last: int
    clause: int


def _find_triggers(
    tokens: Sequence[Token], clauses: Sequence[int], covered: Sequence[bool], lexicon: Lexicon
) -> list[_TriggerHit]:
    """Trigger phrases among the words no mention uses, longest first, not overlapping."""
    hits: list[_TriggerHit] = []
    position = 0
    while position < len(tokens):
        best_end = -1
        best: list[Trigger] = []
        norm = tokens[position].norm
        if not covered[position] and (
            norm in lexicon.triggers.children or _number(norm, lexicon) is not None
        ):
            for end, trigger, _ in _walk(lexicon.triggers, tokens, clauses, position, lexicon):
                if any(covered[position:end]) or end < best_end:
                    continue
                if end > best_end:
                    best_end, best = end, []
                best.append(trigger)
        if not best:
            position += 1
            continue
        if all(trigger.kind != "pseudo" for trigger in best):
            for trigger in best:
                hits.append(_TriggerHit(trigger, position, best_end, clauses[position]))
        position = best_end
    return hits


def _both_ways(
    hits: list[_TriggerHit], tokens: Sequence[Token], clauses: Sequence[int]
) -> list[_TriggerHit]:
    """A trigger listed both ways ("i think") reaches back when it ends its clause or is
    followed by a comma ("butt wink i think, 4/10"), and forward otherwise ("i think my
    groin is numb"): never both."""
    backward = {
        (h.first, h.last, h.trigger.kind) for h in hits if h.trigger.direction == "backward"
    }
    forward = {(h.first, h.last, h.trigger.kind) for h in hits if h.trigger.direction == "forward"}
    out: list[_TriggerHit] = []
    for hit in hits:
        key = (hit.first, hit.last, hit.trigger.kind)
        if key in backward and key in forward:
            at_end = (
                hit.last >= len(tokens)
                or clauses[hit.last] != hit.clause
                or tokens[hit.last].norm in (",", ".", "?", "!")
            )
            if at_end != (hit.trigger.direction == "backward"):
                continue
        out.append(hit)
    return out


def _certainty(
    mention: _Mention,
    triggers: Sequence[_TriggerHit],
    clauses: Sequence[int],
    tokens: Sequence[Token],
) -> Certainty:
    """The strongest trigger that reaches the mention, or positive."""
    clause = clauses[mention.first]
    reached: set[str] = set()
    for hit in triggers:
        if hit.clause != clause and not (mention.first <= hit.first < mention.last):
            continue
        inside = mention.first <= hit.first and hit.last <= mention.last
        if hit.trigger.direction == "forward":
            gap = mention.first - hit.last
        else:
            gap = hit.first - mention.last
        if inside:
            reached.add(hit.trigger.kind)
        elif 0 <= gap <= hit.trigger.reach:
            between = (
                range(hit.last, mention.first + 1)  # "my mum has ..., im 24": "im" ends it
                if hit.trigger.direction == "forward"
                else range(mention.last, hit.first)
            )
            if not any(tokens[i].norm in hit.trigger.ends for i in between):
                reached.add(hit.trigger.kind)
    for kind in CERTAINTY_ORDER:
        if kind in reached:
            return kind
    return "positive"


def _values(
    mention: _Mention,
    certainty: Certainty,
    kb: Knowledge,
    lexicon: Lexicon,
    today: date | None,
) -> list[tuple[str, FindingValue | None, Certainty]]:
    """What a mention says about each finding it sets (None where it says nothing usable),
    and how sure: a past mention of a finding about the past (cancer) counts, and negation
    means nothing for some findings ("fine" after "deadlifts" does not undo the lift)."""
    target = mention.target
    captured = dict(mention.captures)
    out: list[tuple[str, FindingValue | None, Certainty]] = []
    negated = dict(target.negated)
    for finding_id, spec in target.sets:
        definition = kb.findings[finding_id]
        value: FindingValue | None
        said: Certainty = certainty
        if certainty == "negated" and finding_id in lexicon.ignore_negation:
            said = "positive"
        elif certainty == "uncertain" and definition.type in ("int", "number"):
            said = "positive"  # "maybe 4/10" is still the lifter's best estimate
        elif certainty == "historical" and finding_id in lexicon.history_counts:
            said = "positive"
        if said == "negated":
            value = False if definition.type == "bool" else negated.get(finding_id)
        elif target.only_negated:
            continue  # a neutral word ("bladder") says something only when negated
        elif spec.constant is not None:
            value = spec.constant
        elif spec.capture == "weekday":
            value = _days_back(lexicon.weekdays[captured["weekday"]], today)
        else:
            raw = float(captured["n"].replace(",", "."))
            value = raw * spec.factor
        if value is not None and not isinstance(value, bool | str):
            try:
                number = int(value) if float(value).is_integer() else value
                value = parse_value(definition, number)
            except CaseError:
                value = None
        out.append((finding_id, value, said))
    if certainty == "negated":
        out += [(f, v, "negated") for f, v in target.negated if f not in dict(target.sets)]
    return out


def _days_back(weekday: int, today: date | None) -> int | None:
    """Days from the last such weekday to today; the same weekday means a week ago."""
    if today is None:
        return None
    return (today.weekday() - weekday) % 7 or 7


def _conclude(evidence: tuple[Evidence, ...], kb: Knowledge, lexicon: Lexicon) -> Intake:
    """Findings from the evidence: the safety rules of the module docstring."""
    by_finding: dict[str, list[Evidence]] = {}
    mentioned_red_flags: dict[str, None] = {}
    for item in evidence:
        if kb.findings[item.finding].red_flag:
            mentioned_red_flags[item.finding] = None
        if item.value is not None and item.certainty in ("positive", "negated"):
            by_finding.setdefault(item.finding, []).append(item)
    findings: dict[str, FindingValue] = {}
    for finding_id, items in by_finding.items():
        value = _one_value(finding_id, items, kb, lexicon)
        if value is not None:
            findings[finding_id] = value
    ordered = {fid: findings[fid] for fid in kb.findings if fid in findings}
    case = {
        fid: value
        for fid, value in ordered.items()
        if not kb.findings[fid].red_flag or _positive(kb, fid, value)
    }
    needs = tuple(fid for fid in kb.red_flags if fid in mentioned_red_flags)
    return Intake(ordered, evidence, needs, case)


def _positive(kb: Knowledge, finding_id: str, value: FindingValue) -> bool:
    """Whether a red-flag value counts as the flag being present."""
    definition = kb.findings[finding_id]
    if definition.type == "bool":
        return value is True
    return value in (definition.positive or [])


def _one_value(
    finding_id: str, items: Sequence[Evidence], kb: Knowledge, lexicon: Lexicon
) -> FindingValue | None:
    """One value from several mentions. A red flag takes its most severe value (positive
    beats "no"); other findings take the agreed value, or follow the file's rule for a
    conflict, or stay unanswered (the interview asks)."""
    values = [item.value for item in items if item.value is not None]
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return distinct[0]
    definition = kb.findings[finding_id]
    if definition.red_flag:
        positives = [v for v in distinct if _positive(kb, finding_id, v)]
        if not positives:
            return None  # two different "no"s (e.g. longstanding and none): ask
        if definition.type == "bool":
            return True
        order = definition.positive or []
        return max(positives, key=lambda v: order.index(str(v)))
    rule = lexicon.conflicts.get(finding_id)
    if rule == "first":
        return values[0]
    if rule == "last":
        return values[-1]
    if rule == "most":
        counts = {v: values.count(v) for v in distinct}
        top = max(counts.values())
        winners = [v for v in distinct if counts[v] == top]
        return winners[0] if len(winners) == 1 else None
    return None
