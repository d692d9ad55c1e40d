"""The record-by-record JSON reader behind imports gives exactly what json.loads gives."""

from __future__ import annotations

import gc
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcheck.web.backup.reading import collector_paused, free_in_steps, loads_in_steps

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


def outcome(read: Any, raw: str | bytes) -> tuple[str, Any]:
    try:
        return "ok", json.dumps(read(raw), sort_keys=True)
    except (ValueError, RecursionError) as exc:
        return "refused", type(exc) is RecursionError


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.sampled_from([None, 0, 2]), st.booleans())
def test_same_value_as_json_loads(value: Any, indent: int | None, as_bytes: bool) -> None:
    text = json.dumps(value, indent=indent)
    raw: str | bytes = text.encode() if as_bytes else text
    assert outcome(loads_in_steps, raw) == outcome(json.loads, raw)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='{}[]":,  \n0123456789-.eEtruefalsnul\\x', max_size=40))
def test_same_verdict_on_any_text(text: str) -> None:
    assert outcome(loads_in_steps, text) == outcome(json.loads, text)


@pytest.mark.parametrize(
    "text",
    ['{"a": 1, "a": 2}', '{"journal": [1, 2, ], "x": 1}', "[1] 2", '{"a": [1, {"b": []}]}  ',
     '\ufeff{"a": 1}', "", "   ", '{"a" 1}', '{"a": 1,}', "[" * 5000 + "]" * 5000],
)  # fmt: skip
def test_edge_cases_match(text: str) -> None:
    assert outcome(loads_in_steps, text) == outcome(json.loads, text)
    assert outcome(loads_in_steps, text.encode("utf-8")) == outcome(json.loads, text.encode())


def test_the_collector_resumes_after_nested_pauses() -> None:
    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_free_in_steps_empties_the_sections() -> None:
    document: dict[str, Any] = {"journal": list(range(1234)), "version": 1, "x": [[1], [2]]}
    free_in_steps(document)
    assert document == {"journal": [], "version": 1, "x": []}
