"""Milestones and projections: where the current streak goes next if it holds.

Every date here follows from the streak's first day alone: day n of a streak that started
on `start` is `start + (n - 1) days`. So a streak of 998 days whose last day is
2026-11-25 reaches 1,000 days on 2026-11-27, whether today is the 25th (done) or the 26th
(at risk: the streak keeps its length until midnight, and today would be day 999).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from enum import StrEnum
from itertools import takewhile

from pydantic import BaseModel, ConfigDict

from streakcore.domain.days import Day
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.streaks import CurrentStreak, Streak
from streakcore.domain.units import Metres

FIRST_MILESTONES_DAYS = (100, 365, 500, 1000)
MILESTONE_STEP_DAYS = 500
"""After the first milestones, every 500 days (1,500, 2,000, ...)."""

CLOSE_CALL_FRACTION = 0.05
"""A day that counted by less than 5% over the minimum was a close call."""

CLOSE_CALLS_KEPT = 5
"""How many recent close calls a summary lists (the count covers them all)."""


class MilestoneKind(StrEnum):
    DAYS = "days"
    """A round length: 100, 365, 500, 1,000, then every 500 days."""
    ANNIVERSARY = "anniversary"
    """The streak's first day, one or more years later."""


class Milestone(BaseModel):
    """The next milestone strictly ahead of the streak's last day."""

    model_config = ConfigDict(frozen=True)

    kind: MilestoneKind
    days: int
    """The streak's length on `date`."""
    years: int | None
    """For an anniversary, how many years."""
    date: date
    """The day it is reached if the streak holds."""
    days_to_go: int
    """Qualifying days still to run, today included when today has not counted yet."""
    label: str


class CloseCall(BaseModel):
    """A streak day that counted with less than 5% to spare."""

    model_config = ConfigDict(frozen=True)

    date: date
    distance_m: Metres
    """What the rule measured: the day's total (usrsa) or its longest run (strict)."""
    margin_m: Metres
    """How far over the minimum it was."""


class CloseCalls(BaseModel):
    """The close calls of one streak: a count, the closest and the most recent few."""

    model_config = ConfigDict(frozen=True)

    count: int = 0
    closest: CloseCall | None = None
    recent: tuple[CloseCall, ...] = ()
    """The latest `CLOSE_CALLS_KEPT`, oldest first."""


class LatestStreak(BaseModel):
    """What the projections need of the latest streak, worked out when the snapshot is built.

    At any instant the snapshot answers, the current streak is the latest one or none, so
    these few numbers are all a render needs: no per-day data, no scan of every streak.
    """

    model_config = ConfigDict(frozen=True)

    start: date
    runs: int
    longest_other_days: int
    """The longest of all the other streaks (0 when there is none)."""
    close_calls: CloseCalls


class Milestones(BaseModel):
    """Projections for the current streak, as the `/stats` body carries them."""

    model_config = ConfigDict(frozen=True)

    next_milestone: Milestone | None
    """None when there is no current streak."""
    passes_longest_on: date | None
    """The day the current streak becomes longer than every other streak; None when it
    already is (or there is no current streak)."""
    longest_to_pass_days: int | None
    """The length of the longest other streak, when there is one still to pass."""
    distance_m: Metres
    """Distance run inside the current streak."""
    runs: int
    """Runs inside the current streak."""
    close_calls: CloseCalls


def milestone_days() -> Iterator[int]:
    """100, 365, 500, 1000, 1500, 2000, ... (endless)."""
    yield from FIRST_MILESTONES_DAYS
    n = FIRST_MILESTONES_DAYS[-1]
    while True:
        n += MILESTONE_STEP_DAYS
        yield n


def streak_day_date(start: date, n: int) -> date:
    """The calendar date of day `n` (1-based) of a streak that started on `start`."""
    return start + timedelta(days=n - 1)


