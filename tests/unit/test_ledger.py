"""The streak ledger: one row per streak day with the runs that made it count."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import NEW_YORK_WINTER, TOKYO, daily_runs, run
from streakcore.domain.days import Day, group_days, qualifying_days
from streakcore.domain.ledger import ledger
from streakcore.domain.models import Activity
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import METRES_PER_MILE

EPOCH = date(2026, 1, 1)

runs_strategy = st.lists(
    st.builds(
        lambda day, minute, miles, hours: Activity(
            activity_id=f"{day}-{minute}-{miles}",
            start_local=datetime.combine(
                EPOCH + timedelta(days=day),
                time(minute // 60, minute % 60),
                tzinfo=timezone(timedelta(hours=hours)),
            ),
            distance_m=miles * METRES_PER_MILE,
            duration_s=600.0,
        ),
        st.integers(0, 40),
        st.integers(0, 1439),
        st.sampled_from([0.0, 0.3, 0.6, 1.0, 2.5]),
        st.sampled_from([-5, 0, 9]),
    ),
    max_size=60,
    unique_by=lambda a: a.activity_id,
)


@settings(max_examples=150, deadline=None)
@given(runs=runs_strategy, rule_name=st.sampled_from(list(RuleName)))
def test_the_ledger_has_one_row_for_each_qualifying_day(
    runs: list[Activity], rule_name: RuleName
) -> None:
    # given any runs and a rule
    rule = StreakRule(name=rule_name)
    days = group_days(runs)
    # when the ledger is drawn up
    rows = ledger(days, rule)
    # then its dates are the qualifying days, and each row's runs are runs of that day
    assert [r.date for r in rows] == [d.local_date for d in qualifying_days(days, rule)]
    by_id = {a.activity_id: a for a in runs}
    for row in rows:
        assert row.activity_ids
        assert {by_id[i].local_date for i in row.activity_ids} == {row.date}
        assert list(row.distances_m) == [by_id[i].distance_m for i in row.activity_ids]
        assert (row.rule, row.min_distance_m) == (rule.name, rule.min_distance_m)


def test_each_row_carries_the_offset_its_runs_carried() -> None:
    # given a day at home and a day in Tokyo
    runs = [
        run("2026-03-01", 3.0, offset=NEW_YORK_WINTER, activity_id="ny"),
        run("2026-03-02", 3.0, at="06:30", offset=TOKYO, activity_id="tokyo"),
    ]
    # when the ledger is drawn up
    rows = ledger(group_days(runs), StreakRule())
    # then each row says where in the world its run started
    assert [(r.activity_ids, r.utc_offsets) for r in rows] == [
        (("ny",), ("-05:00",)),
        (("tokyo",), ("+09:00",)),
    ]


def test_under_usrsa_every_run_of_the_day_is_evidence_but_under_strict_only_the_long_ones() -> None:
    # given a day with a 0.4-mile warm-up and a 1.2-mile run
    runs = [
        run("2026-03-01", 0.4, at="06:00", activity_id="warmup"),
        run("2026-03-01", 1.2, at="06:10", activity_id="main"),
    ]
    days = group_days(runs)
    # when the ledgers are drawn up under both rules
    usrsa = ledger(days, StreakRule(name=RuleName.USRSA))
    strict = ledger(days, StreakRule(name=RuleName.STRICT))
    # then usrsa lists both runs (they add up) and strict only the one that counted alone
    assert usrsa[0].activity_ids == ("warmup", "main")
    assert strict[0].activity_ids == ("main",)
    assert strict[0].distances_m == pytest.approx((1.2 * METRES_PER_MILE,))


def test_a_date_range_keeps_streak_day_numbers_counted_from_the_streak_start() -> None:
    # given a 20-day streak from 2026-03-01, a gap, then a 3-day streak
    runs = daily_runs("2026-03-01", 20) + daily_runs("2026-03-25", 3)
    days = group_days(runs)
    # when the ledger is asked for 2026-03-18 to 2026-03-26
    rows = ledger(days, StreakRule(), first=date(2026, 3, 18), last=date(2026, 3, 26))
    # then the rows are the qualifying days in range, numbered within their streaks
    assert [(r.date.day, r.streak_day, r.streak_start.day) for r in rows] == [
        (18, 18, 1),
        (19, 19, 1),
        (20, 20, 1),
        (25, 1, 25),
        (26, 2, 25),
    ]


def test_days_that_do_not_count_are_left_out_and_break_the_numbering() -> None:
    runs = [run("2026-03-01", 2.0), run("2026-03-02", 0.5), run("2026-03-03", 2.0)]
    rows = ledger(group_days(runs), StreakRule())
    assert [(r.date.day, r.streak_day) for r in rows] == [(1, 1), (3, 1)]


def test_a_day_of_totals_without_its_runs_is_refused_as_evidence() -> None:
    totals_only = Day(date(2026, 3, 1), runs=1, distance_m=5000.0, longest_m=5000.0)
    with pytest.raises(ValueError, match="no runs"):
        ledger([totals_only], StreakRule())
