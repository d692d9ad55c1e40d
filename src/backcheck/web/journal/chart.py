"""Pain over days as a small server-rendered SVG (attributes only: no inline style, CSP-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from statistics import fmean

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 16, 16, 40


def pain_chart_svg(*, points: Sequence[tuple[date, int]]) -> str:
    """An SVG line chart of each day's mean pain (0-10), every entry as a dot."""
    if not points:
        return ""
    days = sorted({d for d, _ in points})
    first, last = days[0], days[-1]
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
    step = max(1, len(days) // 7)
    for d in days[::step]:
        parts.append(
            f'<text x="{x(d):.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" '
            f'font-size="12" fill="#57606a">{escape(d.strftime("%d %b"))}</text>'
        )
    means = [(d, fmean([p for dd, p in points if dd == d])) for d in days]
    if len(means) > 1:
        path = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in means)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="#0969da" stroke-width="3" '
            f'stroke-linejoin="round"/>'
        )
    for d, p in points:
        parts.append(
            f'<circle cx="{x(d):.1f}" cy="{y(p):.1f}" r="5" fill="#0969da" stroke="#ffffff" '
            f'stroke-width="2"><title>{escape(d.isoformat())}: {p}/10</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)
