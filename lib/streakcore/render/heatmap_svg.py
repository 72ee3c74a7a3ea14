"""A calendar heatmap for streakers, as hand-written SVG.

Weeks are columns (Monday on top), coloured by each day's distance in four levels cut
from the runner's own year (`heatmap_days`). The streak is drawn where it says something:
a flag where a streak of a week or more began, a dot on its close calls, a cross on the
day that broke it, and a ring around today; days after today are not drawn. A title and a
one-line summary (runs, distance, longest and current streak) sit above the grid, a
legend in the runner's unit below it. Colours come from a stylesheet with a
`prefers-color-scheme: dark` variant (`heatmap_palette`), so one file reads well on a
light or a dark page.

The entry points take the days, "today" and the unit and return the SVG text:
`year_heatmap` (a calendar year), `streak_heatmap` (the current streak, sized to it) and
`heatmap_svg` (any range). A range longer than a year wraps into rows of a year's weeks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from streakcore.domain.days import Day
from streakcore.domain.rules import StreakRule
from streakcore.domain.streaks import current_streak, find_streaks
from streakcore.domain.units import DistanceUnit, format_distance
from streakcore.render.heatmap_days import Buckets, DayFacts, Mark, Picture, picture_of
from streakcore.render.heatmap_palette import Theme, stylesheet

CELL = 12
GAP = 3
STEP = CELL + GAP
PAD = 12
LEFT = 30
"""Room for the weekday labels."""
TITLE_H = 22
LINE_H = 16
HEADER_H = 16
"""The row of month labels above each block of weeks."""
BLOCK_GAP = 12
WEEKS_PER_ROW = 54
"""A calendar year spans 53 or 54 week columns: one row. A longer range wraps."""
MIN_CONTENT_W = 420
"""The legend needs about this much; a short streak's grid is narrower."""
CHAR_W = 5.9
"""Rough width of one 11 px sans-serif character, to lay text out."""
TITLE_CHAR_W = 7.4

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY_LABELS = {0: "Mon", 2: "Wed", 4: "Fri"}
MARK_LABELS = {
    Mark.TODAY: "today",
    Mark.START: "streak start",
    Mark.CLOSE: "close call (< 5% over)",
    Mark.BROKEN: "missed: streak broken",
}


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def year_heatmap(
    days: Iterable[Day],
    *,
    year: int,
    today: date,
    units: DistanceUnit,
    rule: StreakRule | None = None,
    theme: Theme = "auto",
) -> str:
    """The calendar year `year` as it stood on `today` (later days are left blank)."""
    first, last = year_range(year)
    return heatmap_svg(
        days, first=first, last=last, today=today, units=units, rule=rule, title=str(year),
        theme=theme,
    )  # fmt: skip


def streak_heatmap(
    days: Iterable[Day],
    *,
    today: date,
    units: DistanceUnit,
    rule: StreakRule | None = None,
    theme: Theme = "auto",
) -> str:
    """The current streak at `today`, from its first day to today, sized to it.
    ValueError when there is no current streak."""
    rule = rule or StreakRule()
    known = list(days)
    current = current_streak(find_streaks(d for d in known if d.qualifies(rule)), today)
    if current.start is None or current.days == 0:
        raise ValueError(f"no current streak on {today}")
    last = max(today, current.last_day or today)  # a run abroad may already be tomorrow's
    return heatmap_svg(
        known, first=current.start, last=last, today=today, units=units, rule=rule,
        title="Current streak", theme=theme, streak_view=True,
    )  # fmt: skip


def heatmap_svg(
    days: Iterable[Day],
    *,
    first: date,
    last: date,
    today: date,
    units: DistanceUnit,
    rule: StreakRule | None = None,
    title: str | None = None,
    theme: Theme = "auto",
    streak_view: bool = False,
) -> str:
    """The dates `first` to `last` as they stood on `today`, distances in `units`, the
    streak judged by `rule` (default: usrsa, one mile). `title` names the picture (default:
    the range); `streak_view` sums it up as one streak rather than a calendar range."""
    if last < first:
        raise ValueError(f"heatmap range ends ({last}) before it starts ({first})")
    rule = rule or StreakRule()
    picture = picture_of(list(days), first=first, last=last, today=today, rule=rule, unit=units)
    name = title or f"{first.isoformat()} to {last.isoformat()}"
    summary = _summary(picture, units, streak_view=streak_view)
    return _Drawing(picture, units, rule, name, summary, theme, calendar_last=last).svg()


def _summary(picture: Picture, unit: DistanceUnit, *, streak_view: bool) -> list[str]:
    """The one-line summary, as items joined by ' · '."""
    runs = f"{picture.runs:,} run" + ("" if picture.runs == 1 else "s")
    distance = format_distance(picture.distance_m, unit, decimals=0)
    if streak_view:
        items = [f"{picture.current_days:,} days since {picture.first:%-d %b %Y}", runs, distance]
        if picture.close_calls:
            close = "close call" if picture.close_calls == 1 else "close calls"
            items.append(f"{picture.close_calls} {close}")
        return items
    items = [runs, distance, f"longest streak {picture.longest_days:,} days"]
    if picture.first <= picture.today <= picture.last:
        items.append(f"current streak {picture.current_days:,} days")
    return items


