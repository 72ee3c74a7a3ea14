"""GPX files read with `gpxpy`: positions and UTC times, no distance stream, no local time.

The whole file is one activity (exporters write one track; several tracks or segments are
one recording paused and resumed). Times without a zone are UTC, as GPX specifies.
"""

from __future__ import annotations

from datetime import UTC, datetime

import gpxpy
import gpxpy.gpx

from streakcore.importers.parsed_activity import Fix, ParsedActivity
from streakcore.importers.rejection import UnreadableFile
from streakcore.importers.xml_guard import activity_xml


def parse_gpx(data: bytes) -> tuple[ParsedActivity, ...]:
    text = activity_xml(data, "GPX")
    try:
        document = gpxpy.parse(text)
    except gpxpy.gpx.GPXException as exc:
        raise UnreadableFile(f"the GPX file cannot be read ({_first_line(exc)})") from None
    timed = [
        (_utc(point.time), point.latitude, point.longitude)
        for track in document.tracks
        for segment in track.segments
        for point in segment.points
        if point.time is not None
    ]
    if not timed:
        raise UnreadableFile("the GPX file has no timed track points, so its run has no start")
    start = timed[0][0]
    track = document.tracks[0] if document.tracks else None
    return (
        ParsedActivity(
            file_format="gpx",
            start_utc=start,
            sport=_clean(track.type) if track else None,
            duration_s=(timed[-1][0] - start).total_seconds(),
            fixes=tuple(
                Fix((at - start).total_seconds(), lat, lon)
                for at, lat, lon in timed
                if (lat, lon) != (0.0, 0.0)
            ),
            name=_clean(track.name) if track else None,
            notes=_clean(track.description if track else None) or _clean(document.description),
        ),
    )


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text else None


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
