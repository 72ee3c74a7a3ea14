"""The evening check: at 20:00, is the streak safe today, and if not, what it takes.

`streak check` and the Lambda's evening schedule both call `evening_check`; the message is
the paragraph a runner reads on their phone, so it says the distance, the deadline and
what is at stake in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, field_serializer

from streakcore.domain.days import Day, qualifying_days
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import format_instant
from streakcore.domain.streaks import (
    CurrentStreak,
    StreakStatus,
    current_streak,
    find_streaks,
    today_in,
)
from streakcore.domain.units import (
    DistanceUnit,
    Metres,
    MinimumMetres,
    Seconds,
    format_distance,
    units_for_zone,
)


class EveningCheck(BaseModel):
    """Whether today already counts, and if not, how far and how long is left."""

    model_config = ConfigDict(frozen=True)

    as_of: datetime
    """The instant checked, in the home zone."""
    timezone: str
    rule: RuleName
    min_distance_m: MinimumMetres
    today: date
    """The home calendar date at `as_of`."""
    status: StreakStatus
    qualifies_today: bool
    today_runs: int
    today_distance_m: Metres
    short_by_m: Metres
    """The run still needed today: what the day's total lacks (usrsa), one whole run of
    the minimum (strict), or 0 (any: a run of any length counts). 0 once today counts."""
    deadline: datetime
    """Home midnight: the first instant of tomorrow in the home zone."""
    time_left_s: Seconds
    """Real seconds until `deadline` (a DST change that day is counted as it happens)."""
    streak_days: int
    """The current streak's length (0 when broken)."""
    days_at_stake: int
    """What missing today would cost: the streak's length when at risk, else 0."""
    message: str

    @property
    def at_risk(self) -> bool:
        return self.status is StreakStatus.AT_RISK

    @field_serializer("as_of", "deadline")
    def _instant(self, value: datetime) -> str:
        return format_instant(value)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of the next calendar day in `tz`, as an aware UTC instant.

    Where midnight itself is skipped by a DST change, zoneinfo reads it with the offset in
    force before the change, which is exactly the instant the new day begins.
    """
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)


def runs_started_by(days: Sequence[Day], now: datetime) -> list[Day]:
    """The days as they stood at `now`: runs that had not started yet are left out.

    A day built from totals alone has no start times to compare; it is kept as it is, so
    the caller must have left out later runs when adding it up.
    """
    kept: list[Day] = []
    for day in days:
        if not day.activities:
            if day.runs:
                kept.append(day)
            continue
        runs = tuple(a for a in day.activities if a.start_local <= now)
        if runs:
            kept.append(day if len(runs) == len(day.activities) else Day(day.local_date, runs))
    return kept


def short_by_m(day: Day | None, rule: StreakRule) -> float:
    """The run still needed for `day` to count under `rule` (see `EveningCheck.short_by_m`)."""
    if rule.name is RuleName.ANY or (day is not None and day.qualifies(rule)):
        return 0.0
    if rule.name is RuleName.STRICT:
        return rule.min_distance_m
    return rule.min_distance_m - (day.distance_m if day is not None else 0.0)


def evening_check(
    days: Sequence[Day],
    *,
    rule: StreakRule,
    now: datetime,
    tz: ZoneInfo,
    units: DistanceUnit | None = None,
) -> EveningCheck:
    """The check at the instant `now` (aware) for a runner whose home zone is `tz`; the
    message in `units` (default: the home zone's, as `STREAK_UNITS` defaults)."""
    unit = units or units_for_zone(tz.key)
    today = today_in(now, tz)
    seen = runs_started_by(days, now)
    current = current_streak(find_streaks(qualifying_days(seen, rule)), today)
    today_day = next((d for d in reversed(seen) if d.local_date == today), None)
    deadline = end_of_day(today, tz)
    left_s = max((deadline - now.astimezone(UTC)).total_seconds(), 0.0)
    done = current.status is StreakStatus.DONE_TODAY
    short_m = 0.0 if done else short_by_m(today_day, rule)
    check_without_message = {
        "as_of": now.astimezone(tz),
        "timezone": tz.key,
        "rule": rule.name,
        "min_distance_m": rule.min_distance_m,
        "today": today,
        "status": current.status,
        "qualifies_today": done,
        "today_runs": today_day.runs if today_day else 0,
        "today_distance_m": today_day.distance_m if today_day else 0.0,
        "short_by_m": short_m,
        "deadline": deadline.astimezone(tz),
        "time_left_s": left_s,
        "streak_days": current.days,
        "days_at_stake": current.days if current.status is StreakStatus.AT_RISK else 0,
    }
    message = _message(current, rule, today, today_day, short_m, left_s, tz, unit)
    return EveningCheck(**check_without_message, message=message)


def format_time_left(seconds: float) -> str:
    """'4 h 01 min', '12 min', 'under a minute'."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    hours, mins = divmod(minutes, 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def _days(n: int) -> str:
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def _need(rule: StreakRule, day: Day | None, short_m: float, unit: DistanceUnit) -> str:
    if rule.name is RuleName.ANY:
        return "a run of any length"
    if rule.name is RuleName.STRICT:
        return f"one run of at least {format_distance(short_m, unit)}"
    more = " more" if day is not None else ""
    return f"at least {format_distance(short_m, unit)}{more}"


def _so_far(rule: StreakRule, when: str, day: Day | None, unit: DistanceUnit) -> str:
    if day is None:
        return f"Today ({when}) has no run yet."
    runs = day.runs
    ran = f"Today ({when}) you have run {format_distance(day.distance_m, unit)} in {runs} run"
    if rule.name is RuleName.STRICT:
        minimum = format_distance(rule.min_distance_m, unit)
        if runs == 1:
            return f"{ran}, short of the {minimum} the strict rule needs in one run."
        return f"{ran}s, but none of them reaches {minimum} on its own."
    return (
        f"{ran}{'s' if runs > 1 else ''}, short of the "
        f"{format_distance(rule.min_distance_m, unit)} the {rule.name} rule needs."
    )


def _message(
    current: CurrentStreak,
    rule: StreakRule,
    today: date,
    day: Day | None,
    short_m: float,
    left_s: float,
    tz: ZoneInfo,
    unit: DistanceUnit,
) -> str:
    when = f"{today:%A} {today.day} {today:%B}"
    deadline = f"before midnight in {tz.key}: {format_time_left(left_s)} left"
    if current.status is StreakStatus.DONE_TODAY:
        ran = format_distance(day.distance_m, unit) if day is not None else "a run"
        return (
            f"Safe: today ({when}) already counts under the {rule.name} rule with {ran}. "
            f"Your streak is {_days(current.days)} long and the next run is due tomorrow."
        )
    need = f"You need {_need(rule, day, short_m, unit)} {deadline}."
    if current.status is StreakStatus.AT_RISK:
        return (
            f"At risk: your {current.days:,}-day streak ends tonight unless you run. "
            f"{_so_far(rule, when, day, unit)} {need} Do it and the streak is "
            f"{_days(current.days + 1)} long."
        )
    last = (
        f"your last qualifying day was {current.last_day}"
        if current.last_day is not None
        else "you have no qualifying day yet"
    )
    return (
        f"No streak at stake: {last}. {_so_far(rule, when, day, unit)} {need} "
        "Do it to start a new streak."
    )
