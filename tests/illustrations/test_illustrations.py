"""Every exercise the plan can prescribe has a figure: drawn by the project, valid SVG with no
script or inline style (so the app's CSP holds), shipped up to date, animated, and it renders
in Chromium (screenshots in artifacts/screenshots/illustrations/)."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from backcheck.core import load_knowledge
from backcheck.illustrations import FigureError, figures, render_svg, svg_dir, svg_file
from backcheck.illustrations.draw import figure_from, render_still
from tests.browser import CHROMIUM

KB = load_knowledge()
SVG = "{http://www.w3.org/2000/svg}"
PRESCRIBED = sorted({name for item in KB.plan_items for name in item.illustrations})
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots" / "illustrations"


def test_every_exercise_names_figures_that_exist() -> None:
    assert len(PRESCRIBED) >= 19
    for item in KB.plan_items:
        if item.kind == "exercise":
            assert item.illustrations, item.id
        for name in item.illustrations:
            assert name in figures(), (item.id, name)
            assert svg_file(name).is_file(), (item.id, name)


def test_no_figure_is_left_unused() -> None:
    assert set(figures()) == set(PRESCRIBED)


@pytest.mark.parametrize("name", PRESCRIBED)
def test_shipped_svg_is_current_valid_and_safe(name: str) -> None:
    text = svg_file(name).read_text(encoding="utf-8")
    assert text == render_svg(figures()[name]), "run: python -m backcheck.illustrations"
    root = ET.fromstring(text)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title") is not None and (root.findtext(f"{SVG}title") or "").strip()
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "style", "foreignObject", "image", "use", "a"}, tags
    for element in root.iter():
        for attribute in element.attrib:
            assert attribute != "style" and not attribute.startswith("on"), (name, attribute)
            assert "href" not in attribute, (name, attribute)
    assert "animate" in tags, f"{name} does not move"


def test_a_broken_figure_fails_naming_it() -> None:
    with pytest.raises(FigureError, match="wobble"):
        figure_from("wobble", {"title": "W", "cue": "c", "keyframes": [{"pose": {}}]})
    with pytest.raises(FigureError, match="cue"):
        figure_from("wobble", {"title": "W", "cue": " ", "keyframes": [{}, {}]})


def test_the_figures_stand_on_the_floor_inside_the_picture() -> None:
    for name, figure in figures().items():
        for index, frame in enumerate(figure.keyframes):
            for joint, (x, y) in frame.joints.items():
                assert 0 <= x <= 240 and 0 <= y <= 170, (name, index, joint, x, y)


@pytest.mark.slow
def test_figures_render_and_move_in_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium not installed: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cells = "".join(
        f'<figure><img id="{n}" src="{svg_file(n).as_uri()}" width="240" height="200" '
        f'alt="{n}"><figcaption>{n}</figcaption></figure>'
        for n in PRESCRIBED
    )
    page_html = (
        "<html><body style='display:flex;flex-wrap:wrap;margin:4px;font:12px sans-serif'>"
        f"{cells}</body></html>"
    )
    stills = "".join(
        f'<img width="240" src="data:image/svg+xml;base64,'
        f'{base64.b64encode(render_still(figures()[n], i).encode()).decode()}">'
        for n in PRESCRIBED
        for i in range(len(figures()[n].keyframes))
    )
    html_path = SCREENSHOTS / "all.html"
    html_path.write_text(page_html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page: Any = browser.new_page(viewport={"width": 1200, "height": 1500})
        page.goto(html_path.as_uri())
        page.wait_for_load_state("load")
        for name in PRESCRIBED:
            width = page.eval_on_selector(f"#{name}", "img => img.naturalWidth")
            assert width == 240, f"{name} did not render"
        boxes = {n: page.locator(f"#{n}").bounding_box() for n in PRESCRIBED}
        shots = []
        for _ in range(4):  # whole-page shots over ~2 s; each figure must change in them
            shots.append(Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB"))
            page.wait_for_timeout(600)
        moved = []
        for name in PRESCRIBED:
            b = boxes[name]
            area = (int(b["x"]), int(b["y"]), int(b["x"] + b["width"]), int(b["y"] + b["height"]))
            crops = [shot.crop(area).tobytes() for shot in shots]
            moved.append(len(set(crops)) > 1)
        page.screenshot(path=str(SCREENSHOTS / "all_figures.png"), full_page=True)
        page.set_content(f"<html><body style='margin:4px'>{stills}</body></html>")
        page.screenshot(path=str(SCREENSHOTS / "all_keyframes.png"), full_page=True)
        browser.close()
    assert all(moved), [n for n, m in zip(PRESCRIBED, moved, strict=True) if not m]
    assert svg_dir().is_dir()
