"""The calendar of a synthetic athlete: which runs happen on which local day, where, how far.

Planning is kept apart from rendering SmashRun JSON so that every awkward case the streak
maths must survive (the missed day, the trip across the date line, the midnight pair, the
0.99-mile day) is decided in one readable place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

KM_PER_MILE = 1.609344

RunKind = Literal["easy", "long", "race", "treadmill", "manual", "short"]
RunTag = Literal["late_night", "after_midnight", "date_line", "late_upload"]

EASY_PACE_S_PER_KM = 355.0
RACE_KM_AND_PACE: tuple[tuple[str, float, float], ...] = (
    ("5K", 5.0, 268.0),
    ("10K", 10.0, 280.0),
    ("Half Marathon", 21.0975, 292.0),
    ("Marathon", 42.195, 308.0),
)


@dataclass(frozen=True)
class Place:
    """Where a run happens: its zone gives the offset, its climate the weather."""

    name: str
    zone: ZoneInfo
    latitude: float
    longitude: float
    mean_temp_c: float = 13.0
    temp_swing_c: float = 11.0


@dataclass(frozen=True)
class PlannedRun:
    start: datetime
    """Aware, in the zone of the place where the run happened."""
    distance_km: float
    pace_s_per_km: float
    kind: RunKind
    place: Place
    upload_delay_s: float
    """From the end of the run to the upload that SmashRun's `fromDate` sees."""
    tag: RunTag | None = None
    race_name: str | None = None

    @property
    def duration_s(self) -> float:
        return self.distance_km * self.pace_s_per_km

    @property
    def uploaded_at(self) -> datetime:
        return (self.start + timedelta(seconds=self.duration_s + self.upload_delay_s)).astimezone(
            UTC
        )


@dataclass(frozen=True)
class Plan:
    runs: tuple[PlannedRun, ...]
    """In start order."""
    first_day: date
    missed_day: date
    sub_mile_day: date
    short_pair_days: tuple[date, ...]
    trip_days: tuple[date, ...]


class _Calendar:
    """Days counted back from today ("ago"), with the hand-planned ones reserved."""

    def __init__(self, today: date, n_days: int) -> None:
        self.today = today
        self.n_days = n_days
        self.planned: dict[date, list[PlannedRun]] = {}
        self.reserved: set[date] = set()

    def day(self, ago: int) -> date:
        return self.today - timedelta(days=ago)

    def reserve(self, ago: int, *, near: bool = True, weekend: bool = False) -> date:
        """The free day nearest to `ago` (never today or yesterday, which keep the streak)."""
        for step in range(self.n_days):
            for candidate in (ago + step, ago - step) if near else (ago + step,):
                if not 2 <= candidate < self.n_days:
                    continue
                day = self.day(candidate)
                if day in self.reserved or (weekend and day.weekday() < 5):
                    continue
                self.reserved.add(day)
                return day
        raise AssertionError("the calendar has no free day left")  # pragma: no cover


