"""The intake's knowledge: phrases lifters use for each finding, and the ConText triggers.

Read once from ``core/knowledge/phrases.yaml`` (the core's only I/O, like the other
knowledge files), validated and cross-checked against the findings, then compiled into
token patterns indexed by their first token so a story is read in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from backcheck.core.case import CaseError, parse_value
from backcheck.core.conditions import FindingValue
from backcheck.core.intake.text import split_phrase
from backcheck.core.knowledge.loader import KnowledgeError
from backcheck.core.knowledge.schema import Knowledge

PHRASES_FILE = "phrases.yaml"
Certainty = Literal["positive", "negated", "uncertain", "historical", "other_person"]
# When several triggers reach one mention, the one that takes most away wins.
CERTAINTY_ORDER: tuple[Certainty, ...] = ("other_person", "historical", "uncertain", "negated")
_VALUE_SPEC = re.compile(r"^\{(n|weekday)\}(?:\*(\d+))?$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DirectedTriggers(_Model):
    """Trigger phrases of one kind: ``forward`` reach the words after them, ``backward``
    the words before them, both within the clause and the scope."""

    forward: list[str] = Field(default_factory=list)
    backward: list[str] = Field(default_factory=list)
    ends: list[str] = Field(
        default_factory=list, description="single words a trigger of this kind does not reach past"
    )


class TriggersDef(_Model):
    """The ConText trigger words (Harkema et al. 2009), by what they do to a mention."""

    negated: DirectedTriggers
    uncertain: DirectedTriggers
    historical: DirectedTriggers
    other_person: DirectedTriggers
    pseudo: list[str] = Field(
        default_factory=list,
        description="look like triggers but are not ('not only', 'no change'): read first, ignored",
    )


class PhraseDef(_Model):
    """A way of saying something: the findings it sets, and the phrases that say it."""

    set: dict[str, Any]
    say: list[str] = Field(default_factory=list)
    near: list[list[str]] = Field(default_factory=list)
    negated: dict[str, Any] = Field(default_factory=dict)
    only_negated: bool = False
    exclusive: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _sets_something(self) -> PhraseDef:
        if not self.set and not self.exclusive:
            raise ValueError("an entry must set a finding, or be exclusive (words to ignore)")
        return self


class ScopeDef(_Model):
    """How many words a trigger reaches, after it (forward) and before it (backward)."""

    forward: int = Field(gt=0, le=30)
    backward: int = Field(gt=0, le=30)


class LexiconDef(_Model):
    """The whole phrases file."""

    source: list[str] = Field(min_length=1)
    window: int = Field(gt=0, le=30)
    scopes: dict[Literal["negated", "uncertain", "historical", "other_person"], ScopeDef]
    numbers: dict[str, int]
    units: list[str]
    weekdays: dict[str, int]
    clause_breaks: list[str]
    triggers: TriggersDef
    history_counts: list[str]
    ignore_negation: list[str]
    conflicts: dict[str, Literal["first", "last", "most"]] = Field(default_factory=dict)
    vocabularies: dict[str, list[str]]
    shadows: dict[str, list[str]] = Field(
        default_factory=dict,
        description="vocabulary -> vocabularies whose longer terms hide its terms inside them",
    )
    phrases: list[PhraseDef]


# --- compiled form -------------------------------------------------------------------

NUMBER, WEEKDAY = "{n}", "{weekday}"
MAX_VARIANTS = 20_000  # per phrase, after optional words and vocabularies are expanded


class TrieNode:
    """Phrases as a token trie: one walk from a word finds every phrase starting there."""

    __slots__ = ("children", "ends")

    def __init__(self) -> None:
        self.children: dict[str, TrieNode] = {}
        self.ends: list[Any] = []

    def add(self, tokens: tuple[str, ...], payload: Any) -> None:
        """Add one token sequence ending in ``payload``."""
        node = self
        for token in tokens:
            node = node.children.setdefault(token, TrieNode())
        if payload not in node.ends:
            node.ends.append(payload)


@dataclass(frozen=True, slots=True)
class ValueSpec:
    """What a phrase sets a finding to: a constant, a captured number (times a factor), or
    the days back to a captured weekday."""

    constant: FindingValue | None = None
    capture: str | None = None
    factor: int = 1


@dataclass(frozen=True, slots=True)
class Target:
    """A compiled phrase entry."""

    index: int
    sets: tuple[tuple[str, ValueSpec], ...]
    negated: tuple[tuple[str, FindingValue], ...]
    only_negated: bool
    exclusive: bool


@dataclass(frozen=True, slots=True)
class Trigger:
    """A compiled trigger: its kind (or "pseudo") and direction."""

    kind: str
    direction: Literal["forward", "backward", "none"]
    reach: int
    ends: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    """Everything the reader needs, compiled once per knowledge base."""

    window: int
    numbers: dict[str, int]
    units: frozenset[str]
    weekdays: dict[str, int]
    clause_breaks: frozenset[str]
    history_counts: frozenset[str]
    ignore_negation: frozenset[str]
    conflicts: dict[str, str]
    targets: TrieNode  # ends: Target
    vocabularies: TrieNode  # ends: vocabulary names (only those near rules use)
    near: tuple[tuple[tuple[str, ...], Target], ...]  # (vocabulary names, target)
    shadows: dict[str, tuple[str, ...]]
    triggers: TrieNode  # ends: Trigger
    entries: tuple[PhraseDef, ...] = field(repr=False)


def _read_raw(directory: Path | None) -> Any:
    if directory is not None:
        text = (directory / PHRASES_FILE).read_text(encoding="utf-8")
    else:
        text = resources.files("backcheck.core.knowledge").joinpath(PHRASES_FILE).read_text("utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{PHRASES_FILE}: not valid YAML: {exc}") from exc


def load_lexicon_from(knowledge: Knowledge, directory: Path | None = None) -> Lexicon:
    """Load, validate, cross-check and compile the phrases file (from a folder, for tests)."""
    raw = _read_raw(directory)
    try:
        lexicon = LexiconDef.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "(file)"
        raise KnowledgeError(f"{PHRASES_FILE}: field {where}: {error['msg']}") from exc
    return _compile(lexicon, knowledge)


@lru_cache(maxsize=4)
def load_lexicon(knowledge: Knowledge) -> Lexicon:
    """The packaged phrases file, compiled for this knowledge base, once."""
    return load_lexicon_from(knowledge, None)


def _expand(
    phrase: str,
    lexicon: LexiconDef,
    where: str,
    terms: Mapping[str, list[tuple[str, ...]]],
) -> list[tuple[str, ...]]:
    """Every token sequence a phrase stands for: optional words in or out, each vocabulary
    placeholder replaced by each of its terms; numbers and weekdays stay placeholders."""
    variants: list[tuple[str, ...]] = [()]
    for part in phrase.split():
        is_optional = part.startswith("[") and part.endswith("]")
        if is_optional:
            part = part[1:-1]
        choices: list[tuple[str, ...]] = [()]
        for token in split_phrase(part):
            options: list[tuple[str, ...]]
            if token in (NUMBER, WEEKDAY):
                options = [(token,)]
            elif token.startswith("{"):
                name = token[1:-1]
                if name not in terms:
                    raise KnowledgeError(f"{PHRASES_FILE}: {where}: unknown placeholder {token}")
                options = terms[name]
            else:
                options = [(token,)]
            choices = [c + o for c in choices for o in options]
        if is_optional:
            choices = [(), *choices]
        variants = [v + c for v in variants for c in choices]
        if len(variants) > MAX_VARIANTS:
            raise KnowledgeError(f"{PHRASES_FILE}: {where}: {phrase!r} has too many variants")
    out = [v for v in dict.fromkeys(variants) if v]
    if not out:
        raise KnowledgeError(f"{PHRASES_FILE}: {where}: empty phrase {phrase!r}")
    return out


def _value_spec(knowledge: Knowledge, finding_id: str, raw: Any, where: str) -> ValueSpec:
    definition = knowledge.findings.get(finding_id)
    if definition is None:
        raise KnowledgeError(f"{PHRASES_FILE}: {where}: unknown finding {finding_id!r}")
    if definition.derived:
        raise KnowledgeError(f"{PHRASES_FILE}: {where}: {finding_id} is derived, never set")
    if isinstance(raw, str) and raw.startswith("{"):
        match = _VALUE_SPEC.match(raw)
        if match is None or definition.type not in ("int", "number"):
            raise KnowledgeError(f"{PHRASES_FILE}: {where}: bad value {raw!r} for {finding_id}")
        return ValueSpec(capture=match.group(1), factor=int(match.group(2) or 1))
    try:
        value = parse_value(definition, raw)
    except CaseError as exc:
        raise KnowledgeError(f"{PHRASES_FILE}: {where}: {exc}") from exc
    return ValueSpec(constant=value)


def _compile(lexicon: LexiconDef, knowledge: Knowledge) -> Lexicon:
    for fid in [*lexicon.history_counts, *lexicon.conflicts, *lexicon.ignore_negation]:
        if fid not in knowledge.findings:
            raise KnowledgeError(f"{PHRASES_FILE}: unknown finding {fid!r}")
    for source_id in lexicon.source:
        if source_id not in knowledge.sources:
            raise KnowledgeError(f"{PHRASES_FILE}: field source: unknown {source_id!r}")
    terms: dict[str, list[tuple[str, ...]]] = {}
    for name, words in lexicon.vocabularies.items():
        expanded: list[tuple[str, ...]] = []
        for term in words:
            variants = _expand(term, lexicon, f"vocabularies.{name}", {})
            if any(token in (NUMBER, WEEKDAY) for v in variants for token in v):
                raise KnowledgeError(
                    f"{PHRASES_FILE}: vocabularies.{name}: a vocabulary term is plain words"
                )
            expanded += variants
        terms[name] = list(dict.fromkeys(expanded))
    targets = TrieNode()
    near: list[tuple[tuple[str, ...], Target]] = []
    for index, entry in enumerate(lexicon.phrases):
        where = f"phrases.{index} ({', '.join(entry.set) or 'ignored words'})"
        if not entry.say and not entry.near:
            raise KnowledgeError(f"{PHRASES_FILE}: {where}: needs 'say' or 'near'")
        sets = tuple(
            (fid, _value_spec(knowledge, fid, raw, where)) for fid, raw in entry.set.items()
        )
        negated: list[tuple[str, FindingValue]] = []
        for fid, raw in entry.negated.items():
            spec = _value_spec(knowledge, fid, raw, where)
            if spec.constant is None:
                raise KnowledgeError(f"{PHRASES_FILE}: {where}: negated.{fid} must be a value")
            negated.append((fid, spec.constant))
        target = Target(index, sets, tuple(negated), entry.only_negated, entry.exclusive)
        captures = {f"{{{spec.capture}}}" for _, spec in sets if spec.capture}
        for phrase in entry.say:
            for variant in _expand(phrase, lexicon, where, terms):
                missing = captures - set(variant)
                if missing:
                    raise KnowledgeError(
                        f"{PHRASES_FILE}: {where}: {phrase!r} lacks {sorted(missing)} for its value"
                    )
                targets.add(variant, target)
        for group in entry.near:
            unknown = [name for name in group if name not in terms]
            if unknown or len(group) < 2:
                raise KnowledgeError(
                    f"{PHRASES_FILE}: {where}: near needs two or more known vocabularies"
                )
            if captures:
                raise KnowledgeError(f"{PHRASES_FILE}: {where}: near cannot capture a number")
            near.append((tuple(group), target))
    for name, others in lexicon.shadows.items():
        if name not in terms or any(o not in terms for o in others):
            raise KnowledgeError(f"{PHRASES_FILE}: shadows.{name}: unknown vocabulary")
    vocabularies = TrieNode()
    for used in {n for names, _ in near for n in names} | {
        o for others in lexicon.shadows.values() for o in others
    }:
        for sequence in terms[used]:
            vocabularies.add(sequence, used)
    triggers = TrieNode()

    def add_triggers(phrases: Iterable[str], trigger: Trigger) -> None:
        for phrase in phrases:
            for variant in _expand(phrase, lexicon, f"triggers.{trigger.kind}", terms):
                triggers.add(variant, trigger)

    for kind in ("negated", "uncertain", "historical", "other_person"):
        directed: DirectedTriggers = getattr(lexicon.triggers, kind)
        scope = lexicon.scopes.get(kind)
        if scope is None:
            raise KnowledgeError(f"{PHRASES_FILE}: scopes: missing {kind}")
        ends = _single_words(directed.ends, f"triggers.{kind}.ends")
        add_triggers(directed.forward, Trigger(kind, "forward", scope.forward, ends))
        add_triggers(directed.backward, Trigger(kind, "backward", scope.backward, ends))
    add_triggers(lexicon.triggers.pseudo, Trigger("pseudo", "none", 0))
    return Lexicon(
        lexicon.window,
        dict(lexicon.numbers),
        frozenset(lexicon.units),
        dict(lexicon.weekdays),
        _single_words(lexicon.clause_breaks, "clause_breaks"),
        frozenset(lexicon.history_counts),
        frozenset(lexicon.ignore_negation),
        dict(lexicon.conflicts),
        targets,
        vocabularies,
        tuple(near),
        {name: tuple(others) for name, others in lexicon.shadows.items()},
        triggers,
        tuple(lexicon.phrases),
    )


def _single_words(words: list[str], field_name: str) -> frozenset[str]:
    out: set[str] = set()
    for word in words:
        parts = split_phrase(word)
        if len(parts) != 1:
            raise KnowledgeError(f"{PHRASES_FILE}: {field_name}: {word!r} must be one word")
        out.add(parts[0])
    return frozenset(out)
