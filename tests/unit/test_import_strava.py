"""A Strava bulk export: activities.csv gives sport, name and id; the files give the day."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fixtures.activity_files import (
    CENTRAL_PARK,
    STRAVA_COLUMNS,
    TOKYO_STATION,
    FitLeg,
    StravaRow,
    fit_bytes,
    gpx_bytes,
    gz,
    steady_points,
    strava_csv,
    tcx_bytes,
    zip_bytes,
)
from streakcore.importers import Imported, ImportOptions, Rejected, Skipped, import_runs
from streakcore.importers.limits import ImportLimits
from streakcore.importers.rejection import UnreadableFile
from streakcore.importers.strava_csv import read_activities

HOME = ZoneInfo("America/New_York")
TOKYO_MORNING_UTC = datetime(2025, 4, 3, 21, 50, 37, tzinfo=UTC)
NYC_NOON_UTC = datetime(2025, 5, 1, 16, 0, tzinfo=UTC)


def export(tmp_path: Path, rows: list[StravaRow], members: dict[str, bytes]) -> Path:
    path = tmp_path / "export_12345.zip"
    path.write_bytes(zip_bytes({"activities.csv": strava_csv(rows), **members}))
    return path


def run_row(activity_id: str, start: datetime, filename: str, sport: str = "Run") -> StravaRow:
    return StravaRow(activity_id, start, "Morning Run", sport, filename, 5400.0, 1800)


def test_the_csv_header_with_repeated_names_and_quoted_lines_is_read() -> None:
    # given Strava's 103 columns (Distance, Elapsed Time ... twice) and a description
    # with a comma and a newline
    assert len(STRAVA_COLUMNS) == 103
    row = StravaRow(
        "13051119790", TOKYO_MORNING_UTC, "Morning Run", "Run", "activities/1.gpx",
        3913.9, 1538, description="晨跑, easy\n-- from Garmin",
    )  # fmt: skip
    [activity] = read_activities(io.BytesIO(strava_csv([row])))
    # then the UTC date, the metres column and the whole description come out
    assert activity.activity_id == "13051119790"
    assert activity.start_utc == TOKYO_MORNING_UTC
    assert activity.distance_m == 3913.9
    assert activity.description == "晨跑, easy\n-- from Garmin"
    assert (activity.sport, activity.filename, activity.elapsed_s) == (
        "Run",
        "activities/1.gpx",
        1538.0,
    )


def test_strava_writes_dates_like_apr_3_2025_9_50_37_pm() -> None:
    header = "Activity ID,Activity Date,Activity Type,Filename\n"
    text = header + '1,"Apr 3, 2025, 9:50:37 PM",Run,\n2,"Dec 24, 2019, 12:05:00 AM",Run,\n'
    rows = list(read_activities(io.BytesIO(text.encode())))
    assert [r.start_utc for r in rows] == [
        datetime(2025, 4, 3, 21, 50, 37, tzinfo=UTC),
        datetime(2019, 12, 24, 0, 5, tzinfo=UTC),
    ]


def test_a_csv_without_strava_columns_is_refused() -> None:
    with pytest.raises(UnreadableFile, match="not a Strava export"):
        list(read_activities(io.BytesIO(b"date,km\n2025-01-01,5\n")))


def test_a_strava_file_takes_its_day_from_the_track_and_its_sport_from_the_csv(
    tmp_path: Path,
) -> None:
    # given a Strava GPX of a Tokyo dawn run whose <type> is Strava's `9`, while the CSV's
    # UTC date is the day before
    points = steady_points(seconds=1800, metres_per_s=3.0, start=TOKYO_STATION)
    path = export(
        tmp_path,
        [run_row("13051119790", TOKYO_MORNING_UTC, "activities/464919178.gpx")],
        {"activities/464919178.gpx": gpx_bytes(TOKYO_MORNING_UTC, points, sport="9")},
    )
    # when imported
    [outcome] = import_runs([path], ImportOptions(home=HOME))
    # then it is Strava's activity, dated where it happened
    assert isinstance(outcome, Imported)
    run = outcome.run
    assert (run.source, run.source_id, run.sport, run.file_format) == (
        "strava-export", "13051119790", "Run", "gpx",
    )  # fmt: skip
    assert run.start_local.date() == date(2025, 4, 4)
    assert run.zone_source == "track-position"
    assert run.origin == f"{path}:activities/464919178.gpx"
    assert run.splits


def test_a_strava_ride_is_skipped_by_its_csv_row_without_reading_its_file(tmp_path: Path) -> None:
    # given a ride whose file would not even decompress
    path = export(
        tmp_path,
        [run_row("1031234567", NYC_NOON_UTC, "activities/1121234567.fit.gz", sport="Ride")],
        {"activities/1121234567.fit.gz": b"not gzip at all"},
    )
    outcomes = list(import_runs([path], ImportOptions(home=HOME)))
    assert outcomes == [Skipped(f"{path}:activities/1121234567.fit.gz", "Ride")]


def test_a_manual_strava_entry_is_imported_from_the_csv_in_the_home_zone(tmp_path: Path) -> None:
    # given a row with no file (a run logged by hand on Strava) at 02:00 UTC on 2 May
    logged = StravaRow(
        "777", datetime(2025, 5, 2, 2, 0, tzinfo=UTC), "Treadmill", "Run", "", 3218.7, 1500
    )
    path = export(tmp_path, [logged], {})
    [outcome] = import_runs([path], ImportOptions(home=HOME))
    # then it is a summary-only run dated in the home zone (22:00 on 1 May in New York)
    assert isinstance(outcome, Imported)
    run = outcome.run
    assert (run.source, run.source_id, run.file_format, run.splits) == (
        "strava-export",
        "777",
        None,
        (),
    )
    assert (run.start_local.date(), run.zone, run.zone_source) == (
        date(2025, 5, 1), "America/New_York", "home",
    )  # fmt: skip
    assert (run.distance_m, run.duration_s) == (3218.7, 1500.0)


def test_a_strava_export_reads_gzipped_tcx_and_fit_members(tmp_path: Path) -> None:
    points = steady_points(seconds=1200, metres_per_s=3.0, start=CENTRAL_PARK)
    tcx = tcx_bytes(NYC_NOON_UTC, [points], leading="          ")
    later = NYC_NOON_UTC + timedelta(days=1)
    fit = fit_bytes(FitLeg(later, points), local_offset=timedelta(hours=-4))
    path = export(
        tmp_path,
        [
            run_row("6281425038", NYC_NOON_UTC, "activities/6281425038.tcx.gz"),
            run_row("371234567", later, "activities/401234567.fit.gz"),
        ],
        {"activities/6281425038.tcx.gz": gz(tcx), "activities/401234567.fit.gz": gz(fit)},
    )
    outcomes = list(import_runs([path], ImportOptions(home=HOME)))
    assert [(o.run.source_id, o.run.file_format) for o in outcomes if isinstance(o, Imported)] == [
        ("6281425038", "tcx"),
        ("371234567", "fit"),
    ]


def test_a_damaged_strava_file_is_rejected_and_not_replaced_by_its_csv_row(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    fit = fit_bytes(FitLeg(NYC_NOON_UTC, points))
    path = export(
        tmp_path,
        [run_row("5", NYC_NOON_UTC, "activities/5.fit")],
        {"activities/5.fit": fit[: len(fit) // 2]},
    )
    outcomes = list(import_runs([path], ImportOptions(home=HOME)))
    assert len(outcomes) == 1
    assert isinstance(outcomes[0], Rejected)
    assert outcomes[0].origin == f"{path}:activities/5.fit"


def test_an_export_whose_csv_is_not_strava_s_still_imports_its_files(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    path = tmp_path / "export.zip"
    path.write_bytes(
        zip_bytes(
            {"activities.csv": b"when,what\n", "activities/1.gpx": gpx_bytes(NYC_NOON_UTC, points)}
        )
    )
    outcomes = list(import_runs([path], ImportOptions(home=HOME)))
    assert isinstance(outcomes[0], Rejected)
    assert outcomes[0].origin == f"{path}:activities.csv"
    assert isinstance(outcomes[1], Imported)
    assert outcomes[1].run.source == "gpx"


def test_an_activities_csv_past_its_size_limit_is_refused_and_the_files_still_read(
    tmp_path: Path,
) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    rows = [run_row(str(n), NYC_NOON_UTC, f"activities/{n}.gpx") for n in range(50)]
    path = export(tmp_path, rows, {"activities/0.gpx": gpx_bytes(NYC_NOON_UTC, points)})
    options = ImportOptions(home=HOME, limits=ImportLimits(max_csv_bytes=2048))
    outcomes = list(import_runs([path], options))
    assert isinstance(outcomes[0], Rejected)
    assert outcomes[0].reason == "activities.csv is larger than 2,048 bytes; refused"
    assert isinstance(outcomes[1], Imported)