def plan_runs(
    *,
    now: datetime,
    home: Place,
    trip: Place,
    layover: Place,
    n_days: int,
    years: float,
    rng: random.Random,
) -> Plan:
    today = now.astimezone(home.zone).date()
    cal = _Calendar(today, n_days)
    everyday = _EverydayRuns(rng)

    # The current streak runs from the day after the missed day to today; the landmarks that
    # test date handling sit inside it so that getting them wrong shortens the current streak.
    missed_ago = min(110, max(40, round(n_days * 0.35)))
    missed_day = cal.reserve(missed_ago, near=False)
    cal.planned[missed_day] = []

    midnight_ago = max(5, round(missed_ago * 0.2))
    late_night_day = cal.reserve(midnight_ago)
    after_midnight_day = late_night_day + timedelta(days=1)
    cal.reserved.add(after_midnight_day)
    cal.planned[late_night_day] = [
        _run(
            late_night_day,
            time(23, 52, 11),
            1.2 * KM_PER_MILE,
            EASY_PACE_S_PER_KM,
            "easy",
            home,
            rng,
            tag="late_night",
        )
    ]
    cal.planned[after_midnight_day] = [
        _run(
            after_midnight_day,
            time(0, 7, 42),
            1.5 * KM_PER_MILE,
            EASY_PACE_S_PER_KM,
            "easy",
            home,
            rng,
            tag="after_midnight",
        )
    ]

    trip_days = _plan_trip(cal, round(missed_ago * 0.45), home, trip, layover, everyday, rng)

    current_pair_day = cal.reserve(round(missed_ago * 0.7))
    treadmill_day = cal.reserve(round(missed_ago * 0.33))
    manual_day = cal.reserve(round(missed_ago * 0.6))
    cal.planned[treadmill_day] = [everyday.one(treadmill_day, home, kind="treadmill")]
    cal.planned[manual_day] = [everyday.one(manual_day, home, kind="manual")]

    earlier = n_days - 1 - missed_ago
    sub_mile_day = cal.reserve(missed_ago + 1 + earlier // 2)
    cal.planned[sub_mile_day] = [
        _run(
            sub_mile_day, time(6, 41, 3), 0.99 * KM_PER_MILE, EASY_PACE_S_PER_KM, "short", home, rng
        )
    ]
    pair_days = (
        current_pair_day,
        cal.reserve(missed_ago + 1 + round(earlier * 0.25)),
        cal.reserve(missed_ago + 1 + round(earlier * 0.8)),
    )
    for day in pair_days:
        cal.planned[day] = [
            _run(day, time(6, 30, 15), 0.6 * KM_PER_MILE, EASY_PACE_S_PER_KM, "short", home, rng),
            _run(day, time(18, 12, 40), 0.6 * KM_PER_MILE, EASY_PACE_S_PER_KM, "short", home, rng),
        ]

    _plan_races(cal, years, home, rng)
    _plan_late_uploads(cal, missed_ago, earlier, home, everyday, rng)

    runs: list[PlannedRun] = []
    for ago in range(n_days - 1, -1, -1):
        day = cal.day(ago)
        day_runs = cal.planned.get(day)
        if day_runs is None:
            day_runs = everyday.day(day, home)
        runs.extend(run for run in day_runs if run.start < now)
    runs = [_uploaded_by(run, now) for run in runs]
    runs.sort(key=lambda run: run.start.astimezone(UTC))
    return Plan(
        runs=tuple(runs),
        first_day=cal.day(n_days - 1),
        missed_day=missed_day,
        sub_mile_day=sub_mile_day,
        short_pair_days=tuple(sorted(pair_days)),
        trip_days=trip_days,
    )


def _plan_trip(
    cal: _Calendar,
    return_ago: int,
    home: Place,
    trip: Place,
    layover: Place,
    everyday: _EverydayRuns,
    rng: random.Random,
) -> tuple[date, ...]:
    """A week abroad, flying out across the date line (losing a calendar day in the air)
    and back through a layover that lands on the same calendar date it left."""
    first_ago = return_ago + 8
    for ago in range(first_ago + 1, return_ago - 2, -1):
        if cal.day(ago) in cal.reserved:
            raise AssertionError("the trip overlaps another landmark")  # pragma: no cover
        cal.reserved.add(cal.day(ago))
    departure = cal.day(first_ago + 1)
    cal.planned[departure] = [
        _run(departure, time(5, 35, 20), 4.0 * KM_PER_MILE, EASY_PACE_S_PER_KM, "easy", home, rng)
    ]
    trip_days = tuple(cal.day(ago) for ago in range(first_ago, return_ago - 1, -1))
    arrival, *middle, homecoming = trip_days
    cal.planned[arrival] = [
        _run(arrival, time(20, 31, 5), 4.0 * KM_PER_MILE, EASY_PACE_S_PER_KM, "easy", trip, rng)
    ]
    for day in middle:
        cal.planned[day] = [everyday.one(day, trip, kind="easy", morning=True)]
    cal.planned[homecoming] = [
        _run(homecoming, time(6, 15, 33), 4.0 * KM_PER_MILE, EASY_PACE_S_PER_KM, "easy", trip, rng),
        _run(
            homecoming,
            time(19, 12, 50),
            3.5 * KM_PER_MILE,
            EASY_PACE_S_PER_KM,
            "easy",
            layover,
            rng,
            tag="date_line",
        ),
    ]
    back_home = cal.day(return_ago - 1)
    cal.planned[back_home] = [
        _run(back_home, time(18, 5, 12), 3.0 * KM_PER_MILE, EASY_PACE_S_PER_KM, "easy", home, rng)
    ]
    return trip_days


def _plan_races(cal: _Calendar, years: float, home: Place, rng: random.Random) -> None:
    count = max(4, round(years * 2.5))
    span = cal.n_days - 10
    for index in range(count):
        name, official_km, pace = RACE_KM_AND_PACE[index % len(RACE_KM_AND_PACE)]
        day = cal.reserve(5 + round(span * (index + 0.5) / count), weekend=True)
        # GPS always measures a race course a little long.
        distance_km = official_km * (1 + rng.uniform(0.002, 0.012))
        cal.planned[day] = [
            _run(
                day,
                time(7, 30, rng.randrange(60)),
                distance_km,
                pace * rng.uniform(0.98, 1.02),
                "race",
                home,
                rng,
                race_name=name,
            )
        ]


def _plan_late_uploads(
    cal: _Calendar,
    missed_ago: int,
    earlier: int,
    home: Place,
    everyday: _EverydayRuns,
    rng: random.Random,
) -> None:
    """Runs uploaded days later: a `fromDate` sync keyed on run time would miss them."""
    for ago, days_late in (
        (max(6, round(missed_ago * 0.1)), 3),
        (missed_ago + 1 + round(earlier * 0.4), 6),
        (missed_ago + 1 + round(earlier * 0.65), 9),
    ):
        day = cal.reserve(ago)
        run = everyday.one(day, home, kind="easy")
        delay_s = days_late * 86_400 + rng.uniform(0, 7_200)
        cal.planned[day] = [replace(run, upload_delay_s=delay_s, tag="late_upload")]


class _EverydayRuns:
    """The ordinary days: easy weekdays, a long Sunday, the odd treadmill or double."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def day(self, day: date, place: Place) -> list[PlannedRun]:
        rng = self.rng
        winter = day.month in (12, 1, 2)
        roll = rng.random()
        if roll < (0.05 if winter else 0.012):
            kind: RunKind = "treadmill"
        elif roll < (0.058 if winter else 0.02):
            kind = "manual"
        else:
            kind = "long" if day.weekday() == 6 else "easy"
        first = self.one(day, place, kind=kind)
        if kind == "easy" and first.start.hour < 12 and rng.random() < 0.03:
            second = _run(
                day,
                _clock(rng, 18 * 60, 19 * 60 + 30),
                rng.uniform(2.0, 4.0) * KM_PER_MILE,
                self._pace(),
                "easy",
                place,
                rng,
            )
            return [first, second]
        return [first]

    def one(self, day: date, place: Place, *, kind: RunKind, morning: bool = False) -> PlannedRun:
        rng = self.rng
        weekend = day.weekday() >= 5
        if kind == "long":
            miles = rng.uniform(8.0, 13.0)
            start = _clock(rng, 7 * 60, 8 * 60 + 30)
            pace = self._pace() + 10
        else:
            miles = rng.uniform(4.0, 7.0) if weekend else rng.uniform(3.0, 6.0)
            if weekend:
                start = _clock(rng, 7 * 60, 9 * 60)
            elif morning or rng.random() < 0.8:
                start = _clock(rng, 5 * 60 + 40, 7 * 60 + 10)
            else:
                start = _clock(rng, 17 * 60 + 30, 19 * 60 + 30)
            pace = self._pace()
        return _run(day, start, miles * KM_PER_MILE, pace, kind, place, rng)

    def _pace(self) -> float:
        return EASY_PACE_S_PER_KM + self.rng.gauss(0, 8)


def _run(
    day: date,
    at: time,
    distance_km: float,
    pace_s_per_km: float,
    kind: RunKind,
    place: Place,
    rng: random.Random,
    *,
    tag: RunTag | None = None,
    race_name: str | None = None,
) -> PlannedRun:
    return PlannedRun(
        start=datetime.combine(day, at, tzinfo=place.zone),
        distance_km=distance_km,
        pace_s_per_km=pace_s_per_km,
        kind=kind,
        place=place,
        upload_delay_s=rng.uniform(300, 5_400),
        tag=tag,
        race_name=race_name,
    )


def _clock(rng: random.Random, first_minute: int, last_minute: int) -> time:
    minute = rng.randint(first_minute, last_minute)
    return time(minute // 60, minute % 60, rng.randrange(60))


def _uploaded_by(run: PlannedRun, now: datetime) -> PlannedRun:
    """Nothing is uploaded after `now`, not even today's run that has only just started."""
    overshoot_s = (run.uploaded_at - now).total_seconds()
    if overshoot_s <= 0:
        return run
    return replace(run, upload_delay_s=run.upload_delay_s - overshoot_s)
