"""`decode.prefetched`: same items in order, producer errors surface after the items before them,
and a consumer that stops early stops (and closes) the producer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backcheck.video.decode import prefetched


def test_yields_everything_in_order() -> None:
    assert list(prefetched(iter(range(100)), depth=3)) == list(range(100))


def test_error_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("truncated")

    got: list[int] = []
    with pytest.raises(ValueError, match="truncated"):
        for x in prefetched(items()):
            got.append(x)
    assert got == [1, 2]


def test_early_stop_closes_the_producer() -> None:
    closed: list[bool] = []

    def items() -> Iterator[int]:
        try:
            yield from range(10_000)
        finally:
            closed.append(True)

    for x in prefetched(items(), depth=2):
        if x == 5:
            break
    assert closed == [True]
