"""Records and totals: fastest mile, races, biggest periods, Eddington number."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from streakcore.domain.days import Day
from streakcore.domain.models import Run, Split
from streakcore.domain.units import METRES_PER_KM, METRES_PER_MILE, Metres, Seconds

# A split counts as a whole mile when its own distance is within this of a mile; SmashRun's
# cumulative distances are rounded, so an exact comparison would throw real miles away.
FULL_SPLIT_TOLERANCE = 0.005
RACE_SLACK = 0.05

RACE_DISTANCES_M: dict[str, float] = {
    "5k": 5_000.0,
    "10k": 10_000.0,
    "half_marathon": 21_097.5,
    "marathon": 42_195.0,
}


RACE_WINDOWS_M: tuple[tuple[float, float], ...] = tuple(
    (d, d * (1 + RACE_SLACK)) for d in RACE_DISTANCES_M.values()
)
"""Where a whole run can set a race record: from the distance to 5% over it."""


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)

    runs: int
    distance_m: Metres
    duration_s: Seconds


class PeriodTotal(BaseModel):
    """Totals of one year ("2025"), month ("2025-03") or ISO week ("2025-W09")."""

    model_config = ConfigDict(frozen=True)

    period: str
    runs: int
    distance_m: Metres
    duration_s: Seconds


class FastestMile(BaseModel):
    model_config = ConfigDict(frozen=True)

    seconds: Seconds
    activity_id: str
    date: date
    provisional: bool = False
    """True while runs still wait for their splits (the first backfill): a faster mile may
    yet turn up."""


class RunRecord(BaseModel):
    """One whole run that holds a record."""

    model_config = ConfigDict(frozen=True)

    activity_id: str
    date: date
    distance_m: Metres
    duration_s: Seconds
    provisional: bool = False
    """True for a split-derived record while runs still wait for their splits."""


class MileTime(BaseModel):
    """The seconds one whole mile took, derived from cumulative splits."""

    model_config = ConfigDict(frozen=True)

    activity_id: str
    index: int
    seconds: float


def day_totals(days: Iterable[Day]) -> Totals:
    """Totals of the runs behind the days (the same as `totals` of those runs)."""
    runs = 0
    distance_m = 0.0
    duration_s = 0.0
    for day in days:
        runs += day.runs
        distance_m += day.distance_m
        duration_s += day.duration_s
    return Totals(runs=runs, distance_m=distance_m, duration_s=duration_s)


def totals(activities: Iterable[Run]) -> Totals:
    runs = 0
    distance_m = 0.0
    duration_s = 0.0
    for activity in activities:
        runs += 1
        distance_m += activity.distance_m
        duration_s += activity.duration_s
    return Totals(runs=runs, distance_m=distance_m, duration_s=duration_s)


def _year(d: date) -> tuple[int, ...]:
    return (d.year,)


def _month(d: date) -> tuple[int, ...]:
    return (d.year, d.month)


def _iso_week(d: date) -> tuple[int, ...]:
    iso = d.isocalendar()
    return (iso.year, iso.week)


def _label(period: str, key: tuple[int, ...]) -> str:
    if period == "year":
        return f"{key[0]:04d}"
    if period == "month":
        return f"{key[0]:04d}-{key[1]:02d}"
    return f"{key[0]:04d}-W{key[1]:02d}"


PERIODS: dict[str, Callable[[date], tuple[int, ...]]] = {
    "year": _year,
    "month": _month,
    "week": _iso_week,
}


def biggest_periods(days: Sequence[Day]) -> dict[str, PeriodTotal | None]:
    """The biggest week, month and year by distance, in one pass over the days."""
    weeks: dict[tuple[int, int], list[float]] = {}
    months: dict[tuple[int, int], list[float]] = {}
    years: dict[tuple[int, int], list[float]] = {}
    for day in days:
        d = day.local_date
        iso = d.isocalendar()
        for acc, key in (
            (weeks, (iso[0], iso[1])),
            (months, (d.year, d.month)),
            (years, (d.year, 0)),
        ):
            slot = acc.get(key)
            if slot is None:
                slot = acc[key] = [0, 0.0, 0.0]
            slot[0] += day.runs
            slot[1] += day.distance_m
            slot[2] += day.duration_s
    result: dict[str, PeriodTotal | None] = {}
    for period, acc in (("week", weeks), ("month", months), ("year", years)):
        best = max(acc.items(), key=lambda kv: (kv[1][1], kv[0]), default=None)
        result[period] = (
            None
            if best is None
            else PeriodTotal(
                period=_label(period, best[0]),
                runs=int(best[1][0]),
                distance_m=best[1][1],
                duration_s=best[1][2],
            )
        )
    return result


def mile_times(splits: Iterable[Split]) -> list[MileTime]:
    """Per-mile seconds from cumulative mile splits; partial miles are left out."""
    return [
        MileTime(activity_id=activity_id, index=index, seconds=seconds)
        for activity_id, index, seconds in _whole_miles(splits)
    ]


def best_mile_seconds(splits: Iterable[Split]) -> float | None:
    """The fastest whole mile of `splits` in seconds (None: no whole mile), as
    `mile_times` counts them, without building a model per mile: the store computes it
    for every run a write brings."""
    return min((seconds for _, _, seconds in _whole_miles(splits)), default=None)


def _whole_miles(splits: Iterable[Split]) -> Iterator[tuple[str, int, float]]:
    """(activity id, index, seconds) of each whole mile in cumulative mile splits."""
    by_activity: dict[str, list[Split]] = {}
    for split in splits:
        if split.unit == "mi":
            by_activity.setdefault(split.activity_id, []).append(split)
    for activity_id, rows in by_activity.items():
        rows.sort(key=lambda s: s.index)
        prev_distance_m = 0.0
        prev_elapsed_s = 0.0
        for split in rows:
            mile_m = split.distance_m - prev_distance_m
            seconds = split.elapsed_s - prev_elapsed_s
            if (
                abs(mile_m - METRES_PER_MILE) <= FULL_SPLIT_TOLERANCE * METRES_PER_MILE
                and seconds > 0
            ):
                yield activity_id, split.index, seconds
            prev_distance_m = split.distance_m
            prev_elapsed_s = split.elapsed_s


def fastest_mile(times: Iterable[MileTime], dates: Mapping[str, date]) -> FastestMile | None:
    """The fastest whole mile among runs whose dates are known (deleted runs are not)."""
    best: MileTime | None = None
    for t in times:
        if t.activity_id in dates and (best is None or t.seconds < best.seconds):
            best = t
    if best is None:
        return None
    return FastestMile(
        seconds=best.seconds, activity_id=best.activity_id, date=dates[best.activity_id]
    )


def _record(activity: Run) -> RunRecord:
    return RunRecord(
        activity_id=activity.activity_id,
        date=activity.local_date,
        distance_m=activity.distance_m,
        duration_s=activity.duration_s,
    )


def longest_run(activities: Iterable[Run]) -> RunRecord | None:
    """The longest run; on a tie, the first (it set the record)."""
    best = min(activities, key=lambda a: (-a.distance_m, a.start_local), default=None)
    return _record(best) if best else None


def fastest_races(activities: Sequence[Run]) -> dict[str, RunRecord | None]:
    """For each race distance, the fastest whole run between it and 5% over it."""
    result: dict[str, RunRecord | None] = {}
    for (name, race_m), (_, upper) in zip(RACE_DISTANCES_M.items(), RACE_WINDOWS_M, strict=True):
        candidates = [a for a in activities if race_m <= a.distance_m <= upper and a.duration_s > 0]
        best = min(candidates, key=lambda a: (a.duration_s, a.start_local), default=None)
        result[name] = _record(best) if best else None
    return result


def eddington(days: Iterable[Day], unit_m: float) -> int:
    """The largest E such that on E days you ran at least E units (miles or km)."""
    counts = sorted((day.distance_m / unit_m for day in days), reverse=True)
    e = 0
    for i, units in enumerate(counts, start=1):
        if units >= i:
            e = i
        else:
            break
    return e


def eddington_miles(days: Sequence[Day]) -> int:
    return eddington(days, METRES_PER_MILE)


def eddington_km(days: Sequence[Day]) -> int:
    return eddington(days, METRES_PER_KM)