def _text(x: float, y: float, content: str, css: str = "hm-muted") -> str:
    return f'<text x="{x:g}" y="{y:g}" class="{css}">{escape(content)}</text>'


def _flow(items: list[str], width: float, char_w: float = CHAR_W, sep: str = " · ") -> list[str]:
    """`items` joined by `sep` into lines of at most `width` pixels (a long item alone)."""
    lines: list[str] = []
    for item in items:
        if lines and (len(lines[-1]) + len(sep) + len(item)) * char_w <= width:
            lines[-1] += sep + item
        else:
            lines.append(item)
    return lines


class _Drawing:
    """The layout of one picture: title and summary, blocks of weeks, legend."""

    def __init__(
        self,
        picture: Picture,
        unit: DistanceUnit,
        rule: StreakRule,
        name: str,
        summary: list[str],
        theme: Theme,
        *,
        calendar_last: date,
    ) -> None:
        self.picture = picture
        self.unit = unit
        self.rule = rule
        self.name = name
        self.summary = summary
        self.theme = theme
        self.calendar_last = calendar_last
        first = picture.first
        self.week_zero = first - timedelta(days=first.weekday())
        # A calendar keeps its whole width (the weeks still to come stay blank); a streak
        # ends with this week.
        self.columns = (calendar_last - self.week_zero).days // 7 + 1
        self.rows = -(-self.columns // WEEKS_PER_ROW)
        grid_w = LEFT + min(self.columns, WEEKS_PER_ROW) * STEP - GAP
        self.content_w = max(grid_w, MIN_CONTENT_W)
        self.width = int(self.content_w + 2 * PAD)

    # -- where things go -------------------------------------------------------------------

    def _cell_xy(self, day: date, grid_top: float) -> tuple[float, float]:
        column = (day - self.week_zero).days // 7
        row, col = divmod(column, WEEKS_PER_ROW)
        block_top = grid_top + row * (HEADER_H + 7 * STEP + BLOCK_GAP)
        return PAD + LEFT + col * STEP, block_top + HEADER_H + day.weekday() * STEP

    # -- the parts -------------------------------------------------------------------------

    def _heading(self) -> tuple[list[str], float]:
        """Title and summary; the summary joins the title's line when it fits."""
        title_w = len(self.name) * TITLE_CHAR_W + 12
        parts = [_text(PAD, PAD + 14, self.name, "hm-text hm-title")]
        beside = _flow(self.summary, self.content_w - title_w)
        if len(beside) == 1:
            parts.append(_text(PAD + title_w, PAD + 13, beside[0]))
            return parts, PAD + TITLE_H
        y = PAD + TITLE_H
        for line in _flow(self.summary, self.content_w):
            parts.append(_text(PAD, y + 10, line))
            y += LINE_H
        return parts, y + 2

    def _blocks(self, top: float) -> tuple[list[str], float]:
        parts: list[str] = []
        block_h = HEADER_H + 7 * STEP + BLOCK_GAP
        for row in range(self.rows):
            block_top = top + row * block_h
            for weekday, label in WEEKDAY_LABELS.items():
                y = block_top + HEADER_H + weekday * STEP + CELL - 2
                parts.append(_text(PAD, y, label))
            parts += self._month_labels(row, block_top)
        for facts in self.picture.days:
            parts += self._cell(facts, top)
        return parts, top + self.rows * block_h - BLOCK_GAP

    def _month_labels(self, row: int, block_top: float) -> list[str]:
        """A label above the column where each month starts (or the range does); a label
        too close to the next is left out, so a few days of a month at the start of the
        range give way to the next month. When the range spans years, each row names the
        year it starts in (left of the month labels) and January says its year."""
        first_col = row * WEEKS_PER_ROW
        spans_years = self.picture.first.year != self.calendar_last.year or self.rows > 1
        found: list[tuple[int, str]] = []
        month = date(self.picture.first.year, self.picture.first.month, 1)
        while month <= self.calendar_last:
            col = (max(month, self.picture.first) - self.week_zero).days // 7 - first_col
            if 0 <= col < WEEKS_PER_ROW:
                label = MONTHS[month.month - 1]
                found.append(
                    (col, f"{label} {month.year}" if spans_years and month.month == 1 else label)
                )
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        next_cols = [col for col, _ in found[1:]] + [WEEKS_PER_ROW + 9] * bool(found)
        kept = [
            (col, label)
            for (col, label), next_col in zip(found, next_cols, strict=True)
            if (next_col - col) * STEP >= len(label) * CHAR_W + 4
        ]
        parts = [_text(PAD + LEFT + col * STEP, block_top + 11, label) for col, label in kept]
        if spans_years:
            row_start = max(self.picture.first, self.week_zero + timedelta(weeks=first_col))
            parts.append(_text(PAD, block_top + 11, str(row_start.year), "hm-text"))
        return parts

    def _cell(self, facts: DayFacts, grid_top: float) -> list[str]:
        x, y = self._cell_xy(facts.local_date, grid_top)
        marks = " ".join(m.value for m in Mark if m in facts.marks)
        data_marks = f' data-marks="{marks}"' if marks else ""
        parts = [
            f'<rect class="hm-day hm-l{facts.level}" x="{x:g}" y="{y:g}" width="{CELL}" '
            f'height="{CELL}" rx="2" data-date="{facts.local_date.isoformat()}" '
            f'data-level="{facts.level}"{data_marks}>'
            f"<title>{escape(facts.tooltip(self.unit))}</title></rect>"
        ]
        parts += _marks_at(x, y, facts.level, facts.marks)
        return parts

    def _legend(self, top: float) -> tuple[list[str], float]:
        """A swatch per level and per mark drawn, then the rule, flowed into lines."""
        present = [m for m in Mark if any(m in f.marks for f in self.picture.days)]
        swatches: list[tuple[int, frozenset[Mark], str]] = [(0, frozenset(), "no run")]
        swatches += [
            (level, frozenset(), label)
            for level, label in enumerate(self.picture.buckets.labels(), start=1)
        ]
        swatches += [(_swatch_level(m), frozenset({m}), MARK_LABELS[m]) for m in present]
        parts: list[str] = []
        x, y = 0.0, top
        for level, marks, label in swatches:
            item_w = CELL + 5 + len(label) * CHAR_W + 14
            if x and x + item_w > self.content_w:
                x, y = 0.0, y + LINE_H + 2
            sx = PAD + x
            parts.append(
                f'<rect class="hm-l{level}" x="{sx:g}" y="{y:g}" width="{CELL}" '
                f'height="{CELL}" rx="2"/>'
            )
            parts += _marks_at(sx, y, level, marks)
            parts.append(_text(sx + CELL + 5, y + CELL - 2, label))
            x += item_w
        notes = [
            f"a streak day: {_rule_text(self.rule, self.unit)}",
            "levels: quartiles of the last 12 months",
        ]
        y += 4
        for line in _flow(notes, self.content_w, sep="; "):
            y += LINE_H
            parts.append(_text(PAD, y + CELL - 2, line))
        return parts, y + LINE_H

    def svg(self) -> str:
        heading, y = self._heading()
        blocks, y = self._blocks(y + 4)
        legend, y = self._legend(y + 12)
        height = int(y + PAD)
        label = f"{self.name}: {', '.join(self.summary)}"
        return "\n".join(
            [
                f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
                f'height="{height}" viewBox="0 0 {self.width} {height}" role="img" '
                f"aria-label={quoteattr(label)}>",
                f"<title>{escape(label)}</title>",
                f"<style>\n{stylesheet(self.theme)}</style>",
                f'<rect class="hm-bg" x="0" y="0" width="{self.width}" height="{height}"/>',
                *heading,
                '<g class="hm-grid">',
                *blocks,
                "</g>",
                '<g class="hm-legend">',
                *legend,
                "</g>",
                "</svg>",
                "",
            ]
        )


def _swatch_level(mark: Mark) -> int:
    """The level a mark's legend swatch is drawn on: where the mark usually stands."""
    return {Mark.TODAY: 2, Mark.START: 2, Mark.CLOSE: 1, Mark.BROKEN: 0}[mark]


def _marks_at(x: float, y: float, level: int, marks: frozenset[Mark]) -> list[str]:
    """The marks of one cell whose top-left corner is (x, y)."""
    parts: list[str] = []
    if Mark.START in marks:
        # A flag in the top-left corner.
        parts.append(f'<path class="hm-mark hm-k{level}" d="M{x + 1:g} {y + 1:g}h7l-7 7z"/>')
    if Mark.CLOSE in marks:
        parts.append(
            f'<circle class="hm-mark hm-k{level}" cx="{x + CELL / 2:g}" '
            f'cy="{y + CELL / 2:g}" r="2.5"/>'
        )
    if Mark.BROKEN in marks:
        cross = f"M{x + 3:g} {y + 3:g}l6 6m0 -6l-6 6"
        parts.append(f'<path class="hm-x hm-halo" d="{cross}"/>')
        parts.append(f'<path class="hm-x hm-broken" d="{cross}"/>')
    if Mark.TODAY in marks:
        parts.append(
            f'<rect class="hm-today" x="{x - 1.5:g}" y="{y - 1.5:g}" width="{CELL + 3}" '
            f'height="{CELL + 3}" rx="3"/>'
        )
    return parts


def _rule_text(rule: StreakRule, unit: DistanceUnit) -> str:
    minimum = format_distance(rule.min_distance_m, unit)
    return {
        "usrsa": f"at least {minimum} in the day (usrsa)",
        "strict": f"one run of at least {minimum} (strict)",
        "any": "any run (any)",
    }[rule.name.value]


__all__ = ["Buckets", "heatmap_svg", "streak_heatmap", "year_heatmap", "year_range"]
