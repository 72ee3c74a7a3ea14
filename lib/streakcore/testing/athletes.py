"""Synthetic athletes: years of SmashRun-shaped runs with every awkward case planted on purpose.

Deterministic from a seed (same seed, `now` and zone -> the same payloads, byte for byte)
and fast enough to build a decade of runs with splits in a fraction of a second, so the
demo, the tests and the benchmarks can all afford a fresh one.

What every athlete has (see `Landmarks` for where each one sits):
- near-daily runs, with a current streak alive at `now` (the last run is today if it
  started before `now`, else yesterday), and exactly one missed day a few months back;
- offsets that follow DST in the home zone, a week abroad at another offset, flown out
  across the date line and back through a Honolulu layover run whose calendar date is
  neither its UTC date nor (for a home east of the Rockies) its home-zone date;
- days of two 0.6-mile runs (count for `usrsa`, not `strict`), one 0.99-mile day (counts
  only for `any`), a 23:52 run followed by a 00:07 run the next day;
- treadmill and manual runs without splits, races (5K to marathon) at a faster pace, and
  a few runs uploaded days after they happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from streakcore.errors import ConfigError
from streakcore.settings import resolve_timezone
from streakcore.testing.run_plan import Place, PlannedRun, plan_runs
from streakcore.testing.smashrun_payloads import JsonObject, render_run

MIN_YEARS = 0.5
FIRST_ACTIVITY_ID = 4_000_000

# Where runs start for a few home zones; any other zone gets Greenwich (the coordinates only
# decorate the payload, the zone is what matters).
_HOME_COORDINATES: dict[str, tuple[float, float]] = {
    "America/New_York": (40.7812, -73.9665),
    "America/Chicago": (41.8827, -87.6233),
    "America/Denver": (39.7392, -104.9903),
    "America/Los_Angeles": (34.0195, -118.4912),
    "Europe/London": (51.5073, -0.1657),
    "Europe/Berlin": (52.5145, 13.3501),
    "Australia/Sydney": (-33.8568, 151.2153),
}
_TOKYO = ("Tokyo", "Asia/Tokyo", 35.6852, 139.7528, 16.5, 10.0)
_LONDON = ("London", "Europe/London", 51.5073, -0.1657, 11.5, 7.0)
_HONOLULU = ("Honolulu", "Pacific/Honolulu", 21.2706, -157.8226, 25.0, 2.0)


@dataclass(frozen=True)
class SyntheticRun:
    activity: JsonObject
    """Exactly what `GET /my/activities/{id}` returns."""
    splits_mi: list[JsonObject]
    splits_km: list[JsonObject]
    uploaded_at: datetime
    """UTC instant the run reached SmashRun: what `fromDate` compares against."""

    @property
    def activity_id(self) -> int:
        return int(self.activity["activityId"])

    def splits(self, unit: str) -> list[JsonObject]:
        return self.splits_mi if unit == "mi" else self.splits_km


@dataclass(frozen=True)
class Landmarks:
    """Where the planted cases are, so tests can check behaviour without hard-coding dates."""

    first_day: date
    today: date
    """In the home zone at `now`."""
    missed_day: date
    sub_mile_day: date
    """One 0.99-mile run: breaks `usrsa` and `strict`, not `any`."""
    short_pair_days: tuple[date, ...]
    """Two 0.6-mile runs: break `strict` only. The latest is inside the current streak."""
    trip_days: tuple[date, ...]
    """Local dates spent abroad (the last one also has the date-line layover run)."""
    date_line_run_id: int
    late_night_run_id: int
    after_midnight_run_id: int
    race_ids: tuple[int, ...]
    late_upload_ids: tuple[int, ...]
    treadmill_ids: tuple[int, ...]
    manual_ids: tuple[int, ...]


@dataclass(frozen=True)
class Athlete:
    now: datetime
    home_tz: str
    seed: int
    user: JsonObject
    """What `GET /my/userinfo` returns."""
    runs: tuple[SyntheticRun, ...]
    """Oldest first, by start instant."""
    landmarks: Landmarks

    @property
    def activities(self) -> list[JsonObject]:
        return [run.activity for run in self.runs]

    @property
    def splits_mi(self) -> dict[int, list[JsonObject]]:
        return {run.activity_id: run.splits_mi for run in self.runs}

    @property
    def splits_km(self) -> dict[int, list[JsonObject]]:
        return {run.activity_id: run.splits_km for run in self.runs}

    @property
    def uploaded_at(self) -> dict[int, datetime]:
        return {run.activity_id: run.uploaded_at for run in self.runs}

    def run(self, activity_id: int) -> SyntheticRun:
        for run in self.runs:
            if run.activity_id == activity_id:
                return run
        raise ConfigError(f"athlete has no activity {activity_id}")


def synthetic_athlete(
    *,
    now: datetime,
    years: float = 3,
    home_tz: str = "America/New_York",
    seed: int = 7,
    first_name: str = "Sam",
    last_name: str = "Streaker",
) -> Athlete:
    """An athlete whose runs end at `now` and go back `years` years."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ConfigError("now must be an aware datetime, e.g. datetime.now(UTC)")
    if years < MIN_YEARS:
        raise ConfigError(
            f"years must be at least {MIN_YEARS}: shorter histories cannot hold every case"
        )
    home_zone = resolve_timezone(home_tz)
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    home = _home_place(home_tz, home_zone)
    # The trip must change the offset, so a runner living at +09:00 travels to London.
    at_tokyo_offset = now.astimezone(home_zone).utcoffset() == timedelta(hours=9)
    abroad = _LONDON if at_tokyo_offset else _TOKYO
    plan = plan_runs(
        now=now,
        home=home,
        trip=_place(*abroad),
        layover=_place(*_HONOLULU),
        n_days=round(years * 365.25),
        years=years,
        rng=rng,
    )
    ids = _activity_ids(plan.runs, rng)
    runs = tuple(
        _synthetic_run(planned, activity_id, rng)
        for planned, activity_id in zip(plan.runs, ids, strict=True)
    )
    tagged = {planned.tag: activity_id for planned, activity_id in zip(plan.runs, ids, strict=True)}

    def ids_of(kind: str) -> tuple[int, ...]:
        return tuple(i for p, i in zip(plan.runs, ids, strict=True) if p.kind == kind)

    landmarks = Landmarks(
        first_day=plan.first_day,
        today=now.astimezone(home_zone).date(),
        missed_day=plan.missed_day,
        sub_mile_day=plan.sub_mile_day,
        short_pair_days=plan.short_pair_days,
        trip_days=plan.trip_days,
        date_line_run_id=tagged["date_line"],
        late_night_run_id=tagged["late_night"],
        after_midnight_run_id=tagged["after_midnight"],
        race_ids=ids_of("race"),
        late_upload_ids=tuple(
            i for p, i in zip(plan.runs, ids, strict=True) if p.tag == "late_upload"
        ),
        treadmill_ids=ids_of("treadmill"),
        manual_ids=ids_of("manual"),
    )
    registered = datetime.combine(plan.first_day - timedelta(days=30), datetime.min.time())
    user: JsonObject = {
        "id": 100_000 + seed,
        "firstName": first_name,
        "lastName": last_name,
        "userName": f"{first_name}{last_name}".lower(),
        # SmashRun writes this one without an offset; the name says it is UTC.
        "registrationDateUTC": (registered + timedelta(hours=12, seconds=seed % 60)).isoformat(
            timespec="milliseconds"
        ),
    }
    return Athlete(now=now, home_tz=home_tz, seed=seed, user=user, runs=runs, landmarks=landmarks)


