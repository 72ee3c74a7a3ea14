"""GPX files of synthetic runs, written with gpxpy (the library the importer reads them
with): for the demo's import and the import benchmark. A run heads north from its start at
an even pace, a point every `every_s` seconds."""

from __future__ import annotations

from datetime import datetime, timedelta

import gpxpy.gpx

METRES_PER_DEGREE_LAT = 111_195.0


def gpx_of_run(
    start_utc: datetime,
    *,
    distance_m: float,
    duration_s: float,
    lat: float,
    lon: float,
    sport: str = "running",
    name: str = "Run",
    every_s: int = 10,
) -> bytes:
    """A one-track GPX of an even-paced run of `distance_m` in `duration_s`."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "streakcore synthetic athlete"
    track = gpxpy.gpx.GPXTrack(name=name)
    track.type = sport  # type: ignore[assignment]  # gpxpy's stub says None, the writer takes a str
    gpx.tracks.append(track)
    segment = gpxpy.gpx.GPXTrackSegment()
    track.segments.append(segment)
    speed = distance_m / duration_s if duration_s > 0 else 0.0
    steps = max(1, int(duration_s // every_s))
    for step in range(steps + 1):
        elapsed_s = min(duration_s, step * every_s)
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                latitude=round(lat + elapsed_s * speed / METRES_PER_DEGREE_LAT, 7),
                longitude=lon,
                time=start_utc + timedelta(seconds=elapsed_s),
            )
        )
    if steps * every_s < duration_s:
        segment.points.append(
            gpxpy.gpx.GPXTrackPoint(
                latitude=round(lat + distance_m / METRES_PER_DEGREE_LAT, 7),
                longitude=lon,
                time=start_utc + timedelta(seconds=duration_s),
            )
        )
    return gpx.to_xml(prettyprint=False).encode()
