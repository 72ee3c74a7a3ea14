"""Every rule at once: usrsa, strict and any side by side, and the days they disagree on."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpers import at, run
from streakcore.domain.days import group_days
from streakcore.domain.models import Activity
from streakcore.domain.rule_compare import compare_rules, disagreements
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import build_snapshot, default_rules, render_rules, rules_body
from streakcore.domain.streaks import StreakStatus
from streakcore.domain.units import EXACT_NUMBERS, METRES_PER_MILE

HOME = ZoneInfo("America/New_York")
MILE = METRES_PER_MILE
FIRST = date(2026, 11, 1)


def day(n: int) -> date:
    """Day n (1-based) of November 2026."""
    return FIRST + timedelta(days=n - 1)


def november() -> list[Activity]:
    """17 days: 3 mi daily, except day 11 (two 0.6 mi runs) and day 15 (one 0.5 mi run)."""
    runs: list[Activity] = []
    for n in range(1, 18):
        if n == 11:
            runs += [run(day(n), 0.6, at="06:00"), run(day(n), 0.6, at="18:00")]
        elif n == 15:
            runs.append(run(day(n), 0.5))
        else:
            runs.append(run(day(n), 3.0))
    return runs


def test_days_the_rules_disagree_on_are_listed_with_the_rules_that_count_them() -> None:
    # given a month with a split-mile day and a short day among full days
    days = group_days(november())
    # when the disagreements at one mile are found
    found = disagreements(days, MILE)
    # then exactly those two days are listed, each with the rules it counts under
    assert [(d.date, d.counts_under) for d in found] == [
        (day(11), (RuleName.USRSA, RuleName.ANY)),
        (day(15), (RuleName.ANY,)),
    ]
    assert found[0].runs == 2
    assert found[0].distance_m == pytest.approx(1.2 * MILE)
    assert found[0].longest_run_m == pytest.approx(0.6 * MILE)


def test_the_rules_stand_side_by_side_with_different_current_and_longest_streaks() -> None:
    # given the month above, read on its last day
    days = group_days(november())
    # when the rules are compared
    result = compare_rules(days, min_distance_m=MILE, today=day(17))
    # then any never breaks, usrsa breaks on day 15, strict on days 11 and 15
    by_rule = {s.rule: s for s in result.rules}
    assert [s.rule for s in result.rules] == list(RuleName)
    assert by_rule[RuleName.ANY].current_streak.days == 17
    assert by_rule[RuleName.USRSA].current_streak.days == 2
    assert by_rule[RuleName.STRICT].current_streak.days == 2
    longest = {
        name: (s.longest_streak.start, s.longest_streak.days)
        for name, s in by_rule.items()
        if s.longest_streak is not None
    }
    assert longest == {
        RuleName.ANY: (day(1), 17),
        RuleName.USRSA: (day(1), 14),
        RuleName.STRICT: (day(1), 10),
    }
    assert {s.current_streak.status for s in result.rules} == {StreakStatus.DONE_TODAY}
    assert result.disagreement_days == 2


def test_rules_agree_on_every_day_when_the_minimum_is_zero() -> None:
    days = group_days(november())
    result = compare_rules(days, min_distance_m=0.0, today=day(17))
    assert result.disagreement_days == 0
    assert {s.current_streak.days for s in result.rules} == {17}


def test_a_summary_counts_every_disagreement_but_lists_only_the_latest() -> None:
    # given 40 short days in a row
    days = group_days([run(day(1) + timedelta(days=i), 0.5) for i in range(40)])
    # when compared with a limit of 5, and with no limit
    few = compare_rules(days, min_distance_m=MILE, today=day(40), keep=5)
    every = compare_rules(days, min_distance_m=MILE, today=day(40), keep=None)
    # then the count is complete and the list is the latest five, oldest first
    assert few.disagreement_days == every.disagreement_days == 40
    assert [d.date for d in few.disagreements] == [
        day(1) + timedelta(days=i) for i in range(35, 40)
    ]
    assert len(every.disagreements) == 40


def test_the_snapshot_answers_every_rule_exactly_as_the_days_do() -> None:
    # given a snapshot built for the default rules after a sync
    runs = november()
    snapshot = build_snapshot(runs, [], default_rules(StreakRule()))
    stored = type(snapshot).model_validate_json(snapshot.model_dump_json(context=EXACT_NUMBERS))
    as_of = at("2026-11-18T07:00:00-05:00")
    # when `?rule=all` is answered from it, and from the days
    from_snapshot = render_rules(stored, min_distance_m=MILE, as_of=as_of, tz=HOME, last_sync=None)
    from_days = rules_body(
        compare_rules(group_days(runs), min_distance_m=MILE, today=day(18)),
        as_of=as_of,
        tz=HOME,
        last_sync=None,
    )
    # then the bodies are the same, and the morning after every streak is at risk
    assert from_snapshot == from_days
    assert {s.current_streak.status for s in from_snapshot.rules} == {StreakStatus.AT_RISK}
    body = from_snapshot.model_dump(mode="json")
    assert body["as_of"] == "2026-11-18T07:00:00-05:00"
    assert [r["rule"] for r in body["rules"]] == ["usrsa", "strict", "any"]


def test_a_snapshot_built_for_another_minimum_cannot_answer_every_rule() -> None:
    snapshot = build_snapshot(november(), [], default_rules(StreakRule()))
    with pytest.raises(ValueError, match="rebuild"):
        render_rules(
            snapshot,
            min_distance_m=2 * MILE,
            as_of=at("2026-11-18T07:00:00-05:00"),
            tz=HOME,
            last_sync=None,
        )
