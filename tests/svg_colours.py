"""Reading a heatmap SVG as a reader's eye would: its colours per theme, and WCAG 2's
contrast ratios between them, computed here from the SVG text (not from the renderer's
own palette), so the test measures what is drawn."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
DARK_QUERY = "@media (prefers-color-scheme: dark)"
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def style_text(svg: str) -> str:
    style = ET.fromstring(svg.encode()).find(f"{SVG}style")
    assert style is not None, "the SVG has no stylesheet"
    assert style.text, "the SVG's stylesheet is empty"
    return style.text


def _colours(block: str) -> dict[str, dict[str, str]]:
    """Selector -> {property: value} of every rule in a block without nested blocks."""
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in _RULE.findall(block):
        declarations = dict(
            (name.strip(), value.strip())
            for name, _, value in (d.partition(":") for d in body.split(";"))
            if value.strip()
        )
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), {}).update(declarations)
    return rules


def theme_colours(svg: str) -> dict[str, dict[str, dict[str, str]]]:
    """{'light': rules, 'dark': rules}: the dark theme is the light rules overridden by the
    `prefers-color-scheme: dark` block."""
    text = style_text(svg)
    light_text, _, dark_text = text.partition(DARK_QUERY)
    light = _colours(light_text)
    dark = {selector: dict(props) for selector, props in light.items()}
    for selector, props in _colours(dark_text.strip().removeprefix("{")).items():
        dark.setdefault(selector, {}).update(props)
    return {"light": light, "dark": dark}


def fill(rules: dict[str, dict[str, str]], selector: str, prop: str = "fill") -> str:
    value = rules[selector][prop]
    assert re.fullmatch(r"#[0-9a-f]{6}", value), f"{selector} {prop}: {value}"
    return value


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
