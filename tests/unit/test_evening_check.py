"""The evening check: at 19:59 or 23:59, does today count, how far short, how long left."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helpers import NEW_YORK_SUMMER, TOKYO, at, daily_runs, run
from streakcore.domain.days import Day, group_days
from streakcore.domain.evening_check import EveningCheck, evening_check, format_time_left
from streakcore.domain.models import Activity
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.streaks import StreakStatus
from streakcore.domain.units import METRES_PER_MILE

HOME = ZoneInfo("America/New_York")
USRSA = StreakRule()
TODAY = date(2026, 11, 25)


def ten_days_to_yesterday() -> list[Activity]:
    """A 10-day streak whose last day is 2026-11-24."""
    return daily_runs(TODAY - timedelta(days=10), 10, miles=3.0)


def check(runs: list[Activity], now: str, rule: StreakRule = USRSA) -> EveningCheck:
    return evening_check(group_days(runs), rule=rule, now=at(now), tz=HOME)


@pytest.mark.parametrize(
    ("clock", "seconds_left", "left_text"),
    [("19:59", 4 * 3600 + 60, "4 h 01 min"), ("23:59", 60, "1 min")],
)
def test_without_a_run_today_the_streak_is_at_risk_with_the_time_left_to_midnight(
    clock: str, seconds_left: int, left_text: str
) -> None:
    # given a 10-day streak through yesterday and no run today
    runs = ten_days_to_yesterday()
    # when checked in the evening
    result = check(runs, f"2026-11-25T{clock}:00-05:00")
    # then it is at risk: a full mile short, the streak at stake, midnight the deadline
    assert result.status is StreakStatus.AT_RISK
    assert result.at_risk
    assert not result.qualifies_today
    assert result.short_by_m == pytest.approx(METRES_PER_MILE)
    assert result.time_left_s == seconds_left
    assert result.deadline == datetime(2026, 11, 26, tzinfo=HOME)
    assert (result.streak_days, result.days_at_stake) == (10, 10)
    assert left_text in result.message
    assert "10-day streak" in result.message
    assert "11 days" in result.message
    assert "1.00 mi" in result.message


@pytest.mark.parametrize("clock", ["19:59", "23:59"])
def test_with_a_run_this_morning_the_streak_is_safe(clock: str) -> None:
    # given the same streak and a 3-mile run at 07:00 today
    runs = [*ten_days_to_yesterday(), run(TODAY, 3.0)]
    # when checked in the evening
    result = check(runs, f"2026-11-25T{clock}:00-05:00")
    # then today already counts and nothing is at stake
    assert result.status is StreakStatus.DONE_TODAY
    assert not result.at_risk
    assert result.qualifies_today
    assert result.short_by_m == 0.0
    assert (result.today_runs, result.streak_days, result.days_at_stake) == (1, 11, 0)
    assert result.today_distance_m == pytest.approx(3 * METRES_PER_MILE)
    assert result.message.startswith("Safe")


def test_a_run_that_starts_after_the_check_does_not_count_yet() -> None:
    # given a run at 21:00 today
    runs = [*ten_days_to_yesterday(), run(TODAY, 3.0, at="21:00")]
    # when checked at 19:59 and again at 23:59
    early = check(runs, "2026-11-25T19:59:00-05:00")
    late = check(runs, "2026-11-25T23:59:00-05:00")
    # then it is at risk before the run and safe after it
    assert early.status is StreakStatus.AT_RISK
    assert late.status is StreakStatus.DONE_TODAY


def test_the_check_reads_today_and_midnight_in_the_home_zone_whatever_zone_now_carries() -> None:
    runs = ten_days_to_yesterday()
    in_utc = check(runs, "2026-11-26T00:59:00+00:00")
    assert in_utc.today == TODAY
    assert in_utc.time_left_s == 4 * 3600 + 60
    assert in_utc.as_of.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    ("now", "seconds_left"),
    [
        # spring forward: 02:00 -> 03:00, so the day has 23 hours
        ("2026-03-08T00:30:00-05:00", 22 * 3600 + 30 * 60),
        ("2026-03-08T19:59:00-04:00", 4 * 3600 + 60),
        # fall back: 02:00 -> 01:00, so the day has 25 hours
        ("2026-11-01T00:30:00-04:00", 24 * 3600 + 30 * 60),
        ("2026-11-01T19:59:00-05:00", 4 * 3600 + 60),
    ],
)
def test_time_left_counts_real_seconds_on_a_dst_change_day(now: str, seconds_left: int) -> None:
    # given a streak through the day before
    day = datetime.fromisoformat(now).date()
    runs = daily_runs(day - timedelta(days=5), 5, offset=NEW_YORK_SUMMER)
    # when checked on the day the clocks change
    result = check(runs, now)
    # then the time left is the real time to midnight, not the wall-clock difference
    assert result.status is StreakStatus.AT_RISK
    assert result.time_left_s == seconds_left


def test_under_usrsa_a_short_run_today_leaves_only_the_rest_of_the_mile_to_run() -> None:
    runs = [*ten_days_to_yesterday(), run(TODAY, 0.6)]
    result = check(runs, "2026-11-25T19:59:00-05:00")
    assert result.status is StreakStatus.AT_RISK
    assert result.short_by_m == pytest.approx(0.4 * METRES_PER_MILE)
    assert result.today_distance_m == pytest.approx(0.6 * METRES_PER_MILE)
    assert "0.40 mi" in result.message


def test_under_strict_short_runs_do_not_add_up_so_a_whole_mile_is_still_needed() -> None:
    rule = StreakRule(name=RuleName.STRICT)
    runs = [*ten_days_to_yesterday(), run(TODAY, 0.6, at="07:00"), run(TODAY, 0.6, at="12:00")]
    result = check(runs, "2026-11-25T19:59:00-05:00", rule)
    assert result.status is StreakStatus.AT_RISK
    assert result.short_by_m == pytest.approx(METRES_PER_MILE)
    assert "one run of at least 1.00 mi" in result.message


def test_under_any_a_run_of_any_length_saves_the_day() -> None:
    rule = StreakRule(name=RuleName.ANY)
    result = check(ten_days_to_yesterday(), "2026-11-25T19:59:00-05:00", rule)
    assert result.status is StreakStatus.AT_RISK
    assert result.short_by_m == 0.0
    assert "a run of any length" in result.message


def test_with_no_run_yesterday_there_is_no_streak_at_stake() -> None:
    # given a streak that ended three days ago
    runs = daily_runs(TODAY - timedelta(days=13), 10)
    # when checked in the evening
    result = check(runs, "2026-11-25T19:59:00-05:00")
    # then it is broken, not at risk, and the message says how to start again
    assert result.status is StreakStatus.BROKEN
    assert not result.at_risk
    assert (result.streak_days, result.days_at_stake) == (0, 0)
    assert "2026-11-21" in result.message
    assert "start a new streak" in result.message


def test_a_run_abroad_on_a_later_local_date_already_counts_for_today() -> None:
    # given the streak and a run in Tokyo whose local date is already tomorrow
    runs = [*ten_days_to_yesterday(), run(TODAY + timedelta(days=1), 3.0, at="08:00", offset=TOKYO)]
    # when checked at 19:59 in New York (09:59 in Tokyo)
    result = check(runs, "2026-11-25T19:59:00-05:00")
    # then the streak is done for today, as `/stats` says
    assert result.status is StreakStatus.DONE_TODAY


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        evening_check([], rule=USRSA, now=datetime(2026, 11, 25, 20, 0), tz=HOME)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(59, "under a minute"), (60, "1 min"), (3599, "59 min"), (3600, "1 h 00 min"),
     (4 * 3600 + 60, "4 h 01 min")],
)  # fmt: skip
def test_time_left_reads_in_hours_and_minutes(seconds: float, text: str) -> None:
    assert format_time_left(seconds) == text


def test_the_check_serialises_instants_like_the_stats_body() -> None:
    result = check(ten_days_to_yesterday(), "2026-11-25T19:59:00-05:00")
    body = result.model_dump(mode="json")
    assert body["as_of"] == "2026-11-25T19:59:00-05:00"
    assert body["deadline"] == "2026-11-26T00:00:00-05:00"
    assert body["status"] == "at_risk"


def test_a_day_of_totals_counts_like_the_runs_it_adds_up() -> None:
    # given the streak's days and today known only by the database's totals (0.6 mi)
    days = [
        *group_days(ten_days_to_yesterday()),
        Day(TODAY, runs=1, distance_m=0.6 * METRES_PER_MILE, longest_m=0.6 * METRES_PER_MILE),
    ]
    # when checked in the evening
    result = evening_check(days, rule=USRSA, now=at("2026-11-25T19:59:00-05:00"), tz=HOME)
    # then today's run counts towards the mile
    assert result.today_runs == 1
    assert result.short_by_m == pytest.approx(0.4 * METRES_PER_MILE)


@pytest.mark.parametrize(
    ("zone", "units", "needed", "other"),
    [
        ("America/New_York", None, "at least 1.00 mi", " km"),
        ("Europe/Berlin", None, "at least 1.61 km", " mi"),
        ("America/New_York", "km", "at least 1.61 km", " mi"),
        ("Europe/Berlin", "mi", "at least 1.00 mi", " km"),
    ],
)
def test_the_alert_text_speaks_the_runners_unit_only(
    zone: str, units: str | None, needed: str, other: str
) -> None:
    # given a streak at risk, checked at 20:00 in the runner's zone, no run yet today
    tz = ZoneInfo(zone)
    today = datetime(2026, 11, 25, 20, 0, tzinfo=tz)
    offset = timezone(today.utcoffset() or timedelta(0))
    runs = [run(today.date() - timedelta(days=i), 3.0, offset=offset) for i in range(1, 6)]
    # when the check is made (the unit set, or left to the home zone)
    result = evening_check(
        group_days(runs),
        rule=USRSA,
        now=today,
        tz=tz,
        units=units,  # type: ignore[arg-type]
    )
    # then the message gives every distance in that one unit, never "mi (km)"
    assert needed in result.message
    assert not re.search(rf"\d{other}\b", result.message)
    assert "(1.61 km)" not in result.message
