"""Pain over the whole episode as a small server-rendered SVG (attributes only: no inline
style, CSP-safe).

The chart is drawn from each day's pain totals (counted by the database, one row a day), so
its cost does not grow with the number of entries. A long journal is shown in periods of a
week, two weeks, four weeks and so on, at most ``MAX_POINTS`` of them: the line is each
period's average, the thin upright line its lowest to highest pain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape
from math import ceil

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 40
MAX_POINTS = 92  # about three months a day at a time; longer journals are grouped
PERIODS = (1, 7, 14, 28, 56, 91, 182, 364)  # days in one point of the chart
PERIOD_WORDS = {1: "a day", 7: "a week", 14: "two weeks", 28: "four weeks", 56: "eight weeks",
                91: "three months", 182: "six months", 364: "a year"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class DayPain:
    """One day of the journal: its entries' pain added up, how many, the lowest and highest."""

    day: date
    total: int
    entries: int
    lowest: int
    highest: int


@dataclass(frozen=True, slots=True)
class PainPoint:
    """One point of the chart: a period (one day or more) and the pain recorded in it."""

    start: date
    end: date
    mean: float
    entries: int
    lowest: int
    highest: int


def period_days(days: Sequence[DayPain]) -> int:
    """The shortest period that keeps the chart within ``MAX_POINTS`` points."""
    if not days:
        return 1
    span = (days[-1].day - days[0].day).days + 1
    return next((p for p in PERIODS if ceil(span / p) <= MAX_POINTS), ceil(span / MAX_POINTS))


def pain_points(days: Sequence[DayPain]) -> tuple[list[PainPoint], int]:
    """The chart's points from the days (oldest first), and the days in each point."""
    period = period_days(days)
    if not days:
        return [], period
    first = days[0].day
    groups: dict[int, list[DayPain]] = {}
    for day in days:
        groups.setdefault((day.day - first).days // period, []).append(day)
    points = []
    for index, group in sorted(groups.items()):
        start = first + timedelta(days=index * period)
        total, entries = sum(d.total for d in group), sum(d.entries for d in group)
        points.append(
            PainPoint(
                start=start,
                end=start + timedelta(days=period - 1),
                mean=total / entries,
                entries=entries,
                lowest=min(d.lowest for d in group),
                highest=max(d.highest for d in group),
            )
        )
    return points, period


def _when(point: PainPoint, period: int) -> str:
    if period == 1:
        return point.start.strftime("%d %b %Y")
    return f"{point.start.strftime('%d %b %Y')} to {point.end.strftime('%d %b %Y')}"


def _tip(point: PainPoint, period: int) -> str:
    many = point.entries != 1
    if not many:
        return f"{_when(point, period)}: pain {point.highest}/10"
    spread = (
        f", lowest {point.lowest}, highest {point.highest}"
        if point.lowest != point.highest
        else ""
    )
    return (
        f"{_when(point, period)}: average pain {point.mean:.1f}/10 over {point.entries} "
        f"entries{spread}"
    )


def chart_caption(period: int) -> str:
    """What one point of the chart is, in plain words."""
    if period == 1:
        return (
            "Each dot is one day (the average when there are several entries that day; the "
            "thin upright line then runs from the lowest to the highest pain)."
        )
    return (
        f"Each dot is the average pain over {PERIOD_WORDS.get(period, f'{period} days')}; "
        "the thin upright line runs from the lowest to the highest pain in that time."
    )


def pain_chart_svg(*, days: Sequence[DayPain]) -> str:
    """An SVG line chart of the pain (0-10) over the whole journal, oldest day first."""
    points, period = pain_points(days)
    if not points:
        return ""
    first, last = points[0].start, points[-1].start
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(d: date) -> float:
        if first == last:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (d - first).days / span

    def y(pain: float) -> float:
        return TOP + plot_h * (1 - pain / 10)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="chart" role="img" aria-labelledby="chart-title">',
        '<title id="chart-title">Pain (0-10) over days</title>',
    ]
    for level in range(0, 11, 2):
        yy = y(level)
        parts.append(
            f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" '
            f'stroke="#d0d7de" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{yy + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#57606a">{level}</text>'
        )
    label = "%d %b" if (points[-1].end - first).days < 330 else "%b %Y"
    step = max(1, -(-len(points) // 6))
    for point in points[::step]:
        xx = x(point.start)
        anchor = "end" if xx > WIDTH - RIGHT - 30 else "middle"  # the last label stays inside
        parts.append(
            f'<text x="{xx:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" '
            f'font-size="12" fill="#57606a">{escape(point.start.strftime(label))}</text>'
        )
    for point in points:
        if point.highest != point.lowest:
            xx = x(point.start)
            parts.append(
                f'<line x1="{xx:.1f}" y1="{y(point.lowest):.1f}" x2="{xx:.1f}" '
                f'y2="{y(point.highest):.1f}" stroke="#9cc3f5" stroke-width="2"/>'
            )
    if len(points) > 1:
        path = " ".join(f"{x(p.start):.1f},{y(p.mean):.1f}" for p in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#0969da" stroke-width="3" '
            f'stroke-linejoin="round"/>'
        )
    radius = 5 if len(points) <= 40 else 3
    for point in points:
        parts.append(
            f'<circle cx="{x(point.start):.1f}" cy="{y(point.mean):.1f}" r="{radius}" '
            f'fill="#0969da" stroke="#ffffff" stroke-width="2">'
            f"<title>{escape(_tip(point, period))}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
