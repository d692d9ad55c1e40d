"""A tiny condition language for knowledge files, compiled to fast predicates.

Knowledge items (triage rules, cause evidence, plan items) say *when* they apply with a
condition such as ``{finding: pain_below_knee, is: true}`` or ``{all: [...]}``. Conditions are
parsed once at load time; evaluating one is a few dictionary look-ups.

Two evaluations exist: ``holds`` (two-valued: an unanswered finding never satisfies a positive
leaf) and ``status`` (three-valued: TRUE / FALSE / UNKNOWN), which the interview uses to tell
whether a question can still change an outcome.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

FindingValue = bool | int | float | str
Findings = Mapping[str, FindingValue]


class Tri(Enum):
    """Three-valued truth for partially answered cases."""

    FALSE = 0
    TRUE = 1
    UNKNOWN = 2


# The members as plain module constants: looking one up on the Enum class costs several times
# more, and ``status`` runs in the interview's hot loop.
TRUE, FALSE, UNKNOWN = Tri.TRUE, Tri.FALSE, Tri.UNKNOWN


_NUMBER = (int, float)  # a tuple: isinstance checks it faster than ``int | float``

# Each test reads the answer first; numeric ones refuse booleans (``true`` is not ``1``).
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "is": lambda v, x: _equals(v, x),  # parse_condition picks a faster exact test
    "in": lambda v, xs: v in xs,
    "not_in": lambda v, xs: v not in xs,
    "gt": lambda v, x: isinstance(v, _NUMBER) and not isinstance(v, bool) and v > x,
    "gte": lambda v, x: isinstance(v, _NUMBER) and not isinstance(v, bool) and v >= x,
    "lt": lambda v, x: isinstance(v, _NUMBER) and not isinstance(v, bool) and v < x,
    "lte": lambda v, x: isinstance(v, _NUMBER) and not isinstance(v, bool) and v <= x,
}


def _equals(answer: object, expected: object) -> bool:
    """Equality that keeps booleans apart from numbers (``true`` is not ``1``)."""
    if isinstance(answer, bool) or isinstance(expected, bool):
        return answer is expected
    return answer == expected


def _numeric(value: object) -> bool:
    return isinstance(value, _NUMBER) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Leaf:
    """One test on one finding. ``not_in`` also holds when the finding is unanswered."""

    finding: str
    op: str
    value: Any
    _test: Callable[[Any, Any], bool] = field(repr=False, compare=False)
    # what holds returns while the finding is unanswered (true only for not_in)
    _if_unanswered: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_if_unanswered", self.op == "not_in")

    def holds(self, findings: Findings, incomplete: bool) -> bool:
        """True when the answer satisfies the test (an unanswered finding fails, but not_in)."""
        answer = findings.get(self.finding)
        if answer is None:
            return self._if_unanswered
        return self._test(answer, self.value)

    def status(self, findings: Findings, incomplete: bool) -> Tri:
        """Three-valued: UNKNOWN while the finding is unanswered."""
        answer = findings.get(self.finding)
        if answer is None:
            return UNKNOWN
        return TRUE if self._test(answer, self.value) else FALSE

    def findings_in(self) -> tuple[str, ...]:
        """The finding ids this condition reads."""
        return (self.finding,)

    def matched(self, findings: Findings) -> tuple[str, ...]:
        """The findings that made this condition true (for explanations)."""
        return (self.finding,) if self.finding in findings else ()

    def thresholds(self) -> list[tuple[str, str, Any]]:
        """(finding, op, value) triples, used to pick probe answers for numeric questions."""
        return [(self.finding, self.op, self.value)]


@dataclass(frozen=True, slots=True)
class Unanswered:
    """True while any red-flag question is unanswered."""

    def holds(self, findings: Findings, incomplete: bool) -> bool:
        return incomplete

    def status(self, findings: Findings, incomplete: bool) -> Tri:
        return TRUE if incomplete else FALSE

    def findings_in(self) -> tuple[str, ...]:
        return ()

    def matched(self, findings: Findings) -> tuple[str, ...]:
        return ()

    def thresholds(self) -> list[tuple[str, str, Any]]:
        return []


@dataclass(frozen=True, slots=True)
class AtLeast:
    """At least ``count`` of ``parts`` hold. ``all`` and ``any`` are the two extremes."""

    count: int
    parts: tuple[Condition, ...]

    def holds(self, findings: Findings, incomplete: bool) -> bool:
        # Stop as soon as the answer is known: enough parts hold, or too many failed.
        needed = self.count
        spare = len(self.parts) - needed
        for part in self.parts:
            if part.holds(findings, incomplete):
                needed -= 1
                if needed <= 0:
                    return True
            else:
                spare -= 1
                if spare < 0:
                    return False
        return needed <= 0

    def status(self, findings: Findings, incomplete: bool) -> Tri:
        # TRUE once enough parts are true, FALSE once too many are false, else UNKNOWN.
        needed = self.count
        spare = len(self.parts) - needed
        for part in self.parts:
            result = part.status(findings, incomplete)
            if result is TRUE:
                needed -= 1
                if needed <= 0:
                    return TRUE
            elif result is FALSE:
                spare -= 1
                if spare < 0:
                    return FALSE
        return UNKNOWN

    def findings_in(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for part in self.parts:
            seen.update(dict.fromkeys(part.findings_in()))
        return tuple(seen)

    def matched(self, findings: Findings) -> tuple[str, ...]:
        found: list[str] = []
        for part in self.parts:
            if part.holds(findings, False):
                found += part.matched(findings)
        return tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)

    def thresholds(self) -> list[tuple[str, str, Any]]:
        return [t for part in self.parts for t in part.thresholds()]


Condition = Leaf | AtLeast | Unanswered


class ConditionError(ValueError):
    """A condition in a knowledge file is malformed."""


def parse_condition(raw: object) -> Condition:
    """Build a condition from its YAML form; raise ConditionError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ConditionError(f"a condition must be a mapping, got {raw!r}")
    if "all" in raw or "any" in raw:
        key = "all" if "all" in raw else "any"
        parts = _parse_parts(raw[key], key)
        return AtLeast(len(parts) if key == "all" else 1, parts)
    if "at_least" in raw:
        count = raw["at_least"]
        if not isinstance(count, int) or count < 1:
            raise ConditionError("at_least needs a positive integer")
        parts = _parse_parts(raw.get("of"), "of")
        if count > len(parts):
            raise ConditionError("at_least asks for more parts than it has")
        return AtLeast(count, parts)
    if raw.get("unanswered_red_flags") is True and len(raw) == 1:
        return Unanswered()
    if "finding" not in raw:
        raise ConditionError(f"unknown condition {raw!r}: use finding/all/any/at_least")
    ops = [key for key in raw if key != "finding"]
    if len(ops) != 1 or ops[0] not in _COMPARISONS:
        raise ConditionError(
            f"condition on {raw['finding']!r} needs exactly one of {sorted(_COMPARISONS)}"
        )
    op = ops[0]
    value = raw[op]
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise ConditionError(f"'{op}' needs a non-empty list")
        value = frozenset(value)
    elif op in ("gt", "gte", "lt", "lte") and not _numeric(value):
        raise ConditionError(f"'{op}' needs a number")
    test = _COMPARISONS[op]
    if op == "is":
        # The hot path: most leaves are yes/no tests, an identity check in C. A string never
        # equals a boolean or number, so plain equality (also in C) is exact for it.
        if isinstance(value, bool):
            test = operator.is_
        elif isinstance(value, str):
            test = operator.eq
        else:
            test = _equals
    return Leaf(str(raw["finding"]), op, value, test)


