"""Which days count, and how the current streak behaves around midnight and across zones."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from helpers import NEW_YORK_SUMMER, NEW_YORK_WINTER, TOKYO, at, daily_runs, run
from streakcore.domain.days import Day, group_days, qualifying_days
from streakcore.domain.models import Activity
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import compute_stats
from streakcore.domain.streaks import StreakStatus, current_streak, find_streaks, today_in
from streakcore.domain.units import METRES_PER_MILE

HOME = ZoneInfo("America/New_York")
USRSA = StreakRule(name=RuleName.USRSA)
STRICT = StreakRule(name=RuleName.STRICT)
ANY = StreakRule(name=RuleName.ANY)


def streak_days(activities: list[Activity], rule: StreakRule = USRSA) -> list[date]:
    return [d.local_date for d in qualifying_days(group_days(activities), rule)]


def test_a_run_at_23_52_and_one_at_00_07_count_for_two_days() -> None:
    # given two runs 15 minutes apart either side of midnight
    runs = [run("2024-05-01", 1.2, at="23:52"), run("2024-05-02", 1.2, at="00:07")]
    # when the days are grouped
    days = streak_days(runs)
    # then each run owns its own calendar day
    assert days == [date(2024, 5, 1), date(2024, 5, 2)]
    assert find_streaks(qualifying_days(group_days(runs), USRSA))[0].days == 2


def test_runs_abroad_count_on_their_own_local_date() -> None:
    # given a Tokyo run at 06:30 on the 10th, which is still the 9th in New York
    tokyo = run("2024-06-10", 3, at="06:30", offset=TOKYO)
    # when grouped
    days = streak_days([tokyo])
    # then it counts for the 10th, the date where it happened, not the home date
    assert days == [date(2024, 6, 10)]
    assert tokyo.start_local.astimezone(HOME).date() == date(2024, 6, 9)


def test_a_flight_home_does_not_break_the_streak_when_local_dates_are_consecutive() -> None:
    runs = [
        run("2024-06-09", 3, at="06:00", offset=TOKYO),
        run("2024-06-10", 3, at="05:00", offset=TOKYO),
        run("2024-06-11", 3, at="19:00", offset=NEW_YORK_SUMMER),
    ]
    assert find_streaks(qualifying_days(group_days(runs), USRSA))[0].days == 3


@pytest.mark.parametrize(
    ("first", "second", "first_offset", "second_offset"),
    [
        ("2024-03-09", "2024-03-10", NEW_YORK_WINTER, NEW_YORK_SUMMER),  # spring forward
        ("2024-11-02", "2024-11-03", NEW_YORK_SUMMER, NEW_YORK_WINTER),  # fall back
    ],
)
def test_dst_change_days_are_ordinary_consecutive_days(
    first: str, second: str, first_offset: object, second_offset: object
) -> None:
    runs = [
        run(first, 2, at="23:30", offset=first_offset),  # type: ignore[arg-type]
        run(second, 2, at="00:30", offset=second_offset),  # type: ignore[arg-type]
    ]
    streaks = find_streaks(qualifying_days(group_days(runs), USRSA))
    assert [(s.start.isoformat(), s.days) for s in streaks] == [(first, 2)]


@pytest.mark.parametrize(
    ("miles_per_run", "rule", "qualifies"),
    [
        ([0.99], USRSA, False),
        ([0.99], STRICT, False),
        ([0.99], ANY, True),
        ([0.6, 0.6], USRSA, True),
        ([0.6, 0.6], STRICT, False),
        ([0.6, 0.6], ANY, True),
        ([1.0], USRSA, True),
        ([1.0], STRICT, True),
        ([0.5, 1.0], STRICT, True),
        ([], ANY, False),
    ],
)
def test_rule_table(miles_per_run: list[float], rule: StreakRule, qualifies: bool) -> None:
    day = Day(
        date(2024, 5, 1),
        tuple(run("2024-05-01", m, at=f"{7 + i:02d}:00") for i, m in enumerate(miles_per_run)),
    )
    assert day.qualifies(rule) is qualifies
    assert bool(qualifying_days(group_days(day.activities), rule)) is qualifies


def test_a_custom_minimum_is_respected() -> None:
    rule = StreakRule(name=RuleName.USRSA, min_distance_m=2000)
    short = Day(date(2024, 5, 1), (run("2024-05-01", 1999.0 / METRES_PER_MILE),))
    two = Day(date(2024, 5, 1), (run("2024-05-01", 0.63), run("2024-05-01", 0.63, at="18:00")))
    assert not short.qualifies(rule)
    assert two.qualifies(rule)


def test_at_seven_with_no_run_yet_today_the_streak_is_at_risk_and_keeps_its_length() -> None:
    # given 10 days of runs ending yesterday
    runs = daily_runs("2026-11-16", 10)
    # when asked at 07:00 on the 26th, before today's run
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-26T07:00:00-05:00"), tz=HOME)
    # then the streak is alive but at risk, with all 10 days
    assert body.current_streak.status is StreakStatus.AT_RISK
    assert body.current_streak.days == 10
    assert body.current_streak.last_day == date(2026, 11, 25)


def test_the_day_after_a_missed_day_the_streak_is_broken() -> None:
    runs = daily_runs("2026-11-16", 10)
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-27T07:00:00-05:00"), tz=HOME)
    assert body.current_streak.status is StreakStatus.BROKEN
    assert body.current_streak.days == 0
    assert body.current_streak.start is None
    assert body.longest_streak.days == 10


def test_the_streak_survives_until_midnight_in_the_home_zone_not_utc() -> None:
    runs = daily_runs("2026-11-16", 10)
    # 23:59 in New York is already the 27th in UTC: still only at risk
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-27T04:59:00+00:00"), tz=HOME)
    assert body.current_streak.status is StreakStatus.AT_RISK
    assert body.current_streak.days == 10


def test_a_run_today_makes_the_status_done_today() -> None:
    runs = daily_runs("2026-11-16", 11)
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-26T20:00:00-05:00"), tz=HOME)
    assert body.current_streak.status is StreakStatus.DONE_TODAY
    assert body.current_streak.days == 11


def test_a_late_uploaded_run_that_fills_a_gap_joins_two_streaks() -> None:
    before = daily_runs("2026-11-01", 5) + daily_runs("2026-11-07", 5)
    assert [s.days for s in find_streaks(qualifying_days(group_days(before), USRSA))] == [5, 5]
    late = run("2026-11-06", 2)
    after = find_streaks(qualifying_days(group_days([*before, late]), USRSA))
    assert [s.days for s in after] == [11]


def test_an_edited_distance_changes_the_answer() -> None:
    original = daily_runs("2026-11-01", 5)
    edited = [
        a.model_copy(update={"distance_m": 0.5 * METRES_PER_MILE})
        if a.local_date == date(2026, 11, 3)
        else a
        for a in original
    ]
    assert [s.days for s in find_streaks(qualifying_days(group_days(original), USRSA))] == [5]
    assert [s.days for s in find_streaks(qualifying_days(group_days(edited), USRSA))] == [2, 2]


def test_stats_as_of_the_past_ignore_runs_that_had_not_started() -> None:
    runs = daily_runs("2026-11-16", 11)
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-20T12:00:00-05:00"), tz=HOME)
    assert body.totals.runs == 5
    assert body.current_streak.days == 5
    assert body.current_streak.status is StreakStatus.DONE_TODAY


def test_a_run_abroad_ahead_of_home_counts_as_done_today() -> None:
    # At 20:00 in New York on the 25th it is already the 26th in Tokyo, where they ran.
    runs = [
        *daily_runs("2026-11-20", 5),
        run("2026-11-25", 3, at="08:00", offset=TOKYO),
        run("2026-11-26", 3, at="09:00", offset=TOKYO),
    ]
    streaks = find_streaks(qualifying_days(group_days(runs), USRSA))
    today = today_in(at("2026-11-25T20:00:00-05:00"), HOME)
    current = current_streak(streaks, today)
    assert current.status is StreakStatus.DONE_TODAY
    assert current.days == 7


def test_no_runs_at_all_is_a_broken_streak_of_zero() -> None:
    body = compute_stats([], [], rule=USRSA, as_of=at("2026-11-26T07:00:00-05:00"), tz=HOME)
    assert body.current_streak.days == 0
    assert body.current_streak.last_day is None
    assert body.longest_streak.days == 0
    assert body.totals.runs == 0
