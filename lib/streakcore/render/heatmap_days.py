"""What the heatmap says about each day, before any drawing: its distance level, and the
marks that carry the streak (where one started, the day that broke it, the close calls).

The levels are the quartiles of the runner's own days, rounded to round numbers of their
unit. A streaker's days bunch up (most runs 5 to 8 km), so fixed race steps (5K, 10K,
half) paint most of a year in one colour; quartiles give each colour about a quarter of
the days, and the legend still reads in round numbers ("5–7 km").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from streakcore.domain.days import Day, qualifying_days
from streakcore.domain.milestones import close_call
from streakcore.domain.rules import StreakRule
from streakcore.domain.streaks import Streak, current_streak, find_streaks
from streakcore.domain.units import UNIT_METRES, DistanceUnit, format_distance

QUANTILE_WINDOW = timedelta(days=365)
"""The days the levels are cut from: the year up to the picture's last day."""
MIN_DAYS_FOR_QUANTILES = 12
"""Fewer days with runs than this (a picture of January 3rd) and the levels fall back to
`FALLBACK_BOUNDS`: quartiles of a handful of days would jump about."""
FALLBACK_BOUNDS: dict[DistanceUnit, tuple[float, float, float]] = {
    "km": (5.0, 8.0, 12.0),
    "mi": (3.0, 5.0, 8.0),
}
"""Bounds, in the unit, of levels 2, 3 and 4 when there are too few days to cut."""
MARKED_STREAK_DAYS = 7
"""A streak this long or longer gets its start, its close calls and its end marked; the
single days of someone who runs every other day would be noise."""


class Mark(StrEnum):
    TODAY = "today"
    START = "start"
    """The first day of a streak of at least MARKED_STREAK_DAYS."""
    CLOSE = "close"
    """A day of such a streak that counted with less than 5% to spare."""
    BROKEN = "broken"
    """The day after such a streak: a whole day that did not count, so the streak ended."""


@dataclass(frozen=True, slots=True)
class Buckets:
    """Three bounds, in metres, cutting days with runs into levels 1 to 4."""

    bounds_m: tuple[float, float, float]
    unit: DistanceUnit

    def level(self, distance_m: float, runs: int) -> int:
        """0 for no run, else 1 + the number of bounds the day reaches."""
        if runs == 0:
            return 0
        return 1 + sum(1 for bound in self.bounds_m if distance_m >= bound)

    def labels(self) -> tuple[str, str, str, str]:
        """'< 5 km', '5–8 km', '8–12 km', '≥ 12 km'."""
        a, b, c = (_number(bound / UNIT_METRES[self.unit]) for bound in self.bounds_m)
        u = self.unit
        return (f"< {a} {u}", f"{a}–{b} {u}", f"{b}–{c} {u}", f"≥ {c} {u}")


def _number(value: float) -> str:
    """3 -> '3', 2.5 -> '2.5'."""
    return f"{value:g}"


def _nice(value: float) -> float:
    """Round to a number a legend can carry: halves under 5, whole numbers above."""
    step = 0.5 if value < 5 else 1.0
    return max(step, round(value / step) * step)


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    """The `q` quantile by linear interpolation between the closest ranks."""
    position = q * (len(sorted_values) - 1)
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


def buckets_for(days: Sequence[Day], unit: DistanceUnit, *, last: date) -> Buckets:
    """The levels for a picture ending on `last`: quartiles of the distances of the days
    with runs in the year before it, in `unit`, rounded and kept strictly increasing."""
    window = [
        d.distance_m / UNIT_METRES[unit]
        for d in days
        if d.runs and last - QUANTILE_WINDOW < d.local_date <= last
    ]
    if len(window) < MIN_DAYS_FOR_QUANTILES:
        bounds = list(FALLBACK_BOUNDS[unit])
    else:
        window.sort()
        bounds = [_nice(_quantile(window, q)) for q in (0.25, 0.5, 0.75)]
        for i in (1, 2):
            if bounds[i] <= bounds[i - 1]:
                bounds[i] = bounds[i - 1] + (0.5 if bounds[i - 1] < 5 else 1.0)
    a, b, c = (bound * UNIT_METRES[unit] for bound in bounds)
    return Buckets(bounds_m=(a, b, c), unit=unit)


