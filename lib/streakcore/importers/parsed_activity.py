"""What a format parser reads from one activity: the file's facts, before any policy.

Policy (which sport counts, which zone decides the date, which distance stream makes the
splits) is applied later by the import, so every parser stays a plain reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from streakcore.importers.imported_run import FileFormat


class TrackPoint(NamedTuple):
    """Seconds since the start and cumulative metres at that moment."""

    elapsed_s: float
    distance_m: float


class Fix(NamedTuple):
    """A position (degrees) at a moment of the run."""

    elapsed_s: float
    lat: float
    lon: float


@dataclass(frozen=True)
class ParsedActivity:
    file_format: FileFormat
    start_utc: datetime
    sport: str | None
    """The file's own sport label (`running`, `Running`, `9`); None when it has none."""
    sub_sport: str | None = None
    distance_m: float | None = None
    """The file's summary distance (FIT session, TCX laps); None: measure the track."""
    duration_s: float | None = None
    utc_offset: timedelta | None = None
    """The offset the device says it was on (FIT local_timestamp); None for GPX and TCX."""
    distance_stream: tuple[TrackPoint, ...] = ()
    """The device's own cumulative distance per record (FIT record.distance, TCX
    Trackpoint/DistanceMeters)."""
    fixes: tuple[Fix, ...] = ()
    name: str | None = None
    notes: str | None = None

    @property
    def first_position(self) -> tuple[float, float] | None:
        return (self.fixes[0].lat, self.fixes[0].lon) if self.fixes else None
