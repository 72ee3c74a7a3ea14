"""Domain models: what a run is once it has left SmashRun's schema behind."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

SplitUnit = Literal["mi", "km"]
RunSource = Literal["smashrun", "gpx", "tcx", "fit", "strava-export", "manual"]
"""Where a run reached us from: SmashRun, a file (alone or in a Strava export), a log."""
RUN_SOURCES: tuple[RunSource, ...] = ("smashrun", "gpx", "tcx", "fit", "strava-export", "manual")
ZoneSource = Literal[
    "smashrun-local-time", "fit-local-timestamp", "track-position", "--tz", "home", "given-date"
]
"""How a run's streak day was found: SmashRun's local start (it carries its offset), a FIT
file's local timestamp, the zone at a track's first position, the import's `--tz`, the
home zone, or the date a manual log was given."""

MAX_RUN_DISTANCE_M = 1_000_000.0
"""1,000 km. The longest efforts anyone records as one activity are 24- and 48-hour races
(about 320 and 470 km at world-record pace); multi-day races are logged a day at a time.
Past this it is a mistake in units (metres sent as km) or an overflow, not a run."""
MAX_RUN_DURATION_S = 10 * 86_400.0
"""10 days: no watch or app records one activity longer, and no run lasts longer."""
EARLIEST_RUN_YEAR = 1900
"""Before any recorded streak (the oldest began in the 1960s); catches a date sentinel
such as 0001-01-01, whose UTC instant does not exist."""
LATEST_RUN_YEAR = 2200
"""The last year `/stats` answers for (`as_of`); 9999 in a far-west offset has no UTC
instant."""


class Activity(BaseModel):
    """One run. `start_local` keeps the UTC offset of the place where it happened.

    Checked in the units we store, after any conversion: a distance finite in km can
    overflow in metres, and a run that cannot be a run is quarantined, not summed.
    """

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    activity_id: str = Field(min_length=1)
    start_local: datetime
    distance_m: float = Field(ge=0, le=MAX_RUN_DISTANCE_M)
    duration_s: float = Field(ge=0, le=MAX_RUN_DURATION_S)
    activity_type: str = "running"
    external_id: str | None = None
    is_treadmill: bool | None = None
    heart_rate_avg: float | None = None
    notes: str | None = None
    source: RunSource = "smashrun"
    source_id: str | None = None
    """The run's id at its source (SmashRun's id, a file's content hash, Strava's id);
    None for SmashRun, whose id is `activity_id` itself."""
    zone_source: ZoneSource = "smashrun-local-time"

    @field_validator("start_local")
    @classmethod
    def _must_be_a_real_start(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("start_local must carry the UTC offset where the run happened")
        if not EARLIEST_RUN_YEAR <= value.year <= LATEST_RUN_YEAR:
            raise ValueError(
                f"the year {value.year} is outside {EARLIEST_RUN_YEAR}-{LATEST_RUN_YEAR}"
            )
        return value

    @property
    def local_date(self) -> date:
        """The streak day: the calendar date where and when the run started."""
        return self.start_local.date()

    @property
    def utc_offset(self) -> str:
        """The offset the run carried, as `+HH:MM`."""
        return format_offset(self.start_local)

    def facts(self) -> RunFacts:
        return RunFacts(
            self.activity_id,
            self.start_local,
            self.local_date,
            self.distance_m,
            self.duration_s,
            self.source,
        )


def format_offset(start_local: datetime) -> str:
    offset = start_local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"


class Run(Protocol):
    """What the streak and stats maths read of a run: an `Activity` or its `RunFacts`."""

    @property
    def activity_id(self) -> str: ...
    @property
    def start_local(self) -> datetime: ...
    @property
    def local_date(self) -> date: ...
    @property
    def distance_m(self) -> float: ...
    @property
    def duration_s(self) -> float: ...
    @property
    def utc_offset(self) -> str: ...
    @property
    def source(self) -> str: ...


class RunFacts(NamedTuple):
    """The few facts of a run the stats need, cheap enough to build 10,000 at a time.

    The store hands these to the stats engine instead of full (validated) Activities so a
    20-year history answers `/stats` in milliseconds.
    """

    activity_id: str
    start_local: datetime
    local_date: date
    distance_m: float
    duration_s: float
    source: str = "smashrun"

    @property
    def utc_offset(self) -> str:
        return format_offset(self.start_local)


class Split(BaseModel):
    """One split as SmashRun reports it: cumulative distance and time at its end, within
    what one run can cover."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    activity_id: str = Field(min_length=1)
    unit: SplitUnit
    index: int = Field(ge=1)
    distance_m: float = Field(ge=0, le=MAX_RUN_DISTANCE_M)
    elapsed_s: float = Field(ge=0, le=MAX_RUN_DURATION_S)
    speed: float | None = None
    heart_rate: float | None = None
    elevation_gain_m: float | None = None
    elevation_loss_m: float | None = None
