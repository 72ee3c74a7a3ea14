"""TCX (Garmin Training Center) files, parsed by defusedxml's ElementTree.

TCX is plain enough that ElementTree reads it directly; defusedxml keeps untrusted files
from expanding entities or reaching external ones. Each <Activity> is one activity: laps
give its summary, trackpoints its distance stream (DistanceMeters) and positions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from streakcore.importers.parsed_activity import Fix, ParsedActivity, TrackPoint
from streakcore.importers.rejection import UnreadableFile
from streakcore.importers.xml_guard import activity_xml


def parse_tcx(data: bytes) -> tuple[ParsedActivity, ...]:
    text = activity_xml(data, "TCX")
    try:
        root = fromstring(text, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise UnreadableFile(f"the TCX file is not well-formed XML ({exc})") from None
    activities = [e for e in root.iter() if _local(e.tag) == "Activity"]
    if not activities:
        raise UnreadableFile("the TCX file holds no <Activity>")
    return tuple(_activity(element) for element in activities)


def _activity(activity: Element) -> ParsedActivity:
    laps = _children(activity, "Lap")
    points = [p for lap in laps for p in lap.iter() if _local(p.tag) == "Trackpoint"]
    timed: list[tuple[datetime, Element]] = []
    for point in points:
        at = _time(_child_text(point, "Time"))
        if at is not None:
            timed.append((at, point))
    start = (
        _time(_child_text(activity, "Id"))
        or (_time(laps[0].get("StartTime")) if laps else None)
        or (timed[0][0] if timed else None)
    )
    if start is None:
        raise UnreadableFile("the TCX activity has no start time (no Id, lap or trackpoint time)")
    lap_distances = [d for lap in laps if (d := _number(_child_text(lap, "DistanceMeters")))]
    lap_seconds = [s for lap in laps if (s := _number(_child_text(lap, "TotalTimeSeconds")))]
    stream: list[TrackPoint] = []
    fixes: list[Fix] = []
    for at, point in timed:
        elapsed_s = (at - start).total_seconds()
        distance_m = _number(_child_text(point, "DistanceMeters"))
        if distance_m is not None:
            stream.append(TrackPoint(elapsed_s, distance_m))
        position = _first(point, "Position")
        if position is not None:
            lat = _number(_child_text(position, "LatitudeDegrees"))
            lon = _number(_child_text(position, "LongitudeDegrees"))
            if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
                fixes.append(Fix(elapsed_s, lat, lon))
    return ParsedActivity(
        file_format="tcx",
        start_utc=start,
        sport=activity.get("Sport"),
        distance_m=sum(lap_distances) if lap_distances else None,
        duration_s=sum(lap_seconds) if lap_seconds else None,
        distance_stream=tuple(stream),
        fixes=tuple(fixes),
        notes=(_child_text(activity, "Notes") or "").strip() or None,
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _first(element: Element, name: str) -> Element | None:
    return next((child for child in element if _local(child.tag) == name), None)


def _child_text(element: Element, name: str) -> str | None:
    child = _first(element, name)
    return child.text if child is not None else None


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None
