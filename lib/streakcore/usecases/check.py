"""The evening check: does today count yet, and how fresh are the runs it was judged on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from streakcore.domain.evening_check import EveningCheck, evening_check
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import Backfill
from streakcore.domain.units import DistanceUnit
from streakcore.ports import RunStore
from streakcore.usecases.history import read_history


@dataclass(frozen=True, slots=True)
class EveningReading:
    """The evening check, and how fresh the runs behind it are."""

    check: EveningCheck
    runs_as_of: datetime | None
    """The last successful sync: a run uploaded after it is not in `check`."""
    backfill: Backfill = field(default_factory=Backfill)
    """How far the first backfill is: while it is incomplete the records are provisional."""


def check_evening(
    store: RunStore,
    *,
    rule: StreakRule,
    now: datetime,
    tz: ZoneInfo,
    units: DistanceUnit | None = None,
) -> EveningReading:
    """Judge today at `now` from the runs stored (those started by `now`); the message in
    `units` (default: the home zone's)."""
    history = read_history(store, now, tz)
    check = evening_check(history.days, rule=rule, now=now, tz=tz, units=units)
    from streakcore.usecases.stats import backfill_of

    return EveningReading(check=check, runs_as_of=history.last_sync, backfill=backfill_of(store))
