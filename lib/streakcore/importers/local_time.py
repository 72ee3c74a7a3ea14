"""The zone that decides a run's streak day, and where it came from.

A streak day is the local date where the run happened. In order:
1. `fit-local-timestamp`: a FIT file says which offset the device was on;
2. `track-position`: the zone at the run's first position, looked up offline (tzfpy);
3. `--tz`: the zone the runner gave for files that carry neither;
4. `home`: the home zone (STREAK_TIMEZONE), the last resort.

tzfpy, not timezonefinder: one 3 MB abi3 wheel (CPython 3.10+, so 3.11 and 3.12 alike)
with no dependencies, against timezonefinder's numpy + cffi (+ h3 on 3.11) and 33 MB of
data, about 80-110 MB installed; lookups take about 2 µs against 3-4 µs. Its polygons are
simplified to within about 111 m of a border, which only matters for a run that starts
on one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tzfpy import get_tz

from streakcore.domain.models import format_offset
from streakcore.importers.imported_run import ZoneSource


class LocalStart(NamedTuple):
    start_local: datetime
    zone: str
    zone_source: ZoneSource


def zone_at(lat: float, lon: float) -> ZoneInfo | None:
    """The IANA zone at a position, or None at sea or where tzdata lacks the name."""
    name = get_tz(lon, lat)
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_start(
    start_utc: datetime,
    *,
    utc_offset: timedelta | None,
    first_position: tuple[float, float] | None,
    tz_override: ZoneInfo | None,
    home: ZoneInfo,
) -> LocalStart:
    if utc_offset is not None:
        start_local = start_utc.astimezone(timezone(utc_offset))
        # The device's offset decides the day; the zone at the start names it when the two
        # agree (a watch a zone behind after a flight keeps its own offset).
        zone = zone_at(*first_position) if first_position is not None else None
        agrees = zone is not None and start_utc.astimezone(zone).utcoffset() == utc_offset
        name = zone.key if zone is not None and agrees else format_offset(start_local)
        return LocalStart(start_local, name, "fit-local-timestamp")
    if first_position is not None:
        zone = zone_at(*first_position)
        if zone is not None:
            return LocalStart(start_utc.astimezone(zone), zone.key, "track-position")
    if tz_override is not None:
        return LocalStart(start_utc.astimezone(tz_override), _name(tz_override), "--tz")
    return LocalStart(start_utc.astimezone(home), _name(home), "home")


def _name(zone: tzinfo) -> str:
    return zone.key if isinstance(zone, ZoneInfo) else str(zone)
