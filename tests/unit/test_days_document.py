"""The days document: the last 400 days, and the whole of a streak that crosses that line."""

from __future__ import annotations

from datetime import date, timedelta

from page_fixtures import daily_runs_ending
from streakcore.domain.days import group_days
from streakcore.domain.rules import StreakRule
from streakcore.usecases.documents.days import DAYS_KEPT, DaysFile, days_file

LAST = date(2026, 11, 25)
USRSA = StreakRule()


def test_days_before_the_window_are_left_out_when_no_streak_crosses_it() -> None:
    # given two years of runs with a gap of a week just inside the window's start
    old = daily_runs_ending(LAST - DAYS_KEPT - timedelta(days=5), days=300)
    recent = daily_runs_ending(LAST, days=int(DAYS_KEPT.days) - 2)
    document = days_file(group_days(old + recent), rule=USRSA, generation=3, db_etag="e")
    # then only days from the cutoff on are kept
    kept = [d.local_date for d in document.days]
    assert kept[0] == LAST - DAYS_KEPT + timedelta(days=3)
    assert kept[-1] == LAST
    assert document.generation == 3


def test_a_streak_crossing_the_window_is_kept_from_its_first_day() -> None:
    # given an unbroken 600-day streak up to the last day
    runs = daily_runs_ending(LAST, days=600)
    document = days_file(group_days(runs), rule=USRSA, generation=1, db_etag=None)
    # then all 600 days are kept: the heatmap can number them from day 1
    assert len(document.days) == 600
    assert document.days[0].local_date == LAST - timedelta(days=599)


def test_the_document_round_trips_to_the_same_day_totals() -> None:
    days = group_days(daily_runs_ending(LAST, days=3))
    document = DaysFile.model_validate_json(
        days_file(days, rule=USRSA, generation=1, db_etag=None).model_dump_json()
    )
    back = document.as_days()
    assert [(d.local_date, d.runs) for d in back] == [(d.local_date, d.runs) for d in days]
    assert [round(d.distance_m, 1) for d in back] == [round(d.distance_m, 1) for d in days]
    assert all(d.longest_m == round(d.distance_m, 1) for d in back)


def test_no_days_make_an_empty_document() -> None:
    assert days_file([], rule=USRSA, generation=1, db_etag=None).days == []
