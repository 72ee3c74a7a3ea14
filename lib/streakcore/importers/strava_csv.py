"""Strava's bulk-export `activities.csv`: sport, name and Activity ID for each file.

The header repeats names (two `Distance`, two `Elapsed Time`, two `Commute` ...): columns
are found by the first position of a name, except `Distance`, whose second column is in
metres (the first is in the account's unit). Descriptions are quoted and may span lines.
`Activity Date` is UTC ("Apr 3, 2025, 9:50:37 PM"); it is used only for a run that has no
file, since a file's own times decide its day.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import IO

from pydantic import BaseModel, ConfigDict

from streakcore.domain.units import METRES_PER_KM
from streakcore.importers.rejection import UnreadableFile

DATE_FORMATS = ("%b %d, %Y, %I:%M:%S %p", "%b %d, %Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S")
REQUIRED = ("Activity ID", "Activity Type", "Filename")


class StravaActivity(BaseModel):
    """One row of activities.csv, as far as an import needs it."""

    model_config = ConfigDict(frozen=True)

    activity_id: str
    start_utc: datetime | None
    name: str | None
    sport: str | None
    description: str | None
    distance_m: float | None
    elapsed_s: float | None
    moving_s: float | None
    filename: str | None
    """The member path relative to the export's root, e.g. `activities/123.fit.gz`."""


def read_activities(stream: IO[bytes]) -> Iterator[StravaActivity]:
    """The rows of activities.csv; UnreadableFile when it is not Strava's CSV."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        rows = csv.reader(text)
        header = next(rows, None)
        if header is None:
            raise UnreadableFile("activities.csv is empty")
        columns = _Columns(header)
        for row in rows:
            if row:
                yield columns.activity(row)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise UnreadableFile(f"activities.csv cannot be read ({exc})") from None


class _Columns:
    def __init__(self, header: Sequence[str]) -> None:
        self.first: dict[str, int] = {}
        self.all: dict[str, list[int]] = {}
        for index, name in enumerate(header):
            self.first.setdefault(name.strip(), index)
            self.all.setdefault(name.strip(), []).append(index)
        missing = [name for name in REQUIRED if name not in self.first]
        if missing:
            raise UnreadableFile(
                f"activities.csv lacks the column(s) {', '.join(missing)}: not a Strava export"
            )

    def cell(self, row: Sequence[str], name: str, occurrence: int = 0) -> str | None:
        positions = self.all.get(name, [])
        if occurrence >= len(positions) or positions[occurrence] >= len(row):
            return None
        return row[positions[occurrence]].strip() or None

    def activity(self, row: Sequence[str]) -> StravaActivity:
        activity_id = self.cell(row, "Activity ID")
        if activity_id is None:
            raise UnreadableFile("activities.csv has a row without an Activity ID")
        metres = _number(self.cell(row, "Distance", 1))
        if metres is None and (km := _number(self.cell(row, "Distance"))) is not None:
            metres = km * METRES_PER_KM
        return StravaActivity(
            activity_id=activity_id,
            start_utc=_date(self.cell(row, "Activity Date")),
            name=self.cell(row, "Activity Name"),
            sport=self.cell(row, "Activity Type"),
            description=self.cell(row, "Activity Description"),
            distance_m=metres,
            elapsed_s=_number(self.cell(row, "Elapsed Time")),
            moving_s=_number(self.cell(row, "Moving Time")),
            filename=self.cell(row, "Filename"),
        )


def _date(text: str | None) -> datetime | None:
    if text is None:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None
