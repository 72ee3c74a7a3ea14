"""FIT files: summary, local day from the device, track, rejection of damaged files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fixtures.activity_files import (
    CENTRAL_PARK,
    TOKYO_STATION,
    FitLeg,
    fit_bytes,
    gz,
    steady_points,
)
from streakcore.importers import Imported, ImportOptions, Rejected, Skipped, import_runs
from streakcore.importers.fit_file import parse_fit
from streakcore.importers.rejection import NotAnActivity, UnreadableFile

HOME = ZoneInfo("America/New_York")
# 22:00 UTC on 1 April is 07:00 on 2 April in Tokyo (and 18:00 on 1 April at home)
TOKYO_MORNING_UTC = datetime(2025, 4, 1, 22, 0, tzinfo=UTC)


def only(path: Path, **options: object) -> Imported | Skipped | Rejected:
    outcomes = list(import_runs([path], ImportOptions(home=HOME, **options)))  # type: ignore[arg-type]
    assert len(outcomes) == 1, outcomes
    return outcomes[0]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def tokyo_run(**leg: object) -> FitLeg:
    return FitLeg(
        TOKYO_MORNING_UTC,
        steady_points(seconds=1200, metres_per_s=3.0, start=TOKYO_STATION),
        **leg,  # type: ignore[arg-type]
    )


def test_a_fit_run_keeps_the_device_summary_and_source(tmp_path: Path) -> None:
    # given a 20-minute, 3.6 km FIT run whose session says 3600 m and 1190 s on the timer
    data = fit_bytes(tokyo_run(total_distance_m=3600.0, timer_s=1190.0))
    # when imported
    outcome = only(write(tmp_path, "run.fit", data))
    # then it is one run with the session's figures, identified by its content
    assert isinstance(outcome, Imported)
    run = outcome.run
    assert (run.source, run.file_format, run.sport) == ("fit", "fit", "running")
    assert (run.distance_m, run.duration_s) == (3600.0, 1190.0)
    assert run.start_utc == TOKYO_MORNING_UTC
    assert len(run.source_id) == 64


def test_fit_local_timestamp_decides_the_day_of_a_tokyo_morning_run(tmp_path: Path) -> None:
    # given a run at 07:00 in Tokyo, whose device was on +09:00
    data = fit_bytes(tokyo_run(), local_offset=timedelta(hours=9))
    # when imported with a New York home
    run = only(write(tmp_path, "run.fit", data))
    # then its day is the Tokyo date, named by the zone at its start
    assert isinstance(run, Imported)
    assert run.run.start_local.date() == date(2025, 4, 2)
    assert run.run.start_local.hour == 7
    assert (run.run.zone, run.run.zone_source) == ("Asia/Tokyo", "fit-local-timestamp")


def test_the_device_offset_wins_over_the_position_and_names_itself_when_they_differ(
    tmp_path: Path,
) -> None:
    # given a watch still on New York time (-04:00) for a run in Tokyo
    data = fit_bytes(tokyo_run(), local_offset=timedelta(hours=-4))
    run = only(write(tmp_path, "run.fit", data))
    # then the device's offset decides, and the zone is that offset
    assert isinstance(run, Imported)
    assert run.run.start_local.date() == date(2025, 4, 1)
    assert (run.run.zone, run.run.zone_source) == ("-04:00", "fit-local-timestamp")


def test_a_fit_without_local_timestamp_takes_its_day_from_the_track(tmp_path: Path) -> None:
    # given a FIT (as Suunto writes) with positions but no local_timestamp
    data = fit_bytes(tokyo_run(sub_sport="trail"), local_offset=None)
    run = only(write(tmp_path, "trail.fit", data))
    assert isinstance(run, Imported)
    assert run.run.start_local.date() == date(2025, 4, 2)
    assert (run.run.zone, run.run.zone_source) == ("Asia/Tokyo", "track-position")
    assert run.run.sport == "running/trail"


def test_a_treadmill_fit_counts_takes_its_day_from_the_device_and_splits_from_its_stream(
    tmp_path: Path,
) -> None:
    # given a treadmill run: no positions, a distance stream, the device on -05:00,
    # 3.3 m/s for 1000 s from 05:00 local (10:00 UTC)
    start = datetime(2020, 2, 2, 10, 0, tzinfo=UTC)
    leg = FitLeg(start, steady_points(seconds=1000, metres_per_s=3.3), sub_sport="treadmill")
    run = only(write(tmp_path, "treadmill.fit", fit_bytes(leg, local_offset=timedelta(hours=-5))))
    # then it is a treadmill run dated by the device, with splits from the stream
    assert isinstance(run, Imported)
    assert run.run.is_treadmill
    assert run.run.start_local.isoformat() == "2020-02-02T05:00:00-05:00"
    assert (run.run.zone, run.run.zone_source) == ("-05:00", "fit-local-timestamp")
    first_mile = next(s for s in run.run.splits if s.unit == "mi")
    assert first_mile.elapsed_s == pytest.approx(1609.344 / 3.3)


def test_a_fit_with_neither_offset_nor_position_uses_tz_then_home(tmp_path: Path) -> None:
    start = datetime(2025, 4, 1, 23, 30, tzinfo=UTC)
    leg = FitLeg(start, steady_points(seconds=600, metres_per_s=3.0))
    path = write(tmp_path, "bare.fit", fit_bytes(leg, local_offset=None))
    # when given --tz Europe/Berlin, then Berlin's date (01:30 on 2 April)
    given_tz = only(path, tz_override=ZoneInfo("Europe/Berlin"))
    assert isinstance(given_tz, Imported)
    assert (given_tz.run.start_local.date(), given_tz.run.zone_source) == (date(2025, 4, 2), "--tz")
    # and without it, the home zone's (19:30 on 1 April in New York)
    at_home = only(path)
    assert isinstance(at_home, Imported)
    assert (at_home.run.start_local.date(), at_home.run.zone_source) == (date(2025, 4, 1), "home")
    assert at_home.run.zone == "America/New_York"


def test_a_gzipped_fit_is_the_same_file(tmp_path: Path) -> None:
    data = fit_bytes(tokyo_run(), local_offset=timedelta(hours=9))
    plain = only(write(tmp_path, "run.fit", data))
    gzipped = only(write(tmp_path, "run.fit.gz", gz(data)))
    assert isinstance(plain, Imported)
    assert isinstance(gzipped, Imported)
    assert gzipped.run.source_id == plain.run.source_id


def test_a_ride_is_skipped_and_counted_by_its_sport(tmp_path: Path) -> None:
    leg = FitLeg(TOKYO_MORNING_UTC, steady_points(seconds=600, metres_per_s=8.0), sport="cycling")
    outcome = only(write(tmp_path, "ride.fit", fit_bytes(leg)))
    assert outcome == Skipped(str(tmp_path / "ride.fit"), "cycling")


def test_a_fit_settings_file_is_skipped_as_not_an_activity() -> None:
    with pytest.raises(NotAnActivity, match="settings"):
        parse_fit(fit_bytes(file_type="settings"))


def test_a_multisport_fit_imports_its_run_leg_and_skips_its_ride(tmp_path: Path) -> None:
    # given a brick: 30 min on the bike, then a 10-minute run from Central Park
    ride_start = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    ride = FitLeg(ride_start, steady_points(seconds=1800, metres_per_s=8.0), sport="cycling")
    run_leg = FitLeg(
        ride_start + timedelta(minutes=31),
        steady_points(seconds=600, metres_per_s=3.0, start=CENTRAL_PARK),
    )
    path = write(tmp_path, "brick.fit", fit_bytes(ride, run_leg))
    outcomes = list(import_runs([path], ImportOptions(home=HOME)))
    # then the ride is skipped and the run leg imported with its own records only
    assert isinstance(outcomes[0], Skipped)
    assert isinstance(outcomes[1], Imported)
    run = outcomes[1].run
    assert run.start_utc == ride_start + timedelta(minutes=31)
    assert run.distance_m == 1800.0
    assert run.source_id.endswith("#2")
    assert [s.distance_m for s in run.splits if s.unit == "km"] == [1000.0, 1800.0]


def test_a_truncated_fit_is_rejected_whole(tmp_path: Path) -> None:
    # given a good FIT cut short (as a failed copy leaves it)
    data = fit_bytes(tokyo_run(), local_offset=timedelta(hours=9))
    path = write(tmp_path, "cut.fit", data[: len(data) // 2])
    # when imported, then it is rejected with a line naming the file, and no run comes out
    outcome = only(path)
    assert isinstance(outcome, Rejected)
    assert outcome.line.startswith(f"{path}: ")
    assert "truncated" in outcome.reason


def test_a_fit_with_a_wrong_crc_is_rejected() -> None:
    data = bytearray(fit_bytes(tokyo_run()))
    data[40] ^= 0xFF
    with pytest.raises(UnreadableFile, match="damaged"):
        parse_fit(bytes(data))


def test_a_file_that_is_not_fit_at_all_is_rejected() -> None:
    with pytest.raises(UnreadableFile, match="not a readable FIT file"):
        parse_fit(b"<gpx>this is not a FIT file at all</gpx>")


def test_a_fit_with_no_session_and_no_records_is_rejected() -> None:
    with pytest.raises(UnreadableFile, match="neither a session nor any records"):
        parse_fit(fit_bytes())
