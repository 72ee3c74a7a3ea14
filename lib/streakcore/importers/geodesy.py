"""Distance along a track of positions, for files that carry no distance stream (GPX)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from streakcore.importers.parsed_activity import Fix, TrackPoint

EARTH_RADIUS_M = 6_371_008.8
"""The mean Earth radius (IUGG). Haversine on a sphere is within 0.5% of the ellipsoid,
well inside how far GPS tracks of the same run disagree (about 2%, see `dedupe`)."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def cumulative_distance(fixes: Iterable[Fix]) -> Iterator[TrackPoint]:
    """Each fix's time and the metres run up to it, summing the hops between fixes."""
    previous: Fix | None = None
    total_m = 0.0
    for fix in fixes:
        if previous is not None:
            total_m += haversine_m(previous.lat, previous.lon, fix.lat, fix.lon)
        yield TrackPoint(fix.elapsed_s, total_m)
        previous = fix
