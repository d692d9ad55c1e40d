"""The pairing link as a QR code: for the terminal and as SVG for a page (segno)."""

from __future__ import annotations

import io

import segno


def qr_terminal(link: str) -> str:
    """The QR code drawn with half-block characters, two modules per character row."""
    out = io.StringIO()
    segno.make(link, error="m").terminal(out=out, compact=True, border=2)
    return out.getvalue()


def qr_svg(link: str) -> str:
    """The QR code as an inline <svg> element (no XML declaration), scalable by CSS."""
    code = segno.make(link, error="m")
    return str(
        code.svg_inline(scale=6, border=2, dark="#111", light="#fff", omitsize=True, title=link)
    )