def _parse_parts(raw: object, key: str) -> tuple[Condition, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConditionError(f"'{key}' needs a non-empty list of conditions")
    return tuple(parse_condition(part) for part in raw)


def leaves(condition: Condition) -> list[Leaf]:
    """Every leaf in a condition tree."""
    if isinstance(condition, Leaf):
        return [condition]
    if isinstance(condition, AtLeast):
        return [leaf for part in condition.parts for leaf in leaves(part)]
    return []


def to_data(condition: Condition) -> dict[str, Any]:
    """The condition back in its knowledge-file form (for JSON export)."""
    if isinstance(condition, Leaf):
        value = (
            sorted(condition.value) if isinstance(condition.value, frozenset) else condition.value
        )
        return {"finding": condition.finding, condition.op: value}
    if isinstance(condition, AtLeast):
        parts = [to_data(part) for part in condition.parts]
        if condition.count == len(parts) and len(parts) > 1:
            return {"all": parts}
        if condition.count == 1:
            return {"any": parts}
        return {"at_least": condition.count, "of": parts}
    return {"unanswered_red_flags": True}


_OP_WORDS = {"gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}


def describe(condition: Condition) -> str:
    """The condition in plain words, for the reviewer's document."""
    if isinstance(condition, Leaf):
        if condition.op == "is":
            value = condition.value
            shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
            return f"{condition.finding} is {shown}"
        if condition.op in ("in", "not_in"):
            options = " or ".join(sorted(str(v) for v in condition.value))
            word = "is" if condition.op == "in" else "is unanswered or not"
            return f"{condition.finding} {word} {options}"
        return f"{condition.finding} {_OP_WORDS[condition.op]} {condition.value:g}"
    if isinstance(condition, AtLeast):
        parts = [describe(part) for part in condition.parts]
        if len(parts) == 1:
            return parts[0]
        if condition.count == len(parts):
            return "(" + " AND ".join(parts) + ")"
        if condition.count == 1:
            return "(" + " OR ".join(parts) + ")"
        return f"at least {condition.count} of (" + "; ".join(parts) + ")"
    return "any red-flag question is unanswered"


# ------------------------------------------------------------------------------ compiling
# The engines evaluate the same few dozen conditions for every case. Each condition is turned
# once, when the knowledge is first used, into the source of a small Python function (plain
# dictionary look-ups and comparisons, no method call per leaf) and compiled. The generated
# code does exactly what the methods above do (tests/core/test_core_conditions_compiled.py
# checks them against each other on every condition of the knowledge). The knowledge stays
# data: only its evaluation is generated from it.

_ORDERINGS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


def _dedupe(found: tuple[str, ...]) -> tuple[str, ...]:
    """What AtLeast.matched returns for the findings its true parts matched, in order."""
    return tuple(dict.fromkeys(found)) if len(found) > 1 else found


class _Source:
    """Writes the source of generated functions. Values are passed in by name, never written
    into the code; only finding ids are, as Python string literals (``repr``)."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "TRUE": TRUE,
            "FALSE": FALSE,
            "UNKNOWN": UNKNOWN,
            "_isinstance": isinstance,
            "_NUMBER": _NUMBER,
            "_dedupe": _dedupe,
        }
        self._temps = 0

    def constant(self, value: Any) -> str:
        """A name in the generated code's namespace bound to ``value``."""
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def temp(self) -> str:
        """A fresh local variable name."""
        self._temps += 1
        return f"_a{self._temps}"

    def holds(self, condition: Condition, inc: str = "inc") -> str:
        """An expression equal to ``condition.holds(f, inc)`` (``g`` is ``f.get``; ``inc``
        the expression for ``incomplete``)."""
        if isinstance(condition, Unanswered):
            return inc
        if isinstance(condition, AtLeast):
            parts = [self.holds(part, inc) for part in condition.parts]
            if condition.count == len(parts):
                return "(" + " and ".join(parts) + ")"
            if condition.count == 1:
                return "(" + " or ".join(parts) + ")"
            return "((" + ") + (".join(parts) + f") >= {int(condition.count)})"
        key = repr(condition.finding)
        if condition.op == "is" and condition._test in (operator.is_, operator.eq):
            # unanswered (None) is never the boolean constant, nor equal to a string
            symbol = "is" if condition._test is operator.is_ else "=="
            return f"(g({key}) {symbol} {self.constant(condition.value)})"
        answer = self.temp()
        test = self.test(condition, answer)
        if condition.op == "not_in":
            return f"(({answer} := g({key})) is None or {test})"
        return f"(({answer} := g({key})) is not None and {test})"

    def test(self, leaf: Leaf, answer: str) -> str:
        """An expression equal to ``leaf._test(answer, leaf.value)`` for an answer (not
        None) held in the variable named ``answer``."""
        value = self.constant(leaf.value)
        if leaf.op == "is" and leaf._test is operator.is_:
            return f"({answer} is {value})"
        if leaf.op == "is" and leaf._test is operator.eq:
            return f"({answer} == {value})"
        if leaf.op == "in":
            return f"({answer} in {value})"
        if leaf.op == "not_in":
            return f"({answer} not in {value})"
        if leaf.op in _ORDERINGS:
            return (
                f"(_isinstance({answer}, _NUMBER) and not _isinstance({answer}, bool)"
                f" and {answer} {_ORDERINGS[leaf.op]} {value})"
            )
        return f"{self.constant(leaf._test)}({answer}, {value})"

    def status(self, condition: Condition, lines: list[str]) -> str:
        """Statements (appended to ``lines``) that leave ``condition.status(f, inc)`` in the
        variable whose name is returned. Every part is worked out: with pure parts the
        result is the same as stopping early."""
        result = self.temp()
        if isinstance(condition, Unanswered):
            lines.append(f"{result} = TRUE if inc else FALSE")
        elif isinstance(condition, AtLeast):
            parts = [self.status(part, lines) for part in condition.parts]
            true = " + ".join(f"({p} is TRUE)" for p in parts)
            false = " + ".join(f"({p} is FALSE)" for p in parts)
            spare = len(parts) - condition.count
            lines.append(
                f"{result} = TRUE if {true} >= {int(condition.count)} else "
                f"(FALSE if {false} > {int(spare)} else UNKNOWN)"
            )
        else:
            answer = self.temp()
            test = self.test(condition, answer)
            lines.append(f"{answer} = g({condition.finding!r})")
            lines.append(f"{result} = UNKNOWN if {answer} is None else (TRUE if {test} else FALSE)")
        return result

    def matched(self, condition: Condition) -> str:
        """An expression equal to ``condition.matched(f)`` (which tests its parts with
        ``incomplete`` false)."""
        if isinstance(condition, Unanswered):
            return "()"
        if isinstance(condition, Leaf):
            key = repr(condition.finding)
            return f"(({key},) if {key} in f else ())"
        parts = [
            f"*({self.matched(part)} if {self.holds(part, 'False')} else ())"
            for part in condition.parts
        ]
        return "_dedupe((" + ", ".join(parts) + ",))"

    def function(
        self, name: str, arguments: str, body: list[str], prelude: str = "g = f.get"
    ) -> Callable[..., Any]:
        """Compile one function from its body lines; its source becomes its docstring."""
        lines = [f"def {name}({arguments}):", f"    {prelude}", *(f"    {line}" for line in body)]
        source = "\n".join(lines) + "\n"
        exec(compile(source, f"<compiled condition: {name}>", "exec"), self.namespace)
        function: Callable[..., Any] = self.namespace[name]
        function.__doc__ = source
        return function


@dataclass(frozen=True, slots=True)
class Compiled:
    """A condition's evaluations as compiled functions, with the same answers as its methods:
    ``holds(findings, incomplete)``, ``status(findings, incomplete)``, ``matched(findings)``."""

    condition: Condition
    holds: Callable[[Findings, bool], bool]
    status: Callable[[Findings, bool], Tri]
    matched: Callable[[Findings], tuple[str, ...]]


def compile_condition(condition: Condition) -> Compiled:
    """Compile one condition (once per knowledge item; the engines cache the result)."""
    source = _Source()
    holds = source.function("holds", "f, inc", [f"return bool({source.holds(condition)})"])
    lines: list[str] = []
    result = source.status(condition, lines)
    status = source.function("status", "f, inc", [*lines, f"return {result}"])
    matched = source.function("matched", "f", [f"return {source.matched(condition)}"])
    return Compiled(condition, holds, status, matched)


def compile_answer_test(condition: Condition, finding: str) -> Callable[[Any], bool]:
    """For a condition that reads only ``finding``: a compiled function of the answer equal
    to ``condition.holds({finding: answer}, False)``."""
    source = _Source()
    if isinstance(condition, Leaf) and condition.finding == finding:
        if condition.op == "is" and condition._test in (operator.is_, operator.eq):
            # as in holds: None (unanswered) is never the constant, nor equal to a string
            expression = source.test(condition, "a")
        elif condition.op == "not_in":
            expression = f"(a is None or {source.test(condition, 'a')})"
        else:
            expression = f"(a is not None and {source.test(condition, 'a')})"
        return source.function("test", "a", [f"return bool({expression})"], prelude="pass")
    holds = source.holds(condition, "False")
    return source.function(
        "test", "a", ["g = f.get", f"return bool({holds})"], prelude=f"f = {{{finding!r}: a}}"
    )


@dataclass(frozen=True, slots=True)
class ByMatched:
    """A selection value that depends on which findings made its condition true (see
    ``matched``): ``cache`` maps those findings to the value, ``make`` builds (and caches)
    one for findings not seen yet."""

    cache: dict[tuple[str, ...], Any]
    make: Callable[[tuple[str, ...]], Any]


def compile_selection(
    choices: Sequence[tuple[Condition, Any]],
) -> Callable[[Findings, bool], list[Any]]:
    """One function that, given findings and ``incomplete``, returns in order the value paired
    with each condition that holds (triage runs every rule this way, in a single call). A
    ``ByMatched`` value is looked up by the findings the condition matched."""
    source = _Source()
    body = ["out = []"]
    for condition, value in choices:
        if isinstance(value, ByMatched) and _any_of_fully_named(condition):
            # ``any`` of parts that each name all their findings when true: it holds when
            # some part does, and matched lists those parts' findings, so the parts are
            # tested once, for both
            assert isinstance(condition, AtLeast)
            body.append("_t = []")
            for part in condition.parts:
                named = part.findings_in()
                add = f"_t.append({named[0]!r})" if len(named) == 1 else f"_t += {named!r}"
                body.append(f"if {source.holds(part)}: {add}")
            cache, make = source.constant(value.cache), source.constant(value.make)
            body.append("if _t:")
            body.append("    _m = tuple(dict.fromkeys(_t)) if len(_t) > 1 else tuple(_t)")
            body.append(f"    _v = {cache}.get(_m)")
            body.append(f"    out.append({make}(_m) if _v is None else _v)")
            continue
        body.append(f"if {source.holds(condition)}:")
        if isinstance(value, ByMatched):
            cache, make = source.constant(value.cache), source.constant(value.make)
            body.append(f"    _m = {source.matched(condition)}")
            body.append(f"    _v = {cache}.get(_m)")
            body.append(f"    out.append({make}(_m) if _v is None else _v)")
        else:
            body.append(f"    out.append({source.constant(value)})")
    body.append("return out")
    return source.function("select", "f, inc", body)


def names_all_when_true(condition: Condition) -> bool:
    """Whether every finding the condition reads is answered whenever it holds, so that what
    it matched is always all of them (``findings_in``): a positive test, or ``all`` of such.

    ``any``, ``at_least`` and ``not_in`` (true while unanswered) depend on the answers, and
    so does a part that tests for unanswered red flags (``matched`` leaves it out).
    """
    if isinstance(condition, Leaf):
        return condition.op != "not_in"
    if isinstance(condition, AtLeast):
        return condition.count == len(condition.parts) and all(
            names_all_when_true(part) for part in condition.parts
        )
    return False


def _any_of_fully_named(condition: Condition) -> bool:
    """``any`` of parts that each name all their findings when true (see above)."""
    return (
        isinstance(condition, AtLeast)
        and condition.count == 1
        and all(names_all_when_true(part) for part in condition.parts)
    )