def demo_athlete(now: datetime, *, home_tz: str = "America/New_York", seed: int = 7) -> Athlete:
    """Three years: what `streak demo` syncs."""
    return synthetic_athlete(now=now, years=3, home_tz=home_tz, seed=seed)


def decade_athlete(now: datetime, *, home_tz: str = "America/New_York", seed: int = 7) -> Athlete:
    """Ten years (about 3,700 runs): what the benchmarks sync."""
    return synthetic_athlete(now=now, years=10, home_tz=home_tz, seed=seed)


def recent_athlete(now: datetime, *, home_tz: str = "America/New_York", seed: int = 7) -> Athlete:
    """Half a year (about 190 runs, two search pages): small enough for every test."""
    return synthetic_athlete(now=now, years=MIN_YEARS, home_tz=home_tz, seed=seed)


def _activity_ids(runs: tuple[PlannedRun, ...], rng: random.Random) -> list[int]:
    """SmashRun numbers activities as they are uploaded, so a late upload gets a higher id
    than runs that happened after it: ids say nothing about run order."""
    ids = [0] * len(runs)
    next_id = FIRST_ACTIVITY_ID
    for index in sorted(range(len(runs)), key=lambda i: runs[i].uploaded_at):
        next_id += rng.randint(1, 40)
        ids[index] = next_id
    return ids


def _synthetic_run(planned: PlannedRun, activity_id: int, rng: random.Random) -> SyntheticRun:
    rendered = render_run(planned, activity_id, rng)
    return SyntheticRun(
        activity=rendered.activity,
        splits_mi=rendered.splits_mi,
        splits_km=rendered.splits_km,
        uploaded_at=planned.uploaded_at.replace(microsecond=0),
    )


def _home_place(home_tz: str, zone: ZoneInfo) -> Place:
    latitude, longitude = _HOME_COORDINATES.get(home_tz, (51.4779, -0.0015))
    return Place(name="home", zone=zone, latitude=latitude, longitude=longitude)


def _place(
    name: str, zone: str, latitude: float, longitude: float, mean_c: float, swing_c: float
) -> Place:
    return Place(
        name=name,
        zone=ZoneInfo(zone),
        latitude=latitude,
        longitude=longitude,
        mean_temp_c=mean_c,
        temp_swing_c=swing_c,
    )
