"""GPX and TCX files: UTC times dated by the zone at the first position; untrusted XML."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fixtures.activity_files import (
    CENTRAL_PARK,
    HYDE_PARK,
    TOKYO_STATION,
    Point,
    gpx_bytes,
    steady_points,
    tcx_bytes,
)
from streakcore.importers import Imported, ImportOptions, Rejected, Skipped, import_runs
from streakcore.importers.gpx_file import parse_gpx
from streakcore.importers.rejection import UnreadableFile
from streakcore.importers.sports import SportFilter
from streakcore.importers.tcx_file import parse_tcx

HOME = ZoneInfo("America/New_York")
TOKYO_MORNING_UTC = datetime(2025, 4, 1, 22, 0, tzinfo=UTC)

BILLION_LAUGHS_PROLOG = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
)


def only(path: Path, **options: object) -> Imported | Skipped | Rejected:
    outcomes = list(import_runs([path], ImportOptions(home=HOME, **options)))  # type: ignore[arg-type]
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_gpx_run_at_seven_in_tokyo_is_a_tokyo_date(tmp_path: Path) -> None:
    # given a GPX whose first point is at Tokyo Station at 22:00 UTC (07:00 next day there)
    points = steady_points(seconds=1800, metres_per_s=3.0, start=TOKYO_STATION)
    path = write(tmp_path, "run.gpx", gpx_bytes(TOKYO_MORNING_UTC, points))
    # when imported with a New York home
    outcome = only(path)
    # then its day is 2 April, from the zone at the track's first position
    assert isinstance(outcome, Imported)
    run = outcome.run
    assert run.start_local.isoformat() == "2025-04-02T07:00:00+09:00"
    assert (run.zone, run.zone_source) == ("Asia/Tokyo", "track-position")
    assert (run.source, run.file_format, run.sport, run.name) == (
        "gpx",
        "gpx",
        "running",
        "Morning Run",
    )


def test_a_gpx_run_is_measured_from_its_positions(tmp_path: Path) -> None:
    # given 5400 m north at an even pace (positions only: GPX has no distance stream)
    points = steady_points(seconds=1800, metres_per_s=3.0, start=HYDE_PARK)
    outcome = only(write(tmp_path, "run.gpx", gpx_bytes(TOKYO_MORNING_UTC, points)))
    assert isinstance(outcome, Imported)
    assert outcome.run.distance_m == pytest.approx(5400.0, rel=1e-3)
    assert outcome.run.duration_s == 1800.0
    km = [s for s in outcome.run.splits if s.unit == "km"]
    assert [s.index for s in km] == [1, 2, 3, 4, 5, 6]
    assert km[0].elapsed_s == pytest.approx(1000 / 3.0, rel=1e-3)


def test_gpx_type_nine_is_strava_for_run(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    outcome = only(write(tmp_path, "run.gpx", gpx_bytes(TOKYO_MORNING_UTC, points, sport="9")))
    assert isinstance(outcome, Imported)


def test_a_gpx_of_another_sport_is_skipped_by_its_type(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=1.4, start=CENTRAL_PARK)
    path = write(tmp_path, "walk.gpx", gpx_bytes(TOKYO_MORNING_UTC, points, sport="walking"))
    assert only(path) == Skipped(str(path), "walking")


def test_a_gpx_that_names_no_sport_counts_unless_the_setting_says_otherwise(
    tmp_path: Path,
) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    path = write(tmp_path, "run.gpx", gpx_bytes(TOKYO_MORNING_UTC, points, sport=None))
    assert isinstance(only(path), Imported)
    strict = SportFilter(count_unlabelled=False)
    assert only(path, sports=strict) == Skipped(str(path), "unlabelled")


def test_leading_blanks_before_the_xml_declaration_are_read(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK)
    gpx = gpx_bytes(TOKYO_MORNING_UTC, points, leading="\n          ")
    tcx = tcx_bytes(TOKYO_MORNING_UTC, [points], leading="          ")
    assert isinstance(only(write(tmp_path, "a.gpx", gpx)), Imported)
    assert isinstance(only(write(tmp_path, "b.tcx", tcx)), Imported)


def test_gpx_with_entity_declarations_is_refused_before_parsing() -> None:
    points = steady_points(seconds=60, metres_per_s=3.0, start=CENTRAL_PARK)
    data = gpx_bytes(TOKYO_MORNING_UTC, points, prolog=BILLION_LAUGHS_PROLOG)
    with pytest.raises(UnreadableFile, match="declares a document type"):
        parse_gpx(data)


def test_tcx_with_entity_declarations_is_refused_before_parsing() -> None:
    points = steady_points(seconds=60, metres_per_s=3.0, start=CENTRAL_PARK)
    data = tcx_bytes(TOKYO_MORNING_UTC, [points], prolog=BILLION_LAUGHS_PROLOG)
    with pytest.raises(UnreadableFile, match="declares a document type"):
        parse_tcx(data)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        (
            "cut.gpx",
            b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt',
            "cannot be read",
        ),
        (
            "cut.tcx",
            b'<?xml version="1.0"?><TrainingCenterDatabase><Activities>',
            "not well-formed",
        ),
        (
            "latin1.gpx",
            '<?xml version="1.0"?><gpx><trk><name>Caf\xe9</name>'.encode("latin-1"),
            "UTF-8",
        ),
        ("binary.tcx", b"\x00\x01\x02FIT", "not XML"),
        ("empty.gpx", b'<?xml version="1.0"?><gpx version="1.1"></gpx>', "no timed track points"),
        ("course.tcx", b'<?xml version="1.0"?><TrainingCenterDatabase/>', "no <Activity>"),
    ],
)
def test_broken_xml_files_are_rejected_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    outcome = only(write(tmp_path, name, data))
    assert isinstance(outcome, Rejected)
    assert reason in outcome.reason
    assert outcome.origin == str(tmp_path / name)


def test_a_tcx_keeps_its_lap_summary_and_splits_from_its_distance_stream(tmp_path: Path) -> None:
    # given two laps whose summary says 1609.344 m each, and a stream that reaches a mile at
    # 400 s and two at 800 s, with positions that wander (the stream must win)
    lap1 = [Point(0, 0.0, *HYDE_PARK), Point(400, 1609.344, 51.51, -0.16)]
    lap2 = [Point(400, 1609.344, 51.51, -0.16), Point(800, 3218.688, 51.60, -0.10)]
    data = tcx_bytes(
        TOKYO_MORNING_UTC, [lap1, lap2], lap_distances_m=[1609.344, 1609.344], notes="Tempo"
    )
    outcome = only(write(tmp_path, "run.tcx", data))
    assert isinstance(outcome, Imported)
    run = outcome.run
    assert run.distance_m == pytest.approx(3218.688)
    assert run.duration_s == 800.0
    assert [(s.index, s.elapsed_s) for s in run.splits if s.unit == "mi"] == [
        (1, 400.0),
        (2, 800.0),
    ]
    assert (run.zone, run.zone_source, run.notes) == ("Europe/London", "track-position", "Tempo")


def test_a_tcx_without_positions_is_dated_by_tz_then_home(tmp_path: Path) -> None:
    # given an indoor TCX at 23:30 UTC on 1 April: no positions to place it
    start = datetime(2025, 4, 1, 23, 30, tzinfo=UTC)
    points = steady_points(seconds=600, metres_per_s=3.0)
    path = write(tmp_path, "indoor.tcx", tcx_bytes(start, [points]))
    with_tz = only(path, tz_override=ZoneInfo("Asia/Tokyo"))
    at_home = only(path)
    assert isinstance(with_tz, Imported)
    assert isinstance(at_home, Imported)
    assert (with_tz.run.start_local.date(), with_tz.run.zone_source) == (date(2025, 4, 2), "--tz")
    assert (at_home.run.start_local.date(), at_home.run.zone_source) == (date(2025, 4, 1), "home")
    assert at_home.run.splits  # its distance stream still gives splits


def test_a_tcx_bike_ride_is_skipped(tmp_path: Path) -> None:
    points = steady_points(seconds=600, metres_per_s=8.0, start=CENTRAL_PARK)
    path = write(tmp_path, "ride.tcx", tcx_bytes(TOKYO_MORNING_UTC, [points], sport="Biking"))
    assert only(path) == Skipped(str(path), "Biking")
