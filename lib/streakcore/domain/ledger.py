"""The streak ledger: one row per streak day, with the runs that made it count.

This is the evidence a runner sends to a streak registry: for each day, which activities
counted, how far each went, and the UTC offset each one carried (a day is the run's own
local date, so a run abroad is only explainable with its offset).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from streakcore.domain.days import Day
from streakcore.domain.models import Run
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import Metres, MinimumMetres


class LedgerRow(BaseModel):
    """One streak day."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    streak_start: dt.date
    """The first day of the streak this day belongs to."""
    streak_day: int
    """Which day of that streak this is (1 on its first day)."""
    activity_ids: tuple[str, ...]
    distances_m: tuple[Metres, ...]
    utc_offsets: tuple[str, ...]
    """The offset each run carried, as `+HH:MM`, in the order of `activity_ids`."""
    sources: tuple[str, ...] = ()
    """Where each run came from (`smashrun`, `fit`, ..., `manual` for a run logged by hand:
    registries accept logs but want to see which days are logs), in the same order."""
    rule: RuleName
    min_distance_m: MinimumMetres


def counting_runs(day: Day, rule: StreakRule) -> tuple[Run, ...]:
    """The runs that made `day` count: every run (usrsa adds them up; any takes any),
    or under strict only the runs that reach the minimum on their own."""
    if rule.name is RuleName.STRICT:
        return tuple(a for a in day.activities if a.distance_m >= rule.min_distance_m)
    return tuple(day.activities)


def ledger(
    days: Iterable[Day],
    rule: StreakRule,
    *,
    first: date | None = None,
    last: date | None = None,
) -> list[LedgerRow]:
    """Rows for the qualifying days between `first` and `last` (inclusive), in date order.

    Streak positions are counted over the whole history, so a range that starts inside a
    streak still says which day of it each row is. The days must be built from their runs
    (`group_days`): a day of totals alone has no evidence to give.
    """
    rows: list[LedgerRow] = []
    streak_start = date.min
    previous: date | None = None
    for day in sorted(days, key=lambda d: d.local_date):
        if last is not None and day.local_date > last:
            break
        if not day.qualifies(rule):
            continue
        if previous is None or day.local_date - previous != timedelta(days=1):
            streak_start = day.local_date
        previous = day.local_date
        if first is not None and day.local_date < first:
            continue
        if not day.activities:
            raise ValueError(f"{day.local_date} has totals but no runs: build days from runs")
        runs = counting_runs(day, rule)
        rows.append(
            LedgerRow(
                date=day.local_date,
                streak_start=streak_start,
                streak_day=(day.local_date - streak_start).days + 1,
                activity_ids=tuple(a.activity_id for a in runs),
                distances_m=tuple(a.distance_m for a in runs),
                utc_offsets=tuple(a.utc_offset for a in runs),
                sources=tuple(a.source for a in runs),
                rule=rule.name,
                min_distance_m=rule.min_distance_m,
            )
        )
    return rows