def anniversary(start: date, years: int) -> date:
    """`start` moved `years` years on; a 29 February start falls on 1 March in common years,
    the first day on which the full years have passed."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return date(start.year + years, 3, 1)


def next_day_milestone(days: int) -> int:
    """The first round length strictly greater than `days`."""
    return next(m for m in milestone_days() if m > days)


def next_anniversary(start: date, last_day: date) -> tuple[int, date]:
    """(years, date) of the first anniversary strictly after `last_day`."""
    years = 1
    while anniversary(start, years) <= last_day:
        years += 1
    return years, anniversary(start, years)


def next_milestone(current: CurrentStreak) -> Milestone | None:
    """The nearer of the next round length and the next anniversary; None when broken."""
    if current.days <= 0 or current.start is None or current.last_day is None:
        return None
    start, last_day = current.start, current.last_day
    round_days = next_day_milestone(current.days)
    by_length = Milestone(
        kind=MilestoneKind.DAYS,
        days=round_days,
        years=None,
        date=streak_day_date(start, round_days),
        days_to_go=round_days - current.days,
        label=f"{round_days:,} days",
    )
    years, when = next_anniversary(start, last_day)
    length_then = (when - start).days + 1
    by_anniversary = Milestone(
        kind=MilestoneKind.ANNIVERSARY,
        days=length_then,
        years=years,
        date=when,
        days_to_go=length_then - current.days,
        label=f"{years}-year anniversary" if years > 1 else "1-year anniversary",
    )
    # On the (rare) same date, the round number is the one runners quote.
    return by_length if by_length.date <= by_anniversary.date else by_anniversary


def close_call(day: Day, rule: StreakRule) -> CloseCall | None:
    """The day as a close call, or None (it did not count, or counted comfortably)."""
    if rule.name is RuleName.ANY or not day.qualifies(rule):
        return None
    margin_m = day.margin_m(rule)
    if margin_m >= CLOSE_CALL_FRACTION * rule.min_distance_m:
        return None
    return CloseCall(
        date=day.local_date, distance_m=rule.min_distance_m + margin_m, margin_m=margin_m
    )


def close_calls_in(
    days: Iterable[Day], rule: StreakRule, streak: Streak, *, keep: int = CLOSE_CALLS_KEPT
) -> CloseCalls:
    """The close calls among `days` that fall inside `streak`."""
    found = [
        call
        for day in days
        if streak.start <= day.local_date <= streak.end
        and (call := close_call(day, rule)) is not None
    ]
    found.sort(key=lambda c: c.date)
    return CloseCalls(
        count=len(found),
        closest=min(found, key=lambda c: (c.margin_m, c.date), default=None),
        recent=tuple(found[-keep:]) if keep > 0 else (),
    )


def latest_streak(
    days: Sequence[Day], rule: StreakRule, streaks: Sequence[Streak]
) -> LatestStreak | None:
    """The facts of the streak that ends last, from the days (in date order) and `streaks`."""
    latest = max(streaks, key=lambda s: s.end, default=None)
    if latest is None:
        return None
    tail = takewhile(lambda d: d.local_date >= latest.start, reversed(days))
    return LatestStreak(
        start=latest.start,
        runs=latest.runs,
        longest_other_days=max((s.days for s in streaks if s is not latest), default=0),
        close_calls=close_calls_in(tail, rule, latest),
    )


def project(current: CurrentStreak, latest: LatestStreak | None) -> Milestones:
    """Milestones of `current` given the facts of the latest streak.

    When the current streak is not the latest one it is broken: nothing is ahead of it,
    and a broken streak has nothing left to be close about.
    """
    own = (
        latest
        if latest is not None and current.days > 0 and latest.start == current.start
        else None
    )
    if own is None or current.start is None:
        return Milestones(
            next_milestone=None,
            passes_longest_on=None,
            longest_to_pass_days=None,
            distance_m=0.0,
            runs=0,
            close_calls=CloseCalls(),
        )
    record = own.longest_other_days
    passes = streak_day_date(current.start, record + 1) if record >= current.days else None
    return Milestones(
        next_milestone=next_milestone(current),
        passes_longest_on=passes,
        longest_to_pass_days=record if passes is not None else None,
        distance_m=current.distance_m,
        runs=own.runs,
        close_calls=own.close_calls,
    )
