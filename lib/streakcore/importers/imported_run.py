"""What an import makes of one activity file (or one Strava summary row): an `ImportedRun`.

It is not yet a stored `Activity`: it has no store id, and it keeps what the store will
need to count a run once (source, source id, start instant) and to explain its streak day
(the zone and where that zone came from).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from streakcore.domain.models import SplitUnit

ImportSource = Literal["gpx", "tcx", "fit", "strava-export"]
FileFormat = Literal["gpx", "tcx", "fit"]
ZoneSource = Literal["fit-local-timestamp", "track-position", "--tz", "home"]
"""Where the zone of a run's local date came from, best first (see `local_time`)."""


@dataclass(frozen=True, slots=True)
class ImportedSplit:
    """The shape of `streakcore.domain.models.Split` without a store id: cumulative
    distance and elapsed time at the end of split `index` (from 1)."""

    unit: SplitUnit
    index: int
    distance_m: float
    elapsed_s: float


class ImportedRun(BaseModel):
    """One run read from a file or an export, with its local start where it happened."""

    model_config = ConfigDict(frozen=True)

    source: ImportSource
    source_id: str = Field(min_length=1)
    start_utc: datetime
    start_local: datetime
    zone: str = Field(min_length=1)
    """An IANA name (`Asia/Tokyo`) or, from a FIT file's local timestamp, an offset (`+02:00`)."""
    zone_source: ZoneSource
    distance_m: float = Field(ge=0)
    duration_s: float = Field(ge=0)
    sport: str
    is_treadmill: bool = False
    splits: tuple[ImportedSplit, ...] = ()
    name: str | None = None
    notes: str | None = None
    file_format: FileFormat | None = None
    """The format of the file the run came from; None for a summary without a file."""
    origin: str = ""
    """Which file (and zip member) it came from, for messages."""

    @field_validator("start_utc", "start_local")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("start times must carry a UTC offset")
        return value

    @model_validator(mode="after")
    def _local_is_the_same_instant(self) -> ImportedRun:
        if self.start_local != self.start_utc:
            raise ValueError("start_local and start_utc must be the same instant")
        if self.start_utc.utcoffset() != timedelta(0):
            raise ValueError("start_utc must be in UTC")
        return self

    @property
    def has_splits(self) -> bool:
        return bool(self.splits)

    @property
    def from_file(self) -> bool:
        return self.file_format is not None
