"""Plot of joint angles and the back measure over time, with reps shaded (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from backcheck.core.vocabulary import LIFT_WORDS
from backcheck.video.annotate import VIEW_WORDS
from backcheck.video.decisions import NEUTRAL_VALLEY, NEUTRAL_WHOLE
from backcheck.video.kinematics import body_angles
from backcheck.video.measures import BackSeries
from backcheck.video.schema import Analysis
from backcheck.video.track import Track


def _plot_angles(ax: Any, t: NDArray[np.float64], track: Track) -> None:
    """Top panel: trunk, hip and knee angles over time."""
    ang = body_angles(track.image.astype(float))
    for name, colour in (("trunk", "tab:blue"), ("hip", "tab:orange"), ("knee", "tab:green")):
        ax.plot(t, ang[name], color=colour, lw=1.2, label=f"{name} angle")
    ax.set_ylabel("degrees")
    ax.legend(loc="upper right", fontsize=8)


def _plot_bows(ax: Any, t: NDArray[np.float64], series: BackSeries) -> None:
    """Bottom panel: whole-back bow and lumbar hollow (valley) with a neutral lifter's typical
    values dashed; the y range ignores outliers (2nd–98th percentile) so a few bad frames do
    not flatten the curves."""
    ax.plot(t, series.whole, ".", ms=3, color="tab:gray", label="whole-back bow (+ rounder)")
    ax.plot(t, series.valley, ".", ms=3, color="tab:purple", label="lumbar hollow (− rounder)")
    ax.axhline(NEUTRAL_WHOLE, color="tab:gray", ls="--", lw=0.8)
    ax.axhline(NEUTRAL_VALLEY, color="tab:purple", ls="--", lw=0.8)
    ax.axhline(0, color="black", lw=0.5)
    ax.set_ylabel("share of hip-to-shoulder length")
    ax.set_xlabel("time (s)")
    finite = np.concatenate(
        [series.valley[np.isfinite(series.valley)], series.whole[np.isfinite(series.whole)]]
    )
    if len(finite):
        lo, hi = np.percentile(finite, [2, 98])
        pad = 0.02
        ax.set_ylim(min(lo, -0.03) - pad, max(hi, 0.05) + pad)


def _mark_reps(ax1: Any, ax2: Any, analysis: Analysis) -> None:
    """Shade each rep, mark bottom (red) and lockout (green), label reps on the top panel."""
    for ax in (ax1, ax2):
        for r in analysis.reps:
            ax.axvspan(
                r.start_s, r.end_s, color="tab:blue" if r.index % 2 else "tab:cyan", alpha=0.07
            )
            ax.axvline(r.bottom_s, color="tab:red", lw=0.8)
            ax.axvline(r.lockout_s, color="tab:green", lw=0.8)
    for r in analysis.reps:
        ax1.text(r.bottom_s, ax1.get_ylim()[1], f" rep {r.index}", va="top", fontsize=8)


def _title(analysis: Analysis) -> str:
    """Clip, lift, reps and view; why the back was not judged, if it was not."""
    name = Path(analysis.video.path).name
    lift = LIFT_WORDS.get(analysis.lift, analysis.lift)
    reps = f"{len(analysis.reps)} rep{'' if len(analysis.reps) == 1 else 's'}"
    title = f"{name}: {lift}, {reps}, {VIEW_WORDS[analysis.view]}"
    if not analysis.back_judgement.judgeable:
        title += f"\nback not judged: {analysis.back_judgement.reason}"
    return title


def write_plot(track: Track, series: BackSeries, analysis: Analysis, path: Path) -> None:
    """Two panels: trunk/hip/knee angles, then lumbar and whole-back bow with thresholds."""
    from matplotlib.figure import Figure

    # A Figure of its own, not pyplot's global state: it is drawn on a thread of its own while
    # the annotated video is encoded (pipeline.write_artifacts).
    fig = Figure(figsize=(10, 6.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    _plot_angles(ax1, track.t_s, track)
    _plot_bows(ax2, track.t_s, series)
    _mark_reps(ax1, ax2, analysis)
    ax2.legend(loc="upper right", fontsize=8)
    fig.suptitle(_title(analysis), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
