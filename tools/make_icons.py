"""Render the app icon (src/backcheck/web/static/icons/icon.svg) to the PNG sizes phones ask
for, with the Debian Chromium the tests use. Run after editing the SVG and commit the PNGs:

    .venv/bin/python tools/make_icons.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "src" / "backcheck" / "web" / "static" / "icons"
SIZES = {"icon-192.png": 192, "icon-512.png": 512, "apple-touch-icon.png": 180}


def main() -> None:
    """Write every size next to the SVG."""
    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        for name, size in SIZES.items():
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                "<html><body style='margin:0'>"
                + svg.replace("<svg ", f"<svg width='{size}' height='{size}' ", 1)
                + "</body></html>"
            )
            page.screenshot(path=str(ICONS / name), omit_background=False)
            page.close()
            print(f"wrote {ICONS / name} ({size}x{size})")
        browser.close()


if __name__ == "__main__":
    main()
