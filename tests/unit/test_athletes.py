"""Synthetic athletes carry every case they promise, in SmashRun's shapes, reproducibly."""

from __future__ import annotations

import itertools
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from streakcore.errors import ConfigError
from streakcore.testing import (
    Athlete,
    decade_athlete,
    demo_athlete,
    recent_athlete,
    synthetic_athlete,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 07:00 in New York
HOME = ZoneInfo("America/New_York")
KM_PER_MILE = 1.609344
ONE_DAY = timedelta(days=1)
ACTIVITY_FIELDS = {
    "activityId", "externalId", "startDateTimeLocal", "distance", "duration", "activityType",
    "cadenceAverage", "cadenceMin", "cadenceMax", "heartRateAverage", "heartRateMin",
    "heartRateMax", "bodyWeight", "howFelt", "terrain", "temperature", "weatherType",
    "humidity", "windSpeed", "notes", "isTreadmill", "startLatitude", "startLongitude",
    "elevationGain", "elevationLoss", "recordingKeys", "recordingValues",
}  # fmt: skip
SPLIT_FIELDS = {"distance", "seconds", "speed", "heartRate", "elevationGain", "elevationLoss"}


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return demo_athlete(NOW)


def start_of(activity: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(activity["startDateTimeLocal"])


def runs_by_local_date(athlete: Athlete) -> dict[date, list[dict[str, Any]]]:
    days: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for activity in athlete.activities:
        days[start_of(activity).date()].append(activity)
    return days


def miles(activity: dict[str, Any]) -> float:
    return float(activity["distance"]) / KM_PER_MILE


def test_every_day_has_a_run_except_one_missed_day_a_few_months_back(athlete: Athlete) -> None:
    # given a three-year athlete
    days = runs_by_local_date(athlete)
    # when we look for calendar days without a run
    first, last = min(days), max(days)
    missing = {first + ONE_DAY * i for i in range((last - first).days + 1)} - set(days)
    # then there is exactly one, a few months before today, and the landmarks name it
    assert missing == {athlete.landmarks.missed_day}
    assert 60 <= (athlete.landmarks.today - athlete.landmarks.missed_day).days <= 200
    assert first == athlete.landmarks.first_day


@pytest.mark.parametrize(
    ("local_now", "expected_last_day"),
    [
        (datetime(2026, 11, 26, 23, 30, tzinfo=HOME), date(2026, 11, 26)),
        (datetime(2026, 11, 26, 0, 30, tzinfo=HOME), date(2026, 11, 25)),
    ],
)
def test_the_streak_is_alive_at_now_with_the_last_run_today_once_it_has_started(
    local_now: datetime, expected_last_day: date
) -> None:
    # given an athlete built at a late-evening or just-after-midnight `now`
    athlete = recent_athlete(local_now)
    # when we take the latest run
    latest = max(athlete.activities, key=start_of)
    # then it is today's run once today's has started, else yesterday's, never in the future
    assert start_of(latest).date() == expected_last_day
    assert all(start_of(a) < local_now for a in athlete.activities)
    assert all(uploaded <= local_now for uploaded in athlete.uploaded_at.values())


@pytest.mark.parametrize(
    ("home_tz", "winter_offset", "summer_offset"),
    [
        ("America/New_York", timedelta(hours=-5), timedelta(hours=-4)),
        ("Europe/London", timedelta(0), timedelta(hours=1)),
    ],
)
def test_home_runs_carry_the_offset_of_their_local_time_so_dst_shows(
    home_tz: str, winter_offset: timedelta, summer_offset: timedelta
) -> None:
    # given an athlete living in a zone with daylight saving time
    athlete = recent_athlete(NOW, home_tz=home_tz)
    zone = ZoneInfo(home_tz)
    trip_days = set(athlete.landmarks.trip_days)
    home_runs = [
        start_of(a)
        for a in athlete.activities
        if start_of(a).date() not in trip_days
        and a["activityId"] != athlete.landmarks.date_line_run_id
    ]
    # when we compare each run's offset with the zone's offset at that wall time
    wrong = [s for s in home_runs if s.utcoffset() != zone.utcoffset(s.replace(tzinfo=None))]
    # then they all agree, and both the winter and the summer offsets occur
    assert wrong == []
    assert {s.utcoffset() for s in home_runs} == {winter_offset, summer_offset}


def test_a_week_abroad_carries_the_tokyo_offset_on_consecutive_local_days(athlete: Athlete) -> None:
    # given the athlete's trip
    trip_days = athlete.landmarks.trip_days
    days = runs_by_local_date(athlete)
    # when we read the offsets of the runs on those days
    abroad = [
        start_of(a)
        for day in trip_days
        for a in days[day]
        if start_of(a).utcoffset() == timedelta(hours=9)
    ]
    # then there is a Tokyo run on each of at least seven consecutive local days
    assert len(trip_days) >= 7
    assert [b - a for a, b in itertools.pairwise(trip_days)] == [ONE_DAY] * (len(trip_days) - 1)
    assert {s.date() for s in abroad} == set(trip_days)


def test_the_layover_run_falls_on_a_date_that_is_neither_its_utc_nor_its_home_date(
    athlete: Athlete,
) -> None:
    # given the run at the layover on the way home across the date line
    layover = start_of(athlete.run(athlete.landmarks.date_line_run_id).activity)
    # when we compare its local date with the same instant in UTC and at home
    local_day = layover.date()
    # then only its own offset puts it on the last trip day, shared with a Tokyo run
    assert local_day == athlete.landmarks.trip_days[-1]
    assert layover.astimezone(UTC).date() != local_day
    assert layover.astimezone(HOME).date() != local_day
    same_day_offsets = {start_of(a).utcoffset() for a in runs_by_local_date(athlete)[local_day]}
    assert same_day_offsets == {layover.utcoffset(), timedelta(hours=9)}


def test_a_run_at_23_52_is_followed_by_one_at_00_07_on_the_next_local_day(
    athlete: Athlete,
) -> None:
    # given the runs that start at 23:52 and at 00:07 local time
    late = [start_of(a) for a in athlete.activities if start_of(a).strftime("%H:%M") == "23:52"]
    early = [start_of(a) for a in athlete.activities if start_of(a).strftime("%H:%M") == "00:07"]
    # then there is one of each, a quarter of an hour apart, on consecutive local days
    assert len(late) == len(early) == 1
    assert early[0].date() - late[0].date() == ONE_DAY
    assert timedelta(0) < early[0] - late[0] < timedelta(minutes=20)
    # and in UTC they share a date, so only local dates keep both days in the streak
    assert late[0].astimezone(UTC).date() == early[0].astimezone(UTC).date()
    days = runs_by_local_date(athlete)
    assert len(days[late[0].date()]) == len(days[early[0].date()]) == 1
    assert athlete.run(athlete.landmarks.late_night_run_id).activity["startDateTimeLocal"] == (
        late[0].isoformat()
    )


def test_short_pair_days_add_up_to_a_mile_although_no_single_run_does(athlete: Athlete) -> None:
    # given every day whose runs are all shorter than a mile
    days = runs_by_local_date(athlete)
    short_days = {day: runs for day, runs in days.items() if max(map(miles, runs)) < 1.0}
    # when we split them by whether their total reaches a mile
    pairs = sorted(day for day, runs in short_days.items() if sum(map(miles, runs)) >= 1.0)
    below = [day for day, runs in short_days.items() if sum(map(miles, runs)) < 1.0]
    # then the pairs count for usrsa only, and the single 0.99-mile day for `any` only
    assert tuple(pairs) == athlete.landmarks.short_pair_days
    assert len(pairs) >= 2
    assert any(day > athlete.landmarks.missed_day for day in pairs)
    assert all(len(days[day]) == 2 for day in pairs)
    assert below == [athlete.landmarks.sub_mile_day]
    assert [round(miles(a), 2) for a in days[below[0]]] == [0.99]


def test_runs_without_gps_have_no_splits_and_every_other_run_has_both_units(
    athlete: Athlete,
) -> None:
    # given the treadmill runs (flagged) and the manual ones (no device id)
    treadmill = [r for r in athlete.runs if r.activity["isTreadmill"]]
    manual = [r for r in athlete.runs if r.activity["externalId"] is None]
    gps = [r for r in athlete.runs if r not in treadmill and r not in manual]
    # then both kinds exist and have empty split lists, and GPS runs have both units
    assert treadmill
    assert manual
    assert all(r.splits_mi == [] and r.splits_km == [] for r in treadmill + manual)
    assert all(r.activity["terrain"] == "treadmill" for r in treadmill)
    assert all(r.splits_mi and r.splits_km for r in gps)
    assert {r.activity_id for r in treadmill} == set(athlete.landmarks.treadmill_ids)
    assert {r.activity_id for r in manual} == set(athlete.landmarks.manual_ids)


@pytest.mark.parametrize(("unit", "km_per_unit"), [("mi", KM_PER_MILE), ("km", 1.0)])
def test_splits_are_cumulative_in_the_unit_with_the_partial_remainder_last(
    athlete: Athlete, unit: str, km_per_unit: float
) -> None:
    for run in athlete.runs:
        splits = run.splits(unit)
        if not splits:
            continue
        # given one GPS run's splits in this unit
        distances = [s["distance"] for s in splits]
        seconds = [s["seconds"] for s in splits]
        # then every split but the last ends on a whole unit, both columns only grow,
        assert distances[:-1] == [float(k) for k in range(1, len(splits))]
        assert all(b > a for a, b in itertools.pairwise(distances))
        assert all(b > a for a, b in itertools.pairwise(seconds))
        # and the last one ends where the run ended
        assert distances[-1] * km_per_unit == pytest.approx(run.activity["distance"], abs=0.002)
        assert seconds[-1] == pytest.approx(run.activity["duration"], abs=0.2)
        assert all(set(s) == SPLIT_FIELDS for s in splits)


def test_a_typical_split_list_ends_with_a_fractional_remainder(athlete: Athlete) -> None:
    # given all mile split lists
    lasts = [r.splits_mi[-1]["distance"] for r in athlete.runs if r.splits_mi]
    # then most runs end part-way through a mile, as SmashRun reports a 3.11-mile 5K
    fractional = [d for d in lasts if d != int(d)]
    assert len(fractional) > 0.9 * len(lasts)


def test_races_cover_5k_to_marathon_at_a_faster_pace_than_everyday_runs(athlete: Athlete) -> None:
    # given the races the landmarks name
    races = [athlete.run(i).activity for i in athlete.landmarks.race_ids]
    everyday = [a for a in athlete.activities if a["activityId"] not in athlete.landmarks.race_ids]

    def pace(activity: dict[str, Any]) -> float:
        return float(activity["duration"]) / float(activity["distance"])

    # then each classic distance is there, a little long as GPS measures it,
    for official_km in (5.0, 10.0, 21.0975, 42.195):
        assert any(official_km <= r["distance"] <= official_km * 1.015 for r in races)
    # and every race is faster than the typical everyday run
    assert max(map(pace, races)) < statistics.median(map(pace, everyday))


def test_a_few_runs_are_uploaded_days_after_they_happened(athlete: Athlete) -> None:
    # given each run's upload instant and end
    def delay(activity: dict[str, Any], uploaded: datetime) -> timedelta:
        return uploaded - (start_of(activity) + timedelta(seconds=activity["duration"]))

    late = {r.activity_id for r in athlete.runs if delay(r.activity, r.uploaded_at) > ONE_DAY}
    # then the late ones are the landmarks, including one inside the current streak
    assert late == set(athlete.landmarks.late_upload_ids)
    assert len(late) >= 3
    assert any(
        start_of(athlete.run(i).activity).date() > athlete.landmarks.missed_day for i in late
    )
    assert all(r.uploaded_at.utcoffset() == timedelta(0) for r in athlete.runs)


def test_activity_ids_follow_upload_order_not_run_order(athlete: Athlete) -> None:
    # given runs in start order
    runs = sorted(athlete.runs, key=lambda r: start_of(r.activity))
    # then ids rise with upload time, so a late upload outnumbers runs made after it
    by_upload = sorted(athlete.runs, key=lambda r: r.uploaded_at)
    assert [r.activity_id for r in by_upload] == sorted(r.activity_id for r in athlete.runs)
    assert [r.activity_id for r in runs] != sorted(r.activity_id for r in runs)


def test_payloads_have_smashrun_fields_and_types(athlete: Athlete) -> None:
    for activity in athlete.activities:
        assert set(activity) == ACTIVITY_FIELDS
        assert isinstance(activity["activityId"], int)
        assert isinstance(activity["distance"], float)
        assert isinstance(activity["duration"], float)
        assert activity["activityType"] == "running"
        assert start_of(activity).utcoffset() is not None
        keys, values = activity["recordingKeys"], activity["recordingValues"]
        assert len(keys) == len(values)
        assert len({len(v) for v in values}) <= 1
    assert set(athlete.user) == {"id", "firstName", "lastName", "userName", "registrationDateUTC"}


def test_the_same_seed_gives_the_same_athlete_and_another_seed_does_not() -> None:
    # given two athletes from one seed and one from another
    first, again = recent_athlete(NOW, seed=11), recent_athlete(NOW, seed=11)
    other = recent_athlete(NOW, seed=12)
    # then the first two are identical, payloads, splits and upload times alike
    assert first.runs == again.runs
    assert first.landmarks == again.landmarks
    assert [r.activity for r in other.runs] != [r.activity for r in first.runs]


def test_a_decade_athlete_covers_ten_years_of_near_daily_runs() -> None:
    # given the benchmark athlete
    athlete = decade_athlete(NOW)
    # then it goes back ten years with a run on all but one day
    days = {start_of(a).date() for a in athlete.activities}
    assert athlete.landmarks.first_day == min(days)
    assert (athlete.landmarks.today - athlete.landmarks.first_day).days >= 3650
    assert len(days) == (max(days) - min(days)).days  # every day but the missed one


@pytest.mark.parametrize(
    "kwargs",
    [
        {"now": datetime(2026, 11, 26, 12, 0)},
        {"now": NOW, "years": 0.1},
        {"now": NOW, "home_tz": "Mars/Olympus_Mons"},
    ],
)
def test_unusable_arguments_are_refused_with_a_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        synthetic_athlete(**kwargs)
