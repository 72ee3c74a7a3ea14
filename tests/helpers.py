"""Builders shared by the tests: real domain objects, no mocks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import count

from streakcore.domain.models import Activity, Split
from streakcore.domain.units import METRES_PER_MILE

NEW_YORK_WINTER = timezone(timedelta(hours=-5))
NEW_YORK_SUMMER = timezone(timedelta(hours=-4))
TOKYO = timezone(timedelta(hours=9))

_ids = count(1)


def run(
    day: date | str,
    miles: float = 3.0,
    *,
    at: time | str = "07:00",
    offset: timezone = NEW_YORK_WINTER,
    activity_id: str | None = None,
    pace_s_per_mile: float = 540.0,
) -> Activity:
    """A run on local calendar `day` at local time `at`, carrying `offset`."""
    d = date.fromisoformat(day) if isinstance(day, str) else day
    t = time.fromisoformat(at) if isinstance(at, str) else at
    return Activity(
        activity_id=activity_id or str(next(_ids)),
        start_local=datetime.combine(d, t, tzinfo=offset),
        distance_m=miles * METRES_PER_MILE,
        duration_s=miles * pace_s_per_mile,
    )


def daily_runs(
    first: date | str, days: int, miles: float = 3.0, **kwargs: object
) -> list[Activity]:
    start = date.fromisoformat(first) if isinstance(first, str) else first
    return [run(start + timedelta(days=i), miles, **kwargs) for i in range(days)]  # type: ignore[arg-type]


def mile_splits(activity: Activity, seconds_per_mile: list[float]) -> list[Split]:
    """Cumulative mile splits as SmashRun reports them, plus the partial remainder."""
    splits: list[Split] = []
    distance_m = 0.0
    elapsed_s = 0.0
    for i, seconds in enumerate(seconds_per_mile, start=1):
        distance_m += METRES_PER_MILE
        elapsed_s += seconds
        splits.append(
            Split(
                activity_id=activity.activity_id,
                unit="mi",
                index=i,
                distance_m=distance_m,
                elapsed_s=elapsed_s,
            )
        )
    rest_m = activity.distance_m - distance_m
    if rest_m > 1:
        splits.append(
            Split(
                activity_id=activity.activity_id,
                unit="mi",
                index=len(splits) + 1,
                distance_m=activity.distance_m,
                elapsed_s=elapsed_s + rest_m / METRES_PER_MILE * 300.0,
            )
        )
    return splits


def at(text: str) -> datetime:
    """An aware instant from ISO 8601 text."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, "test instants must carry an offset"
    return value
