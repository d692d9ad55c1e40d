"""What makes the app installable from a phone: the web app manifest (icons drawn by the
project live in static/icons; the PNGs are rendered from the SVG by tools/make_icons.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.responses import Response

pages = APIRouter(include_in_schema=False)

MANIFEST: dict[str, Any] = {
    "name": "backcheck: lifting and lower back pain",
    "short_name": "backcheck",
    "description": "Red flags first, likely cause, a plan, a video check and a pain journal.",
    "id": "/",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "orientation": "portrait",
    "background_color": "#f6f8fa",
    "theme_color": "#24292f",
    "icons": [
        {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml"},
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {
            "src": "/static/icons/icon-512.png",
            "sizes": "512x512",
            "type": "image/png",
            "purpose": "maskable",
        },
    ],
}


@pages.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest (carries no data, so it is open in network mode too)."""
    return JSONResponse(
        MANIFEST,
        media_type="application/manifest+json",
        headers={"cache-control": "public, max-age=3600"},
    )
