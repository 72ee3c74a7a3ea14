"""The heatmap's colours in the light and the dark theme, and the stylesheet carrying them.

Every run colour stands at least 3:1 (WCAG 1.4.11, graphics) against the page and against
a day without a run, in both themes. Neighbouring run colours cannot all be 3:1 apart too:
from white to black there is room for 21:1, and four steps of 3:1 would need 81:1. So the
four steps split the room evenly (about 1.6:1 each) and move in hue as well, as viridis
does (green, teal, blue, purple on white; teal, green, lime, yellow on dark), so a step is
a change of colour, not only of shade; the legend and each day's tooltip give the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Theme = Literal["auto", "light", "dark"]
"""`auto` follows the reader's `prefers-color-scheme`; `light`/`dark` fix one theme."""

LEVELS = 4
"""Distance levels of a day with a run (level 0 is a day without one)."""


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    text: str
    muted: str
    """Secondary text: the summary, the labels."""
    no_run: str
    levels: tuple[str, str, str, str]
    """Days with runs, from the shortest bucket to the longest."""
    today: str
    """The ring around today."""
    broken: str
    """The cross on the day that broke a streak."""

    def fills(self) -> tuple[str, ...]:
        """The fill of each level, 0 (no run) to LEVELS."""
        return (self.no_run, *self.levels)


LIGHT = Palette(
    background="#ffffff",
    text="#1f2328",
    muted="#59636e",
    no_run="#eef0f3",
    levels=("#569824", "#00726c", "#004591", "#3d105f"),
    today="#1f2328",
    broken="#cf222e",
)
DARK = Palette(
    background="#0d1117",
    text="#e6edf3",
    muted="#9198a1",
    no_run="#1c2129",
    levels=("#008074", "#2fa957", "#a3ce43", "#fff265"),
    today="#e6edf3",
    broken="#ff7b72",
)


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of `#rrggbb`."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2's contrast ratio of two `#rrggbb` colours, 1 to 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def mark_colour(palette: Palette, level: int) -> str:
    """The colour of a mark (a close call's dot, a streak start's flag) drawn on a day of
    `level`: the theme's text or background colour, whichever stands out more."""
    fill = palette.fills()[level]
    return max((palette.text, palette.background), key=lambda c: contrast_ratio(c, fill))


FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, 'Liberation Sans', sans-serif"


def _rules(p: Palette) -> str:
    levels = " ".join(f".hm-l{i} {{ fill: {c}; }}" for i, c in enumerate(p.fills()))
    marks = " ".join(f".hm-k{i} {{ fill: {mark_colour(p, i)}; }}" for i in range(LEVELS + 1))
    return (
        f".hm-bg {{ fill: {p.background}; }}\n"
        f".hm-text {{ fill: {p.text}; }} .hm-muted {{ fill: {p.muted}; }}\n"
        f"{levels}\n{marks}\n"
        f".hm-today {{ fill: none; stroke: {p.today}; stroke-width: 2; }}\n"
        f".hm-broken {{ stroke: {p.broken}; }} .hm-halo {{ stroke: {p.background}; }}\n"
    )


def stylesheet(theme: Theme) -> str:
    """The SVG's `<style>` text: shapes and fonts, then the colours of `theme`."""
    shapes = (
        f"text {{ font: 11px {FONT}; }}\n"
        ".hm-title { font-size: 14px; font-weight: 600; }\n"
        ".hm-mark, .hm-today, .hm-x { pointer-events: none; }\n"
        ".hm-x { fill: none; stroke-linecap: round; stroke-width: 2; }\n"
        ".hm-x.hm-halo { stroke-width: 4; }\n"
    )
    if theme == "light":
        return shapes + _rules(LIGHT)
    if theme == "dark":
        return shapes + _rules(DARK)
    return shapes + _rules(LIGHT) + "@media (prefers-color-scheme: dark) {\n" + _rules(DARK) + "}\n"