@dataclass(frozen=True, slots=True)
class DayFacts:
    """One drawn day: what the cell shows and its tooltip says."""

    local_date: date
    distance_m: float
    runs: int
    level: int
    marks: frozenset[Mark]
    streak_day: int | None
    """Which day of a streak this is (1 on its first day); None off any streak."""

    def tooltip(self, unit: DistanceUnit) -> str:
        """'Sun 2026-03-08: 5.03 km (2 runs), streak day 118, close call'."""
        head = f"{self.local_date:%a} {self.local_date.isoformat()}"
        if self.runs:
            plural = "run" if self.runs == 1 else "runs"
            parts = [f"{head}: {format_distance(self.distance_m, unit)} ({self.runs} {plural})"]
        else:
            parts = [f"{head}: no run"]
        if self.streak_day is not None:
            parts.append(f"streak day {self.streak_day:,}")
        words = {
            Mark.START: "streak start",
            Mark.CLOSE: "close call",
            Mark.BROKEN: "streak broken",
            Mark.TODAY: "today",
        }
        parts += [words[m] for m in Mark if m in self.marks]
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Picture:
    """Everything the heatmap draws, worked out from the days."""

    first: date
    last: date
    """The last day drawn: the range's end, or today when the range runs past it."""
    today: date
    buckets: Buckets
    days: tuple[DayFacts, ...]
    """Every date from `first` to `last`, in order."""
    runs: int
    distance_m: float
    longest_days: int
    """The longest streak that has a day in the picture, counted whole."""
    current_days: int
    """The current streak at `today` (0 when broken, or when today is not drawn)."""
    close_calls: int


def picture_of(
    days: Sequence[Day],
    *,
    first: date,
    last: date,
    today: date,
    rule: StreakRule,
    unit: DistanceUnit,
) -> Picture:
    """The picture of the dates `first` to `last` as they stood on `today` (the home
    zone's date): days after today are not drawn, they have not happened. `days` are those
    that had happened by then; a run abroad, where it was already tomorrow, is drawn on
    its own date, as the streak counts it."""
    known = list(days)
    latest = max((d.local_date for d in known), default=today)
    drawn_last = min(last, max(today, latest))
    streaks = find_streaks(qualifying_days(known, rule))
    marked = [s for s in streaks if s.days >= MARKED_STREAK_DAYS]
    buckets = buckets_for(known, unit, last=drawn_last)
    by_date = {d.local_date: d for d in known if first <= d.local_date <= drawn_last}
    marks = _marks(by_date, marked, rule, today)
    position = _streak_positions(streaks, first, drawn_last)
    facts = []
    day = first
    while day <= drawn_last:
        found = by_date.get(day)
        distance_m, runs = (found.distance_m, found.runs) if found else (0.0, 0)
        facts.append(
            DayFacts(
                local_date=day,
                distance_m=distance_m,
                runs=runs,
                level=buckets.level(distance_m, runs),
                marks=frozenset(marks.get(day, ())),
                streak_day=position.get(day),
            )
        )
        day += timedelta(days=1)
    shown = [s for s in streaks if s.end >= first and s.start <= drawn_last]
    current = current_streak(streaks, today)
    return Picture(
        first=first,
        last=drawn_last,
        today=today,
        buckets=buckets,
        days=tuple(facts),
        runs=sum(d.runs for d in by_date.values()),
        distance_m=sum(d.distance_m for d in by_date.values()),
        longest_days=max((s.days for s in shown), default=0),
        current_days=current.days if first <= today <= last else 0,
        close_calls=sum(1 for f in facts if Mark.CLOSE in f.marks),
    )


def _marks(
    by_date: dict[date, Day], marked: Sequence[Streak], rule: StreakRule, today: date
) -> dict[date, set[Mark]]:
    marks: dict[date, set[Mark]] = {today: {Mark.TODAY}}
    for streak in marked:
        marks.setdefault(streak.start, set()).add(Mark.START)
        after = streak.end + timedelta(days=1)
        # The day after the last one broke the streak only once it is over: today may
        # still count (the streak is at risk, not broken).
        if after < today:
            marks.setdefault(after, set()).add(Mark.BROKEN)
        for day, facts in by_date.items():
            if streak.start <= day <= streak.end and close_call(facts, rule) is not None:
                marks.setdefault(day, set()).add(Mark.CLOSE)
    return marks


def _streak_positions(streaks: Sequence[Streak], first: date, last: date) -> dict[date, int]:
    """The streak day number of every drawn date that belongs to a streak."""
    positions: dict[date, int] = {}
    for streak in streaks:
        if streak.end < first or streak.start > last:
            continue
        day = max(streak.start, first)
        while day <= min(streak.end, last):
            positions[day] = (day - streak.start).days + 1
            day += timedelta(days=1)
    return positions
