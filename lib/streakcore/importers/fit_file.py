"""FIT activity files (Garmin, Suunto, Coros, Wahoo ...) read with `fitdecode`.

Every byte is checked against the file's CRC and the whole file is read before anything is
returned: a truncated or damaged file is rejected, never half-imported. Each session is an
activity (a multisport file has one per leg); its records are the ones inside its time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import fitdecode  # type: ignore[import-untyped]

from streakcore.importers.parsed_activity import Fix, ParsedActivity, TrackPoint
from streakcore.importers.rejection import NotAnActivity, UnreadableFile

SEMICIRCLES_PER_DEGREE = 2**31 / 180
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
FIT_RELATIVE_LIMIT = 0x10000000
OFFSET_STEP = timedelta(minutes=15)
"""Every UTC offset in use is a whole quarter hour; local_timestamp and timestamp are whole
seconds written a moment apart, so the difference is rounded to the nearest step."""
MAX_OFFSET = timedelta(hours=14)
SESSION_SLACK_S = 1.0
"""Records are stamped to the second; one second either side of a session is still it."""


@dataclass
class _Session:
    start: datetime | None
    end: datetime | None
    distance_m: float | None
    timer_s: float | None
    elapsed_s: float | None
    sport: str | None
    sub_sport: str | None
    name: str | None


@dataclass
class _Record:
    at: datetime
    distance_m: float | None
    lat: float | None
    lon: float | None


@dataclass
class _Collected:
    file_type: str | None = None
    sport: str | None = None
    sub_sport: str | None = None
    sport_name: str | None = None
    created: datetime | None = None
    activity_at: datetime | None = None
    activity_local: datetime | None = None
    sessions: list[_Session] = field(default_factory=list)
    records: list[_Record] = field(default_factory=list)


def parse_fit(data: bytes) -> tuple[ParsedActivity, ...]:
    """The activities (one per session) of a whole, undamaged FIT activity file."""
    collected = _read(data)
    if collected.file_type not in (None, "activity"):
        raise NotAnActivity(f"a FIT {collected.file_type} file, not an activity")
    offset = _utc_offset(collected.activity_at, collected.activity_local)
    sessions = collected.sessions or [_session_from_records(collected)]
    parsed = []
    for session in sessions:
        start = session.start or (collected.records[0].at if collected.records else None)
        start = start or collected.created
        if start is None:
            raise UnreadableFile("the FIT file has no start time (no session, record or file_id)")
        end = session.end
        if end is None and session.elapsed_s is not None:
            end = start + timedelta(seconds=session.elapsed_s)
        records = _records_within(collected.records, start, end, alone=len(sessions) == 1)
        parsed.append(
            ParsedActivity(
                file_format="fit",
                start_utc=start,
                sport=session.sport or collected.sport,
                sub_sport=session.sub_sport or collected.sub_sport,
                distance_m=session.distance_m,
                duration_s=session.timer_s if session.timer_s is not None else session.elapsed_s,
                utc_offset=offset,
                distance_stream=tuple(
                    TrackPoint((r.at - start).total_seconds(), r.distance_m)
                    for r in records
                    if r.distance_m is not None
                ),
                fixes=tuple(
                    Fix((r.at - start).total_seconds(), r.lat, r.lon)
                    for r in records
                    if r.lat is not None and r.lon is not None
                ),
                name=session.name or collected.sport_name,
            )
        )
    return tuple(parsed)


def _read(data: bytes) -> _Collected:
    collected = _Collected()
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            # No data processor: its work on every field of every record (units, types)
            # was a fifth of the time of a long run's file; the only conversion we need,
            # date_time, is `_instant`'s.
            processor=None,
            check_crc=fitdecode.CrcCheck.RAISE,
            # Odd developer fields are a writer's quirk, not damage; the CRC catches damage.
            error_handling=fitdecode.ErrorHandling.IGNORE,
        ) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage):
                    _collect(collected, frame)
    except fitdecode.FitEOFError:
        raise UnreadableFile(
            "the FIT file is truncated (it ends before the size its header gives)"
        ) from None
    except fitdecode.FitCRCError:
        raise UnreadableFile("the FIT file is damaged (its CRC checksum does not match)") from None
    except fitdecode.FitHeaderError as exc:
        raise UnreadableFile(f"not a readable FIT file ({exc})") from None
    except (fitdecode.FitError, ValueError, TypeError, KeyError, IndexError) as exc:
        raise UnreadableFile(f"the FIT file cannot be decoded ({exc})") from None
    return collected


def _collect(into: _Collected, frame: Any) -> None:
    name = frame.name
    if name == "record":
        at = _datetime(frame, "timestamp")
        if at is not None:
            lat, lon = _degrees(frame, "position_lat"), _degrees(frame, "position_long")
            valid = lat is not None and lon is not None and (lat, lon) != (0.0, 0.0)
            into.records.append(
                _Record(
                    at,
                    _number(frame, "distance"),
                    lat if valid else None,
                    lon if valid else None,
                )
            )
    elif name == "session":
        into.sessions.append(
            _Session(
                start=_datetime(frame, "start_time"),
                end=_datetime(frame, "timestamp"),
                distance_m=_number(frame, "total_distance"),
                timer_s=_number(frame, "total_timer_time"),
                elapsed_s=_number(frame, "total_elapsed_time"),
                sport=_label(frame, "sport"),
                sub_sport=_label(frame, "sub_sport"),
                name=_text(frame, "sport_profile_name"),
            )
        )
    elif name == "activity":
        into.activity_at = _datetime(frame, "timestamp")
        into.activity_local = _datetime(frame, "local_timestamp")
    elif name == "sport":
        into.sport = _label(frame, "sport")
        into.sub_sport = _label(frame, "sub_sport")
        into.sport_name = _text(frame, "name")
    elif name == "file_id" and into.file_type is None:
        into.file_type = _label(frame, "type")
        into.created = _datetime(frame, "time_created")


def _session_from_records(collected: _Collected) -> _Session:
    """A file with records but no session message (some exporters): its records are it."""
    records = collected.records
    if not records:
        raise UnreadableFile("the FIT file has neither a session nor any records")
    distances = [r.distance_m for r in records if r.distance_m is not None]
    return _Session(
        start=records[0].at,
        end=records[-1].at,
        distance_m=distances[-1] if distances else None,
        timer_s=None,
        elapsed_s=(records[-1].at - records[0].at).total_seconds(),
        sport=None,
        sub_sport=None,
        name=None,
    )


def _records_within(
    records: list[_Record], start: datetime, end: datetime | None, *, alone: bool
) -> list[_Record]:
    slack = timedelta(seconds=SESSION_SLACK_S)
    return [
        r
        for r in records
        if r.at >= start - slack and (alone or end is None or r.at <= end + slack)
    ]


def _utc_offset(at: datetime | None, local: datetime | None) -> timedelta | None:
    """The offset the device was on: activity.local_timestamp minus activity.timestamp.

    `_instant` reads local_timestamp as if it were UTC, so the two subtract directly.
    """
    if at is None or local is None:
        return None
    raw = local.replace(tzinfo=None) - at.replace(tzinfo=None)
    offset = round(raw / OFFSET_STEP) * OFFSET_STEP
    return offset if abs(offset) <= MAX_OFFSET else None


def _value(frame: Any, name: str) -> Any:
    return frame.get_value(name, fallback=None)


def _datetime(frame: Any, name: str) -> datetime | None:
    return _instant(_value(frame, name))


def _instant(value: Any) -> datetime | None:
    """A FIT date_time (seconds since 1989-12-31 UTC) as an aware datetime; None for a
    value below 0x10000000, which the profile defines as seconds since the device powered
    up, not an instant. A local_date_time comes out the same way, as if it were UTC."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= FIT_RELATIVE_LIMIT:
        return FIT_EPOCH + timedelta(seconds=value)
    return None


def _number(frame: Any, name: str) -> float | None:
    value = _value(frame, name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _label(frame: Any, name: str) -> str | None:
    """An enum as its profile name; a value newer than fitdecode's profile as its number."""
    value = _value(frame, name)
    return None if value is None else str(value)


def _text(frame: Any, name: str) -> str | None:
    value = _value(frame, name)
    return value.strip() or None if isinstance(value, str) else None


def _degrees(frame: Any, name: str) -> float | None:
    value = _number(frame, name)
    if value is None:
        return None
    degrees = value / SEMICIRCLES_PER_DEGREE
    limit = 90.0 if name == "position_lat" else 180.0
    return degrees if -limit <= degrees <= limit else None
