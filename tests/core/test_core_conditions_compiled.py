"""The compiled conditions give the same answers as the condition trees they come from.

Every condition in the knowledge (triage rules, consistency fixes, cause evidence, plan items,
questions asked only sometimes) is checked on random answers, including answers of the wrong
type (a number for a yes/no question, a boolean for a number), which the trees refuse in their
own way and the compiled code must refuse the same way.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcheck.core.conditions import (
    Condition,
    FindingValue,
    compile_condition,
    compile_selection,
    parse_condition,
)
from tests.core.core_kit import KB


def knowledge_conditions() -> list[tuple[str, Condition]]:
    """Every condition in the knowledge, named by where it is."""
    found: list[tuple[str, Condition]] = []
    found += [(f"rule {r.id}", r.when) for r in KB.rules]
    found += [(f"consistency {c.id}", c.when) for c in KB.consistency]
    for cause in KB.causes:
        found += [(f"cause {cause.id} evidence {i}", e.when) for i, e in enumerate(cause.evidence)]
    for item in KB.plan_items:
        for name in ("when", "avoid_when", "skip_when"):
            condition = getattr(item, name)
            if condition is not None:
                found.append((f"plan {item.id} {name}", condition))
    found += [(f"ask_when {f.id}", f.ask_when) for f in KB.findings.values() if f.ask_when]
    return found


CONDITIONS = knowledge_conditions()
# hand-written shapes the knowledge may not have (yet): nesting, at_least, every operator
EXTRA = [
    parse_condition(raw)
    for raw in (
        {"at_least": 2, "of": [
            {"finding": "age", "gt": 50},
            {"any": [{"finding": "sex", "is": "female"}, {"unanswered_red_flags": True}]},
            {"all": [
                {"finding": "pain_score", "lte": 3},
                {"finding": "lift", "not_in": ["squat"]},
            ]},
        ]},
        {"finding": "age", "lt": 18.5},
        {"finding": "pain_score", "is": 0},
        {"finding": "lift", "in": ["squat", "deadlift"]},
        {"any": [{"finding": "age", "gte": 65}, {"finding": "age", "is": 40}]},
    )
]
FINDING_IDS = sorted(KB.findings)


def answer_strategy(finding_id: str) -> st.SearchStrategy[Any]:
    """Valid answers mostly, and now and then one of another type."""
    definition = KB.findings[finding_id]
    if definition.type == "bool":
        valid: st.SearchStrategy[Any] = st.booleans()
    elif definition.type == "enum":
        valid = st.sampled_from(definition.values or [])
    else:
        assert definition.min is not None and definition.max is not None
        valid = st.one_of(
            st.integers(int(definition.min), int(definition.max)),
            st.floats(definition.min, definition.max),
            st.sampled_from([definition.min, definition.max]),
        )
    odd = st.one_of(st.booleans(), st.integers(-5, 200), st.floats(-1, 120), st.text(max_size=8))
    return st.one_of(valid, valid, valid, odd)


@st.composite
def findings_strategy(draw: st.DrawFn) -> dict[str, FindingValue]:
    chosen = draw(st.lists(st.sampled_from(FINDING_IDS), unique=True, max_size=len(FINDING_IDS)))
    return {fid: draw(answer_strategy(fid)) for fid in chosen}


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMPILED = [(name, condition, compile_condition(condition)) for name, condition in CONDITIONS]
COMPILED += [(f"extra {i}", c, compile_condition(c)) for i, c in enumerate(EXTRA)]


@SETTINGS
@given(findings_strategy(), st.booleans())
def test_compiled_conditions_answer_as_the_trees(
    findings: dict[str, FindingValue], incomplete: bool
) -> None:
    for name, condition, compiled in COMPILED:
        assert compiled.holds(findings, incomplete) is condition.holds(findings, incomplete), name
        assert compiled.status(findings, incomplete) is condition.status(findings, incomplete), name
        assert compiled.matched(findings) == condition.matched(findings), name


@SETTINGS
@given(findings_strategy(), st.booleans())
def test_a_compiled_selection_lists_what_holds_in_order(
    findings: dict[str, FindingValue], incomplete: bool
) -> None:
    select = compile_selection([(condition, name) for name, condition in CONDITIONS])
    expected = [name for name, condition in CONDITIONS if condition.holds(findings, incomplete)]
    assert select(findings, incomplete) == expected


def test_the_generated_code_names_findings_but_holds_no_values() -> None:
    """Answers to compare with are passed in by name; the code only spells finding ids."""
    compiled = compile_condition(parse_condition({"finding": "lift", "is": "squat'); 1/0; ('"}))
    assert compiled.holds({"lift": "squat'); 1/0; ('"}, False) is True
    assert "1/0" not in (compiled.holds.__doc__ or "")


@SETTINGS
@given(findings_strategy(), st.booleans())
def test_triage_reasons_name_the_findings_each_rule_matched(
    findings: dict[str, FindingValue], incomplete: bool
) -> None:
    """The reasons triage shares between cases name exactly what the rule matched here."""
    from backcheck.core.triage import _rules

    reasons = _rules(KB).select(findings, incomplete)
    fired = [rule for rule in _rules(KB).ordered if rule.when.holds(findings, incomplete)]
    assert [reason.rule for reason in reasons] == [rule.id for rule in fired]
    for reason, rule in zip(reasons, fired, strict=True):
        assert reason.findings == rule.when.matched(findings), rule.id
        expected = (rule.level, rule.title, rule.message)
        assert (reason.level, reason.title, reason.message) == expected
