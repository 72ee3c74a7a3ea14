"""Streaks: runs of consecutive qualifying calendar days."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from streakcore.domain.days import Day
from streakcore.domain.units import Metres

ONE_DAY = timedelta(days=1)


class Streak(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date
    days: int
    distance_m: Metres
    runs: int


class StreakStatus(StrEnum):
    DONE_TODAY = "done_today"
    """Today already qualifies."""
    AT_RISK = "at_risk"
    """Yesterday qualified, today not yet: run before midnight to keep it."""
    BROKEN = "broken"
    """Neither today nor yesterday qualified."""


class CurrentStreak(BaseModel):
    model_config = ConfigDict(frozen=True)

    days: int
    start: date | None
    last_day: date | None
    status: StreakStatus
    distance_m: Metres


def find_streaks(qualifying: Iterable[Day]) -> list[Streak]:
    """Streaks in date order from qualifying days (any order, no duplicates)."""
    streaks: list[Streak] = []
    run: list[Day] = []
    for day in sorted(qualifying, key=lambda d: d.local_date):
        if run and day.local_date - run[-1].local_date != ONE_DAY:
            streaks.append(_streak_of(run))
            run = []
        run.append(day)
    if run:
        streaks.append(_streak_of(run))
    return streaks


def _streak_of(days: Sequence[Day]) -> Streak:
    return Streak(
        start=days[0].local_date,
        end=days[-1].local_date,
        days=len(days),
        distance_m=sum(d.distance_m for d in days),
        runs=sum(d.runs for d in days),
    )


def today_in(as_of: datetime, tz: ZoneInfo) -> date:
    """The home calendar date at the instant `as_of`."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    return as_of.astimezone(tz).date()


def current_streak(streaks: Sequence[Streak], today: date) -> CurrentStreak:
    """The streak alive at `today`: it survives until midnight with yesterday's run.

    A run abroad can carry a local date later than the home date (Tokyo is ahead of New
    York); a streak whose last day is on or after today is done for today.
    """
    latest = max(streaks, key=lambda s: s.end, default=None)
    if latest is not None and latest.end >= today:
        status = StreakStatus.DONE_TODAY
    elif latest is not None and latest.end == today - ONE_DAY:
        status = StreakStatus.AT_RISK
    else:
        return CurrentStreak(
            days=0,
            start=None,
            last_day=latest.end if latest else None,
            status=StreakStatus.BROKEN,
            distance_m=0.0,
        )
    return CurrentStreak(
        days=latest.days,
        start=latest.start,
        last_day=latest.end,
        status=status,
        distance_m=latest.distance_m,
    )


def longest_streak(streaks: Iterable[Streak]) -> Streak | None:
    """The longest streak; on a tie, the more recent one."""
    best: Streak | None = None
    for streak in streaks:
        if best is None or streak.days >= best.days:
            best = streak
    return best
