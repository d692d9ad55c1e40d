"""Case errors quote the input briefly: never a huge value whole, never raw control characters."""

from __future__ import annotations

from typing import Any

import pytest

from backcheck.core import CaseError, parse_case
from tests.core.core_kit import KB


@pytest.mark.parametrize(
    "findings",
    [
        {"saddle_numbness": "A" * 1_000_000},
        {"pain_score": 10**4000},
        {"pain_score": [[[[[[1]]]]]] * 1000},
        {"lift": {"k" * 10_000: "v" * 10_000}},
        {"k" * 1_000_000: True},
        {"\x1b[2J\x1b]0;x\x07": True},
    ],
)
def test_error_message_is_short_and_printable(findings: dict[str, Any]) -> None:
    with pytest.raises(CaseError) as caught:
        parse_case({"findings": findings}, KB)
    message = str(caught.value)
    assert len(message) < 300, message[:400]
    assert message.isprintable(), repr(message)


def test_short_printable_key_is_the_field_as_is() -> None:
    with pytest.raises(CaseError) as caught:
        parse_case({"findings": {"no_such_thing": True}}, KB)
    assert caught.value.field == "no_such_thing"
