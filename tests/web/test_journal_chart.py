"""The pain chart's points: a day each for a short journal, longer periods for a long one, never
more than MAX_POINTS, and no entry lost from the averages."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from backcheck.web.journal.chart import (
    MAX_POINTS,
    DayPain,
    chart_caption,
    pain_chart_svg,
    pain_points,
)

START = date(2024, 1, 1)


def day(n: int, *pains: int) -> DayPain:
    return DayPain(START + timedelta(days=n), sum(pains), len(pains), min(pains), max(pains))


def test_a_short_journal_is_drawn_day_by_day() -> None:
    points, period = pain_points([day(0, 4, 6), day(2, 3)])
    assert period == 1
    assert [(p.start, p.mean, p.entries, p.lowest, p.highest) for p in points] == [
        (START, 5.0, 2, 4, 6),
        (START + timedelta(days=2), 3.0, 1, 3, 3),
    ]
    svg = pain_chart_svg(days=[day(0, 4, 6), day(2, 3)])
    assert svg.count("<circle") == 2
    assert "average pain 5.0/10 over 2 entries, lowest 4, highest 6" in svg
    assert "Each dot is one day" in chart_caption(period)


def test_a_long_journal_is_drawn_in_weeks_or_longer() -> None:
    days = [day(n, n % 7, 9) for n in range(300)]
    points, period = pain_points(days)
    assert period == 7 and len(points) == 43
    assert points[0].entries == 14 and points[0].lowest == 0 and points[0].highest == 9
    assert "average pain over a week;" in chart_caption(period)
    assert pain_chart_svg(days=[]) == ""


@given(
    st.lists(
        st.tuples(st.integers(0, 20_000), st.lists(st.integers(0, 10), min_size=1, max_size=4)),
        min_size=1,
        max_size=60,
        unique_by=lambda t: t[0],
    )
)
def test_points_are_bounded_and_lose_no_entry(raw: list[tuple[int, list[int]]]) -> None:
    days = sorted((day(n, *pains) for n, pains in raw), key=lambda d: d.day)
    points, _period = pain_points(days)
    assert 1 <= len(points) <= MAX_POINTS
    assert sum(p.entries for p in points) == sum(d.entries for d in days)
    assert abs(sum(p.mean * p.entries for p in points) - sum(d.total for d in days)) < 1e-6
    assert min(p.lowest for p in points) == min(d.lowest for d in days)
    assert max(p.highest for p in points) == max(d.highest for d in days)
    assert all(p.start <= q.start for p, q in pairwise(points))
