"""A generated Strava bulk export of the 10-year bench athlete: `activities.csv` beside
`activities/`, one file per run as a Garmin user's export holds them: a third `.fit.gz`
(the watch's own file, written by the tests' FIT encoder: fitdecode only reads), the rest
GPX written with gpxpy (the library the import reads them with), every fifth of those
gzipped. Runs without a position (treadmill, manual) are CSV rows without a file, as in a
real export."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from streakcore.testing import Athlete
from streakcore.testing.activity_gpx import gpx_of_run

ROOT = Path(__file__).resolve().parent.parent

HEADER = [
    "Activity ID", "Activity Date", "Activity Name", "Activity Type", "Activity Description",
    "Elapsed Time", "Distance", "Filename", "Elapsed Time", "Moving Time", "Distance",
]  # fmt: skip
"""The columns the import reads, named and repeated as Strava's 103-column header does."""
POINT_EVERY_S = 5
"""Seconds between GPX track points: a watch's smart recording (1-8 s)."""
FIT_RECORD_EVERY_S = 2
"""Seconds between FIT records (many watches record every second: twice the records)."""
FIT_EVERY = 3
"""Every third run with a position is a FIT file."""


def fit_of_run(start: datetime, *, distance_m: float, duration_s: float, lat: float,
               lon: float, offset_s: float) -> bytes:  # fmt: skip
    """A FIT activity of an even-paced run, its local offset carried as a watch does."""
    import sys
    from datetime import timedelta

    if str(ROOT / "tests") not in sys.path:
        sys.path.insert(0, str(ROOT / "tests"))
    from fixtures.activity_files import FitLeg, fit_bytes, steady_points

    points = steady_points(
        seconds=int(duration_s), metres_per_s=distance_m / duration_s, start=(lat, lon),
        every_s=FIT_RECORD_EVERY_S,
    )  # fmt: skip
    data: bytes = fit_bytes(FitLeg(start, points), local_offset=timedelta(seconds=offset_s))
    return data


def strava_date(at: datetime) -> str:
    """`Apr 3, 2025, 9:50:37 PM` (UTC), as the export writes it."""
    hour = at.hour % 12 or 12
    ampm = "AM" if at.hour < 12 else "PM"
    return f"{at:%b} {at.day}, {at.year}, {hour}:{at:%M:%S} {ampm}"


def write_export(athlete: Athlete, path: Path, *, now: datetime) -> int:
    """Write the export zip to `path`; the number of runs in it."""
    rows = io.StringIO()
    table = csv.writer(rows, lineterminator="\n")
    table.writerow(HEADER)
    runs = [r for r in athlete.runs if r.uploaded_at <= now]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as export:
        for number, run in enumerate(runs):
            a = run.activity
            start = datetime.fromisoformat(str(a["startDateTimeLocal"])).astimezone(UTC)
            distance_m = float(a["distance"]) * 1000
            duration_s = float(a["duration"])
            filename = ""
            if a.get("startLatitude") is not None and not a.get("isTreadmill"):
                lat, lon = float(a["startLatitude"]), float(a["startLongitude"])
                if number % FIT_EVERY == 0:
                    local = datetime.fromisoformat(str(a["startDateTimeLocal"]))
                    offset = local.utcoffset()
                    data = fit_of_run(
                        start, distance_m=distance_m, duration_s=duration_s, lat=lat, lon=lon,
                        offset_s=offset.total_seconds() if offset else 0.0,
                    )  # fmt: skip
                    filename = f"activities/{7_000_000 + number}.fit.gz"
                    data = gzip.compress(data, compresslevel=1, mtime=0)
                else:
                    data = gpx_of_run(
                        start, distance_m=distance_m, duration_s=duration_s, lat=lat, lon=lon,
                        every_s=POINT_EVERY_S,
                    )  # fmt: skip
                    filename = f"activities/{7_000_000 + number}.gpx"
                    if number % 5 == 0:
                        data = gzip.compress(data, compresslevel=1, mtime=0)
                        filename += ".gz"
                export.writestr(filename, data)
            table.writerow(
                [a["activityId"], strava_date(start), "Run", "Run", "", f"{duration_s:.0f}",
                 f"{distance_m / 1000:.2f}", filename, f"{duration_s:.1f}", f"{duration_s:.1f}",
                 f"{distance_m:.1f}"]
            )  # fmt: skip
        export.writestr("activities.csv", rows.getvalue())
    return len(runs)
