"""The pictures the README shows are the heatmap and badge as streakcore draws them now."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from svg_colours import SVG, theme_colours

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PICTURES = sorted(set(re.findall(r"docs/images/[\w-]+\.svg", README)))


def test_the_readme_shows_the_heatmap_in_both_themes_and_the_badge() -> None:
    assert {
        "docs/images/heatmap.svg",
        "docs/images/heatmap-dark.svg",
        "docs/images/badge.svg",
    } <= set(PICTURES)


@pytest.mark.parametrize("picture", [p for p in PICTURES if "heatmap" in p])
def test_each_heatmap_the_readme_shows_is_todays_design_in_one_unit(picture: str) -> None:
    svg = (ROOT / picture).read_text(encoding="utf-8")
    root = ET.fromstring(svg.encode())
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    # the grid with its cells and marks, the summary line and the legend
    classes = {g.get("class") for g in root.iter(f"{SVG}g")}
    assert {"hm-grid", "hm-legend"} <= classes
    assert any("runs" in t and " · " in t for t in texts)
    assert any(c.get("data-marks") == "today" for c in root.iter(f"{SVG}rect"))
    # one unit throughout, and a fixed theme matching the file's name
    assert not any(re.search(r"\d km\b", t) for t in texts)
    assert "(1.61 km)" not in svg
    colours = theme_colours(svg)
    assert colours["light"] == colours["dark"], "a README picture fixes its theme"
    background = colours["light"][".hm-bg"]["fill"]
    assert (background == "#0d1117") == picture.endswith("-dark.svg")
