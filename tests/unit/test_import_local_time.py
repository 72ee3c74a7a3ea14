"""The zone of a run's day, best source first: FIT offset, track position, --tz, home."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fixtures.activity_files import CENTRAL_PARK, HYDE_PARK, TOKYO_STATION
from streakcore.importers.local_time import local_start, zone_at

HOME = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO_MORNING_UTC = datetime(2025, 4, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("position", "zone"),
    [
        (TOKYO_STATION, "Asia/Tokyo"),
        (CENTRAL_PARK, "America/New_York"),
        (HYDE_PARK, "Europe/London"),
        ((-33.8568, 151.2153), "Australia/Sydney"),
        ((22.5431, 114.0579), "Asia/Shanghai"),
    ],
)
def test_the_zone_at_a_position_is_found_offline(position: tuple[float, float], zone: str) -> None:
    found = zone_at(*position)
    assert found is not None
    assert found.key == zone


@pytest.mark.parametrize(
    ("offset", "position", "override", "zone", "source", "day"),
    [
        (timedelta(hours=9), None, BERLIN, "+09:00", "fit-local-timestamp", date(2025, 4, 2)),
        (None, TOKYO_STATION, BERLIN, "Asia/Tokyo", "track-position", date(2025, 4, 2)),
        (None, None, BERLIN, "Europe/Berlin", "--tz", date(2025, 4, 2)),
        (None, None, None, "America/New_York", "home", date(2025, 4, 1)),
    ],
    ids=["fit offset first", "then the track", "then --tz", "then home"],
)
def test_the_day_comes_from_the_best_zone_available(
    offset: timedelta | None,
    position: tuple[float, float] | None,
    override: ZoneInfo | None,
    zone: str,
    source: str,
    day: date,
) -> None:
    where = local_start(
        TOKYO_MORNING_UTC,
        utc_offset=offset,
        first_position=position,
        tz_override=override,
        home=HOME,
    )
    assert (where.zone, where.zone_source, where.start_local.date()) == (zone, source, day)
    assert where.start_local == TOKYO_MORNING_UTC


def test_a_zone_observing_summer_time_gives_the_summer_offset() -> None:
    summer = local_start(
        datetime(2025, 7, 1, 6, 0, tzinfo=UTC),
        utc_offset=None,
        first_position=HYDE_PARK,
        tz_override=None,
        home=HOME,
    )
    assert summer.start_local.isoformat() == "2025-07-01T07:00:00+01:00"
