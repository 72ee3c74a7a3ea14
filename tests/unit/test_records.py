"""Records: fastest mile from cumulative splits, races, biggest periods, Eddington."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import daily_runs, mile_splits, run
from streakcore.domain.days import group_days
from streakcore.domain.models import Split
from streakcore.domain.records import (
    best_mile_seconds,
    biggest_periods,
    eddington_km,
    eddington_miles,
    fastest_mile,
    fastest_races,
    longest_run,
    mile_times,
    totals,
)
from streakcore.domain.units import METRES_PER_MILE


def test_fastest_mile_is_the_difference_of_cumulative_splits() -> None:
    a = run("2024-05-01", 3.1)
    splits = mile_splits(a, [480.0, 455.5, 470.0])
    times = mile_times(splits)
    assert [t.seconds for t in times] == [480.0, 455.5, 470.0]
    best = fastest_mile(times, {a.activity_id: a.local_date})
    assert best is not None
    assert (best.seconds, best.activity_id, best.date) == (455.5, a.activity_id, date(2024, 5, 1))


@given(st.lists(st.floats(min_value=0, max_value=3600), max_size=8), st.randoms())
def test_a_runs_best_mile_as_the_store_keeps_it_is_the_fastest_of_its_mile_times(
    seconds_per_mile: list[float], order: random.Random
) -> None:
    # given cumulative mile splits in any order (a zero-second mile is not a mile)
    splits = mile_splits(run("2024-05-01", len(seconds_per_mile) + 0.3), seconds_per_mile)
    order.shuffle(splits)
    # then the store's best mile is the fastest whole mile the records count
    times = [t.seconds for t in mile_times(splits)]
    assert best_mile_seconds(splits) == (min(times) if times else None)


def test_the_partial_last_split_never_counts_as_a_mile() -> None:
    # given a 1.3-mile run whose remainder would be a blistering "mile" if miscounted
    a = run("2024-05-01", 1.3)
    splits = [
        Split(
            activity_id=a.activity_id, unit="mi", index=1, distance_m=METRES_PER_MILE, elapsed_s=500
        ),
        Split(
            activity_id=a.activity_id,
            unit="mi",
            index=2,
            distance_m=1.3 * METRES_PER_MILE,
            elapsed_s=560,
        ),
    ]
    assert [t.seconds for t in mile_times(splits)] == [500]


def test_km_splits_are_not_miles() -> None:
    a = run("2024-05-01", 3.1)
    km = [Split(activity_id=a.activity_id, unit="km", index=1, distance_m=1000, elapsed_s=200)]
    assert mile_times(km) == []


def test_fastest_mile_skips_runs_that_are_not_live() -> None:
    kept, deleted = run("2024-05-01", 2), run("2024-05-02", 2)
    times = mile_times(mile_splits(kept, [500, 500]) + mile_splits(deleted, [300, 300]))
    best = fastest_mile(times, {kept.activity_id: kept.local_date})
    assert best is not None
    assert best.activity_id == kept.activity_id


@pytest.mark.parametrize(
    ("miles", "is_5k"),
    [(3.1, False), (3.11, True), (3.26, True), (3.27, False)],
)
def test_a_race_counts_between_its_distance_and_five_percent_over(
    miles: float, is_5k: bool
) -> None:
    a = run("2024-05-01", miles)
    assert (fastest_races([a])["5k"] is not None) is is_5k


def test_the_fastest_race_is_the_shortest_duration() -> None:
    slow = run("2024-05-01", 3.15, pace_s_per_mile=500)
    fast = run("2024-06-01", 3.2, pace_s_per_mile=420)
    record = fastest_races([slow, fast])["5k"]
    assert record is not None
    assert record.activity_id == fast.activity_id


def test_totals_and_longest_run() -> None:
    runs = [run("2024-05-01", 3), run("2024-05-02", 13.1), run("2024-05-03", 1)]
    t = totals(runs)
    assert t.runs == 3
    assert t.distance_m == pytest.approx(17.1 * METRES_PER_MILE)
    record = longest_run(runs)
    assert record is not None
    assert record.activity_id == runs[1].activity_id


def test_biggest_periods_use_local_dates_and_iso_weeks() -> None:
    # 2024-12-30 is in ISO week 2025-W01, with 2025-01-02; 2024-12-29 is in 2024-W52
    runs = [run("2024-12-29", 5), run("2024-12-30", 2), run("2025-01-02", 4)]
    best = biggest_periods(group_days(runs))
    week, month, year = best["week"], best["month"], best["year"]
    assert week is not None
    assert (week.period, week.runs) == ("2025-W01", 2)
    assert week.distance_m == pytest.approx(6 * METRES_PER_MILE)
    assert year is not None
    assert (year.period, year.runs) == ("2024", 2)
    assert year.distance_m == pytest.approx(7 * METRES_PER_MILE)
    assert month is not None
    assert month.period == "2024-12"


def test_eddington_counts_days_with_at_least_n_units() -> None:
    # 5 days of 5 miles and 2 of 10: E=5 in miles; in km each is >= 8 km: E=7
    days = group_days(daily_runs("2024-01-01", 5, 5.0) + daily_runs("2024-02-01", 2, 10.0))
    assert eddington_miles(days) == 5
    assert eddington_km(days) == 7


def test_eddington_adds_up_the_runs_of_a_day() -> None:
    days = group_days([run("2024-01-01", 0.6), run("2024-01-01", 0.6, at="18:00")])
    assert eddington_miles(days) == 1
