"""Splits from a track: exact small cases, the distance stream chosen, haversine."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from streakcore.importers.geodesy import EARTH_RADIUS_M, cumulative_distance, haversine_m
from streakcore.importers.imported_run import ImportedSplit
from streakcore.importers.parsed_activity import Fix, ParsedActivity, TrackPoint
from streakcore.importers.splits import monotonic, splits
from streakcore.importers.track import track_of

MILE = 1609.344


def test_mile_splits_interpolate_between_points_and_end_with_the_remainder() -> None:
    # given an even 2 m/s run of 2000 m sampled only at its ends
    track = [TrackPoint(0.0, 0.0), TrackPoint(1000.0, 2000.0)]
    # when split by the mile
    result = splits(track, "mi")
    # then mile 1 is reached at 1609.344 m after 804.672 s, and the 390.656 m remainder last
    assert result == (
        ImportedSplit("mi", 1, pytest.approx(MILE), pytest.approx(MILE / 2)),
        ImportedSplit("mi", 2, 2000.0, 1000.0),
    )


def test_km_splits_that_end_on_a_boundary_have_no_remainder() -> None:
    track = [TrackPoint(0.0, 0.0), TrackPoint(300.0, 1000.0), TrackPoint(700.0, 2000.0)]
    assert splits(track, "km") == (
        ImportedSplit("km", 1, 1000.0, 300.0),
        ImportedSplit("km", 2, 2000.0, 700.0),
    )


def test_a_split_between_uneven_points_is_linear_in_that_stretch_only() -> None:
    # given a fast first 500 m (100 s) and a slow second 1000 m (500 s)
    track = [TrackPoint(0.0, 0.0), TrackPoint(100.0, 500.0), TrackPoint(600.0, 1500.0)]
    # when split by the km
    first = splits(track, "km")[0]
    # then km 1 sits half way through the slow stretch: 100 s + 250 s
    assert first == ImportedSplit("km", 1, 1000.0, 350.0)


def test_several_boundaries_inside_one_stretch_each_get_a_split() -> None:
    track = [TrackPoint(0.0, 0.0), TrackPoint(900.0, 3000.0)]
    assert [(s.index, s.distance_m, s.elapsed_s) for s in splits(track, "km")] == [
        (1, 1000.0, 300.0),
        (2, 2000.0, 600.0),
        (3, 3000.0, 900.0),
    ]


def test_splits_count_from_the_first_point_of_the_track() -> None:
    # given a stream that starts at 2.3 m, 1 s in (Strava's TCX does)
    track = [TrackPoint(1.0, 2.3), TrackPoint(501.0, 1002.3)]
    assert splits(track, "km") == (ImportedSplit("km", 1, pytest.approx(1000.0), 500.0),)


@pytest.mark.parametrize(
    "track",
    [[], [TrackPoint(0.0, 0.0)], [TrackPoint(0.0, 5.0), TrackPoint(60.0, 5.0)]],
    ids=["empty", "one point", "never moves"],
)
def test_a_track_that_goes_nowhere_has_no_splits(track: list[TrackPoint]) -> None:
    assert splits(track, "mi") == ()


def test_a_remainder_under_a_metre_is_not_a_split() -> None:
    track = [TrackPoint(0.0, 0.0), TrackPoint(400.0, 1000.5)]
    assert splits(track, "km") == (ImportedSplit("km", 1, 1000.0, pytest.approx(399.8, 0.001)),)


def test_monotonic_drops_repeated_times_and_clamps_a_stream_that_jitters_back() -> None:
    track = [
        TrackPoint(0.0, 0.0),
        TrackPoint(1.0, 3.0),
        TrackPoint(1.0, 3.5),
        TrackPoint(2.0, 2.9),
        TrackPoint(3.0, 6.0),
    ]
    assert monotonic(track) == (
        TrackPoint(0.0, 0.0),
        TrackPoint(1.0, 3.0),
        TrackPoint(2.0, 3.0),
        TrackPoint(3.0, 6.0),
    )


def test_one_degree_of_latitude_is_the_mean_radius_times_pi_over_180() -> None:
    assert haversine_m(10.0, 20.0, 11.0, 20.0) == pytest.approx(EARTH_RADIUS_M * math.pi / 180)


def test_a_quarter_of_the_equator_is_a_quarter_of_the_circumference() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 90.0) == pytest.approx(EARTH_RADIUS_M * math.pi / 2)


def test_cumulative_distance_sums_the_hops_between_fixes() -> None:
    degree_m = EARTH_RADIUS_M * math.pi / 180
    fixes = [Fix(0.0, 0.0, 0.0), Fix(10.0, 0.001, 0.0), Fix(30.0, 0.003, 0.0)]
    assert list(cumulative_distance(fixes)) == [
        TrackPoint(0.0, 0.0),
        TrackPoint(10.0, pytest.approx(0.001 * degree_m)),
        TrackPoint(30.0, pytest.approx(0.003 * degree_m)),
    ]


def test_the_device_distance_stream_is_preferred_to_summed_positions() -> None:
    # given a file whose positions cover 1 degree but whose stream says 5000 m
    activity = ParsedActivity(
        file_format="fit",
        start_utc=datetime(2025, 1, 1, tzinfo=UTC),
        sport="running",
        distance_stream=(TrackPoint(0.0, 0.0), TrackPoint(1500.0, 5000.0)),
        fixes=(Fix(0.0, 0.0, 0.0), Fix(1500.0, 1.0, 0.0)),
    )
    # when its track is taken, then it is the stream's
    assert track_of(activity)[-1] == TrackPoint(1500.0, 5000.0)


def test_without_a_stream_the_track_is_the_haversine_of_its_positions() -> None:
    activity = ParsedActivity(
        file_format="gpx",
        start_utc=datetime(2025, 1, 1, tzinfo=UTC),
        sport="running",
        fixes=(Fix(0.0, 0.0, 0.0), Fix(1500.0, 0.01, 0.0)),
    )
    assert track_of(activity)[-1].distance_m == pytest.approx(EARTH_RADIUS_M * math.pi / 18000)
