"""Regenerate the shipped SVGs: ``python -m backcheck.illustrations [--check]``."""

from __future__ import annotations

import sys

from backcheck.illustrations import figures, render_svg, svg_dir


def main(argv: list[str]) -> int:
    """Write every figure's SVG (or, with --check, report the ones out of date)."""
    check = "--check" in argv
    folder = svg_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, figure in figures().items():
        path = folder / f"{name}.svg"
        text = render_svg(figure)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(name)
        if not check:
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    print(f"{len(figures())} figures, {len(stale)} {'stale' if check else 'written'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
