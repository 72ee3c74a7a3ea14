"""A GitHub-style calendar heatmap as hand-written SVG.

One block per calendar year: 7 rows (Monday to Sunday) by ~53 week columns, one `<rect>`
per day shown, coloured by the day's distance, streak days outlined, each with a `<title>`
tooltip. Colours live in an embedded stylesheet with a `prefers-color-scheme: dark`
variant, so the same file reads well on a light or a dark GitHub page.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from streakcore.domain.days import Day
from streakcore.domain.units import METRES_PER_MILE, metres_to_miles

CELL = 11
GAP = 3
STEP = CELL + GAP
LEFT = 34
"""Room for the weekday labels (and the year label above them)."""
RIGHT = 8
TITLE_H = 26
HEADER_H = 16
"""The row of month labels above each year's grid."""
BLOCK_GAP = 10
LEGEND_H = 28
CHAR_W = 6.0
"""Rough width of one 10 px sans-serif character, to lay the legend out."""

LEVEL_LIMITS_M: tuple[float, ...] = (METRES_PER_MILE, 5_000.0, 10_000.0, 21_097.5)
"""Lower bounds of levels 2..5; level 1 is any run under a mile, level 0 no run."""
LEVEL_LABELS = ("no run", "< 1 mi", "1 mi – 5K", "5K – 10K", "10K – half", "half +")

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}

# Greens from pale to deep on white, and from dim to bright on GitHub's dark background,
# so "more" always means "more contrast with the page". The outline is orange in both.
STYLE = """
.bg { fill: #ffffff; }
text { fill: #24292f; font: 10px -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; }
.title { font-size: 13px; font-weight: 600; }
.l0 { fill: #ebedf0; } .l1 { fill: #c6efce; } .l2 { fill: #9be9a8; }
.l3 { fill: #40c463; } .l4 { fill: #30a14e; } .l5 { fill: #216e39; }
.streak { stroke: #d9480f; stroke-width: 1.5; }
@media (prefers-color-scheme: dark) {
  .bg { fill: #0d1117; }
  text { fill: #c9d1d9; }
  .l0 { fill: #161b22; } .l1 { fill: #0a3019; } .l2 { fill: #0e4429; }
  .l3 { fill: #006d32; } .l4 { fill: #26a641; } .l5 { fill: #39d353; }
  .streak { stroke: #ffa657; }
}
"""


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def level_of(distance_m: float, runs: int) -> int:
    """0 for no run, 1 under a mile, then one level per bound in `LEVEL_LIMITS_M`."""
    if runs == 0:
        return 0
    return 1 + sum(1 for bound in LEVEL_LIMITS_M if distance_m >= bound)


def tooltip(day: date, distance_m: float, runs: int) -> str:
    """'2026-03-08: 3.1 mi (2 runs)' or '2026-03-08: no run'."""
    if runs == 0:
        return f"{day.isoformat()}: no run"
    plural = "run" if runs == 1 else "runs"
    return f"{day.isoformat()}: {metres_to_miles(distance_m):,.1f} mi ({runs} {plural})"


def _week_zero(year: int) -> date:
    """The Monday on or before 1 January: column 0 of that year's grid."""
    jan1 = date(year, 1, 1)
    return jan1 - timedelta(days=jan1.weekday())


def _columns(year: int) -> int:
    return (date(year, 12, 31) - _week_zero(year)).days // 7 + 1


def _text(x: float, y: float, content: str, css: str = "") -> str:
    cls = f" class={quoteattr(css)}" if css else ""
    return f'<text x="{x:g}" y="{y:g}"{cls}>{escape(content)}</text>'


def _block(
    year: int,
    first: date,
    last: date,
    y0: float,
    totals: dict[date, tuple[float, int]],
    streak_dates: Collection[date],
) -> list[str]:
    """The month labels, weekday labels and day cells of one year, from `first` to `last`."""
    zero = _week_zero(year)
    grid_y = y0 + HEADER_H
    parts = [_text(0, y0 + 10, str(year))]
    previous_col = -3
    for month in range(first.month, last.month + 1):
        shown_from = max(date(year, month, 1), first)
        col = (shown_from - zero).days // 7
        if col - previous_col >= 3:  # a label needs about three columns of room
            parts.append(_text(LEFT + col * STEP, y0 + 10, MONTHS[month - 1]))
            previous_col = col
    for row, name in WEEKDAY_LABELS.items():
        parts.append(_text(0, grid_y + row * STEP + CELL - 2, name))
    day = first
    while day <= last:
        distance_m, runs = totals.get(day, (0.0, 0))
        css = f"day l{level_of(distance_m, runs)}" + (" streak" if day in streak_dates else "")
        x = LEFT + ((day - zero).days // 7) * STEP
        y = grid_y + day.weekday() * STEP
        parts.append(
            f'<rect class="{css}" x="{x:g}" y="{y:g}" width="{CELL}" height="{CELL}" rx="2" '
            f'data-date="{day.isoformat()}"><title>{escape(tooltip(day, distance_m, runs))}'
            "</title></rect>"
        )
        day += timedelta(days=1)
    return parts


def _legend(y: float) -> tuple[list[str], float]:
    """The legend row and its width."""
    parts: list[str] = []
    x = 0.0
    for level, label in enumerate(LEVEL_LABELS):
        parts.append(
            f'<rect class="l{level}" x="{x:g}" y="{y:g}" width="{CELL}" height="{CELL}" rx="2"/>'
        )
        parts.append(_text(x + CELL + 4, y + CELL - 2, label))
        x += CELL + 4 + len(label) * CHAR_W + 12
    parts.append(
        f'<rect class="l0 streak" x="{x:g}" y="{y:g}" width="{CELL}" height="{CELL}" rx="2"/>'
    )
    parts.append(_text(x + CELL + 4, y + CELL - 2, "streak day"))
    x += CELL + 4 + len("streak day") * CHAR_W
    return parts, x


def heatmap_svg(
    days: Iterable[Day],
    *,
    first: date,
    last: date,
    streak_dates: Collection[date] = frozenset(),
    title: str = "",
) -> str:
    """The heatmap of every date from `first` to `last` (one year block per calendar year).

    `streak_dates` are outlined; `title` is drawn above the grid and names the image.
    """
    if last < first:
        raise ValueError(f"heatmap range ends ({last}) before it starts ({first})")
    totals = {d.local_date: (d.distance_m, d.runs) for d in days if first <= d.local_date <= last}
    years = range(first.year, last.year + 1)
    block_h = HEADER_H + 7 * STEP + BLOCK_GAP
    body: list[str] = []
    for i, year in enumerate(years):
        start, end = year_range(year)
        body += _block(
            year, max(first, start), min(last, end), TITLE_H + i * block_h, totals, streak_dates
        )
    legend, legend_w = _legend(TITLE_H + len(years) * block_h)
    grid_w = LEFT + max(_columns(y) for y in years) * STEP
    width = int(max(grid_w, legend_w)) + RIGHT
    height = TITLE_H + len(years) * block_h + LEGEND_H
    name = title or f"Running heatmap {first.isoformat()} to {last.isoformat()}"
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(name)}>',
            f"<title>{escape(name)}</title>",
            f"<style>{STYLE}</style>",
            f'<rect class="bg" x="0" y="0" width="{width}" height="{height}"/>',
            _text(0, 16, name, "title"),
            *body,
            *legend,
            "</svg>",
            "",
        ]
    )
