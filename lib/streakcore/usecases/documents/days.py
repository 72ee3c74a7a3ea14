"""The days document: per-day totals of the last year or so, kept beside the database so the
page can draw its heatmap and say what today still needs without opening DuckDB.

It holds the days from `DAYS_KEPT` before the latest day, reaching further back only to the
first day of a streak (under the rule the sync materialises) that crosses that line, so
the heatmap can number its days and the evening check count the streak. A day is four
numbers; a year of them is about 30 KB of JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import BaseModel

from streakcore.domain.days import Day, qualifying_days
from streakcore.domain.rules import StreakRule
from streakcore.domain.streaks import find_streaks
from streakcore.usecases.documents.companions import Generational

DAYS_KEPT = timedelta(days=400)
"""A heatmap of the last 12 months, and a month's margin for a page read weeks after the
last sync."""


class DayTotals(BaseModel):
    """One local date with runs: [date, runs, distance_m, longest_m]."""

    local_date: date
    runs: int
    distance_m: float
    longest_m: float

    def as_day(self) -> Day:
        return Day(
            self.local_date,
            (),
            runs=self.runs,
            distance_m=self.distance_m,
            longest_m=self.longest_m,
        )


class DaysFile(Generational):
    days: list[DayTotals]

    def as_days(self) -> list[Day]:
        return [d.as_day() for d in self.days]


def first_day_kept(days: Sequence[Day], rule: StreakRule) -> date | None:
    """The earliest date the document keeps: `DAYS_KEPT` before the latest day, or the start
    of the streak under `rule` (the one the sync materialises) that crosses it."""
    if not days:
        return None
    cutoff = days[-1].local_date - DAYS_KEPT
    for streak in find_streaks(qualifying_days(days, rule)):
        if streak.start <= cutoff <= streak.end:
            return streak.start
    return cutoff


def days_file(
    days: Sequence[Day], *, rule: StreakRule, generation: int, db_etag: str | None
) -> DaysFile:
    """The document for `days` (in date order), keeping the whole streak under `rule` that
    crosses its first day."""
    first = first_day_kept(days, rule)
    kept = [
        DayTotals(
            local_date=d.local_date,
            runs=d.runs,
            distance_m=round(d.distance_m, 1),
            longest_m=round(d.longest_m, 1),
        )
        for d in days
        if first is not None and d.local_date >= first
    ]
    return DaysFile(generation=generation, db_etag=db_etag, days=kept)
