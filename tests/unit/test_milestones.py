"""Milestones and projections of the current streak: next milestone, passing the longest,
distance and runs inside the streak, close calls."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpers import at, daily_runs, run
from streakcore.domain.days import group_days, qualifying_days
from streakcore.domain.milestones import (
    CLOSE_CALLS_KEPT,
    CloseCalls,
    LatestStreak,
    MilestoneKind,
    anniversary,
    close_calls_in,
    next_anniversary,
    next_day_milestone,
    next_milestone,
    project,
)
from streakcore.domain.models import Activity
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import build_snapshot, compute_stats, render_stats
from streakcore.domain.streaks import CurrentStreak, StreakStatus, find_streaks
from streakcore.domain.units import EXACT_NUMBERS, METRES_PER_MILE

HOME = ZoneInfo("America/New_York")
USRSA = StreakRule()


def streak_ending(last_day: str, days: int, miles: float = 3.0) -> list[Activity]:
    """`days` daily runs whose last one is on `last_day`."""
    first = date.fromisoformat(last_day) - timedelta(days=days - 1)
    return daily_runs(first, days, miles=miles)


def current(
    days: int, last_day: str, status: StreakStatus = StreakStatus.DONE_TODAY
) -> CurrentStreak:
    last = date.fromisoformat(last_day)
    return CurrentStreak(
        days=days,
        start=last - timedelta(days=days - 1),
        last_day=last,
        status=status,
        distance_m=days * 5000.0,
    )


@pytest.mark.parametrize(
    ("as_of", "status"),
    [
        ("2026-11-25T21:00:00-05:00", "done_today"),
        ("2026-11-26T07:00:00-05:00", "at_risk"),
    ],
)
def test_a_998_day_streak_on_2026_11_25_reaches_1000_days_on_2026_11_27(
    as_of: str, status: str
) -> None:
    # given 998 daily runs, the last on 2026-11-25
    runs = streak_ending("2026-11-25", 998)
    # when the stats are read that evening (done) or the next morning (at risk)
    body = compute_stats(runs, [], rule=USRSA, as_of=at(as_of), tz=HOME)
    # then the streak keeps its 998 days and 1,000 falls on the 27th either way
    assert body.current_streak.days == 998
    assert body.current_streak.status == status
    assert body.milestones is not None
    nxt = body.milestones.next_milestone
    assert nxt is not None
    assert (nxt.kind, nxt.days, nxt.date, nxt.days_to_go) == (
        MilestoneKind.DAYS,
        1000,
        date(2026, 11, 27),
        2,
    )


@pytest.mark.parametrize(
    ("days", "expected"),
    [(1, 100), (99, 100), (100, 365), (364, 365), (365, 500), (999, 1000), (1000, 1500),
     (1499, 1500), (1500, 2000), (7000, 7500)],
)  # fmt: skip
def test_round_milestones_are_100_365_500_1000_then_every_500(days: int, expected: int) -> None:
    assert next_day_milestone(days) == expected


def test_a_round_milestone_is_the_next_one_when_it_comes_before_the_anniversary() -> None:
    # given a 300-day streak that started on 2026-01-01 (365 days comes a day before the
    # first anniversary, 2027-01-01)
    streak = current(300, "2026-10-27")
    # when the next milestone is asked for
    nxt = next_milestone(streak)
    # then it is 365 days, on 2026-12-31
    assert nxt is not None
    assert (nxt.kind, nxt.days, nxt.date) == (MilestoneKind.DAYS, 365, date(2026, 12, 31))


def test_an_anniversary_is_the_next_milestone_when_it_comes_before_the_next_round_length() -> None:
    # given a 1,000-day streak that started on 2024-01-01 (1,500 days is in 2028)
    streak = current(1000, "2026-09-26")
    assert streak.start == date(2024, 1, 1)
    # when the next milestone is asked for
    nxt = next_milestone(streak)
    # then it is the third anniversary, 2027-01-01, when the streak is 1,097 days long
    assert nxt is not None
    assert (nxt.kind, nxt.years, nxt.date, nxt.days) == (
        MilestoneKind.ANNIVERSARY,
        3,
        date(2027, 1, 1),
        1097,
    )
    assert nxt.days_to_go == 97
    assert nxt.label == "3-year anniversary"


def test_an_anniversary_reached_on_the_last_day_is_behind_not_ahead() -> None:
    # given a streak that started 2024-03-10 whose last day is its second anniversary
    # when the next anniversary is asked for
    years, when = next_anniversary(date(2024, 3, 10), date(2026, 3, 10))
    # then it is the third, not the one reached that day
    assert (years, when) == (3, date(2027, 3, 10))


def test_a_streak_started_on_29_february_has_its_anniversary_on_1_march_in_common_years() -> None:
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_a_broken_streak_has_no_next_milestone_and_nothing_to_pass() -> None:
    # given runs that stopped a week before today
    runs = streak_ending("2026-11-18", 40)
    # when the stats are read on 2026-11-26
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-26T07:00:00-05:00"), tz=HOME)
    # then there is nothing ahead
    assert body.current_streak.status is StreakStatus.BROKEN
    assert body.milestones is not None
    assert body.milestones.next_milestone is None
    assert body.milestones.passes_longest_on is None
    assert (body.milestones.distance_m, body.milestones.runs) == (0.0, 0)


def test_the_current_streak_passes_the_longest_the_day_after_it_equals_it() -> None:
    # given an 80-day streak in the summer and a 50-day one ending today
    runs = streak_ending("2026-08-31", 80) + streak_ending("2026-11-25", 50)
    # when the stats are read today
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-25T21:00:00-05:00"), tz=HOME)
    # then day 81 of the current streak is the day it becomes the longest
    assert body.milestones is not None
    start = body.current_streak.start
    assert start is not None
    assert body.milestones.passes_longest_on == start + timedelta(days=80)
    assert body.milestones.passes_longest_on == date(2026, 12, 26)
    assert body.milestones.longest_to_pass_days == 80


def test_a_current_streak_tied_with_the_longest_passes_it_tomorrow() -> None:
    runs = streak_ending("2026-08-31", 30) + streak_ending("2026-11-25", 30)
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-25T21:00:00-05:00"), tz=HOME)
    assert body.milestones is not None
    assert body.milestones.passes_longest_on == date(2026, 11, 26)


def test_a_current_streak_that_is_the_longest_has_nothing_to_pass() -> None:
    runs = streak_ending("2026-08-31", 30) + streak_ending("2026-11-25", 31)
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-25T21:00:00-05:00"), tz=HOME)
    assert body.milestones is not None
    assert body.milestones.passes_longest_on is None
    assert body.milestones.longest_to_pass_days is None


def test_distance_and_runs_inside_the_current_streak_leave_older_streaks_out() -> None:
    # given an old streak, a gap, then 3 days with 2 runs of 2 mi each
    old = streak_ending("2026-10-01", 10, miles=9.0)
    recent = [
        run(d, 2.0, at=t)
        for d in ("2026-11-23", "2026-11-24", "2026-11-25")
        for t in ("06:00", "18:00")
    ]
    # when the stats are read on the last day
    body = compute_stats(
        old + recent, [], rule=USRSA, as_of=at("2026-11-25T21:00:00-05:00"), tz=HOME
    )
    # then only the current streak's 6 runs and 12 miles count
    assert body.milestones is not None
    assert body.milestones.runs == 6
    assert body.milestones.distance_m == pytest.approx(12 * METRES_PER_MILE)


@pytest.mark.parametrize(
    ("rule_name", "day_miles", "is_close"),
    [
        (RuleName.USRSA, [1.04], True),
        (RuleName.USRSA, [0.52, 0.52], True),
        (RuleName.USRSA, [1.05], False),  # exactly 5% over is not "less than 5%"
        (RuleName.USRSA, [0.99], False),  # short: not a streak day at all
        (RuleName.STRICT, [1.02, 0.9], True),  # the best single run is what counted
        (RuleName.STRICT, [1.2, 0.9], False),
        (RuleName.ANY, [0.1], False),  # under `any` nothing is ever close
    ],
)
def test_a_close_call_is_a_streak_day_less_than_5_percent_over_the_minimum(
    rule_name: RuleName, day_miles: list[float], is_close: bool
) -> None:
    # given a streak whose last day has these runs
    rule = StreakRule(name=rule_name)
    runs = streak_ending("2026-11-24", 5) + [
        run("2026-11-25", m, at=f"{7 + i:02d}:00") for i, m in enumerate(day_miles)
    ]
    days = group_days(runs)
    streaks = find_streaks(qualifying_days(days, rule))
    # when the close calls of the latest streak are counted
    calls = close_calls_in(days, rule, streaks[-1])
    # then that day is a close call exactly when it counted with under 5% to spare
    assert calls.count == (1 if is_close else 0)
    if is_close:
        assert calls.closest is not None
        assert calls.closest.date == date(2026, 11, 25)
        counted = max(day_miles) if rule_name is RuleName.STRICT else sum(day_miles)
        assert calls.closest.distance_m == pytest.approx(counted * METRES_PER_MILE)


def test_close_calls_count_every_one_but_list_the_latest_few_and_the_closest() -> None:
    # given 12 close calls, the tightest in the middle, inside one streak
    runs = [run(date(2026, 11, 1) + timedelta(days=i), 1.02) for i in range(12)]
    runs[5] = run("2026-11-06", 1.001)
    days = group_days(runs)
    streaks = find_streaks(qualifying_days(days, USRSA))
    # when they are summarised
    calls = close_calls_in(days, USRSA, streaks[-1])
    # then the count is complete, the list is the latest few, and the closest is found
    assert calls.count == 12
    assert [c.date for c in calls.recent] == [
        date(2026, 11, 12) - timedelta(days=i) for i in reversed(range(CLOSE_CALLS_KEPT))
    ]
    assert calls.closest is not None
    assert calls.closest.date == date(2026, 11, 6)


def test_close_calls_before_the_current_streak_began_are_not_counted() -> None:
    # given a close call in an older streak and a comfortable current streak
    runs = [run("2026-11-01", 1.01), *streak_ending("2026-11-25", 10)]
    # when the stats are read
    body = compute_stats(runs, [], rule=USRSA, as_of=at("2026-11-25T21:00:00-05:00"), tz=HOME)
    # then the current streak has none
    assert body.milestones is not None
    assert body.milestones.close_calls.count == 0


def test_close_calls_rendered_from_a_stored_snapshot_match_the_days() -> None:
    # given a snapshot stored (as JSON) after a sync, with 2 close calls in a 20-day streak
    close = {date(2026, 11, 10): 1.03, date(2026, 11, 24): 1.01}
    runs = [
        run(d, close.get(d, 3.0))
        for d in (date(2026, 11, 25) - timedelta(days=i) for i in range(20))
    ]
    snapshot = build_snapshot(runs, [], [USRSA])
    stored = type(snapshot).model_validate_json(snapshot.model_dump_json(context=EXACT_NUMBERS))
    # when it is rendered the next morning (at risk) and two days later (broken)
    morning = render_stats(
        stored, rule=USRSA, as_of=at("2026-11-26T07:00:00-05:00"), tz=HOME, last_sync=None
    )
    later = render_stats(
        stored, rule=USRSA, as_of=at("2026-11-27T07:00:00-05:00"), tz=HOME, last_sync=None
    )
    # then the at-risk streak still shows its close calls, and the broken one none
    assert morning.milestones is not None
    assert morning.milestones.close_calls.count == 2
    assert [c.date for c in morning.milestones.close_calls.recent] == [
        date(2026, 11, 10),
        date(2026, 11, 24),
    ]
    assert later.milestones is not None
    assert later.milestones.close_calls == CloseCalls()


def test_a_projection_uses_the_latest_streak_only_when_it_is_the_current_one() -> None:
    # given the facts of a latest streak that started on 2026-11-21
    latest = LatestStreak(
        start=date(2026, 11, 21), runs=7, longest_other_days=40, close_calls=CloseCalls(count=3)
    )
    alive = current(5, "2026-11-25")
    stale = current(5, "2026-11-25").model_copy(update={"start": date(2026, 11, 20)})
    # when projecting the current streak that is that one, and one that is not
    mine = project(alive, latest)
    other = project(stale, latest)
    # then its runs, record and close calls show only for the matching streak
    assert (mine.runs, mine.longest_to_pass_days, mine.close_calls.count) == (7, 40, 3)
    assert mine.passes_longest_on == date(2026, 12, 31)
    assert (other.runs, other.longest_to_pass_days, other.close_calls.count) == (0, None, 0)
    assert other.next_milestone is None


def test_the_stats_body_json_carries_milestones_next_to_the_contract_fields() -> None:
    body = compute_stats(
        streak_ending("2026-11-25", 998),
        [],
        rule=USRSA,
        as_of=at("2026-11-26T07:00:00-05:00"),
        tz=HOME,
    )
    dumped = body.model_dump(mode="json")
    assert dumped["current_streak"]["days"] == 998
    assert dumped["milestones"]["next_milestone"]["date"] == "2026-11-27"
    assert dumped["milestones"]["close_calls"]["count"] == 0
