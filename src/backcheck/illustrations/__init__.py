"""Exercise illustrations: animated SVG figures drawn by the project from its own poses.

``figures.yaml`` holds the keyframe poses, ``draw.py`` turns them into SVG, and the generated
files ship under ``backcheck/web/static/illustrations/`` (served by the app as image/svg+xml).
``python -m backcheck.illustrations`` regenerates them; a test checks they are up to date.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from backcheck.illustrations.draw import Figure, FigureError, figure_from, render_svg

__all__ = ["Figure", "FigureError", "figures", "render_svg", "svg_dir", "svg_file"]


@lru_cache(maxsize=1)
def figures() -> dict[str, Figure]:
    """Every figure by name, validated."""
    text = resources.files("backcheck.illustrations").joinpath("figures.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise FigureError("figures.yaml: must map figure names to figures")
    return {name: figure_from(name, spec) for name, spec in raw.items()}


def svg_dir() -> Path:
    """The folder the generated SVGs ship in (the web app's static illustrations)."""
    return Path(str(resources.files("backcheck.web"))) / "static" / "illustrations"


def svg_file(name: str) -> Path:
    """The shipped SVG of one figure."""
    return svg_dir() / f"{name}.svg"
