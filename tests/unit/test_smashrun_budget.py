"""The client-side request budget: a sliding window of the last hour's requests (and a
burst cap per 10 s), persisted across runs and merged when a retried sync reloads it."""

from __future__ import annotations

from typing import Any

import pytest

from streakcore.errors import SmashRunRateLimited
from streakcore.ports import Deadline
from streakcore.smashrun.budget import (
    EXACT_UP_TO,
    MAX_BURST,
    WINDOW_S,
    RequestBudget,
    burst_for,
)

START = 1_700_000_000.0


class FakeTime:
    """Wall clock and sleep in one: sleeping moves the clock, so nothing really waits."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget_at(time: FakeTime, per_hour: int, burst: int | None = None) -> RequestBudget:
    return RequestBudget(per_hour, burst=burst, clock=time.clock, sleep=time.sleep)


def spend(budget: RequestBudget, n: int) -> None:
    for _ in range(n):
        budget.acquire()


def refusal(budget: RequestBudget, time: FakeTime) -> SmashRunRateLimited:
    """The error one more request meets when the caller can wait a minute at most."""
    with pytest.raises(SmashRunRateLimited) as caught:
        budget.acquire(Deadline(60, clock=time.clock))
    return caught.value


@pytest.mark.parametrize(
    ("per_hour", "burst"),
    [(1, 1), (6, 1), (60, 10), (240, 40), (250, MAX_BURST),
     (1_440, 40), (3_600, 100), (1_000_000, 27_777)],
)  # fmt: skip
def test_burst_stays_well_under_smashruns_80_per_10_s_for_any_user_budget(
    per_hour: int, burst: int
) -> None:
    assert burst_for(per_hour) == burst


# -- the hourly window --------------------------------------------------------------------------


def test_the_first_hour_allows_exactly_the_hourly_budget_then_says_when_to_come_back() -> None:
    # given a fresh budget of 240 an hour, spent one request every 10 s
    time = FakeTime()
    budget = budget_at(time, 240)
    for _ in range(240):
        budget.acquire()
        time.now += 10
    # when one more is asked for, 2,400 s after the first
    refused = refusal(budget, time)
    # then it is refused until the first request leaves the hour, and nothing went out
    assert refused.retry_after == 3600 - 2400
    assert "budget" in str(refused)
    assert budget.available() == 0
    assert time.slept == []


def test_no_sixty_minutes_ever_hold_more_than_the_hourly_budget() -> None:
    # given a budget that waits whenever it must (no deadline), asked for three hours' worth
    time = FakeTime()
    budget = budget_at(time, 60, burst=60)
    sent: list[float] = []
    for _ in range(180):
        budget.acquire()
        sent.append(time.now)
    # then every window of an hour starting at a request holds at most 60 of them
    busiest = max(sum(1 for t in sent if start <= t < start + WINDOW_S) for start in sent)
    assert busiest == 60


def test_the_window_slides_requests_leave_it_an_hour_after_they_went_out() -> None:
    # given 120 requests at the start and 120 half an hour later
    time = FakeTime()
    budget = budget_at(time, 240, burst=240)
    spend(budget, 120)
    time.now += 1800
    spend(budget, 120)
    assert refusal(budget, time).retry_after == 1800
    # when the first 120 are an hour old
    time.now = START + WINDOW_S
    # then exactly their share is free again, and the rest waits for the second 120
    assert budget.available() == 120
    spend(budget, 120)
    assert refusal(budget, time).retry_after == 1800
    assert time.slept == []


def test_a_wait_within_the_deadline_is_slept_then_the_request_goes_out() -> None:
    time = FakeTime()
    budget = budget_at(time, 10, burst=10)
    spend(budget, 10)
    budget.acquire(Deadline(4000, clock=time.clock))
    assert time.slept == [pytest.approx(WINDOW_S)]


# -- the burst cap ------------------------------------------------------------------------------


def test_a_burst_goes_out_at_once_and_the_next_request_waits_for_its_10_s_window() -> None:
    # given
    time = FakeTime()
    budget = budget_at(time, 240)
    # when
    spend(budget, MAX_BURST)
    # then
    assert time.slept == []
    budget.acquire()
    assert time.slept == [pytest.approx(10.0)]


def test_no_10_s_ever_hold_more_than_the_burst() -> None:
    time = FakeTime()
    budget = budget_at(time, 1000, burst=5)
    sent: list[float] = []
    for _ in range(40):
        budget.acquire()
        sent.append(time.now)
        time.now += 0.7
    busiest = max(sum(1 for t in sent if start <= t < start + 10) for start in sent)
    assert busiest == 5


# -- persisted between runs ---------------------------------------------------------------------


def test_the_window_carries_over_to_the_next_run_through_a_snapshot() -> None:
    # given a run that spent 200 of 240
    time = FakeTime()
    first = budget_at(time, 240, burst=240)
    spend(first, 200)
    saved = first.snapshot()
    # when the next run starts ten minutes later
    time.now += 600
    second = budget_at(time, 240, burst=240)
    second.restore(saved)
    # then it has only what was left: nothing came back in ten minutes
    assert second.available() == 40
    spend(second, 40)
    assert refusal(second, time).retry_after == 3000


def test_a_snapshot_says_what_is_left_as_older_versions_read_it() -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    spend(budget, 15)
    assert budget.snapshot()["tokens"] == 225


def test_a_snapshot_keeps_only_the_last_hour() -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    spend(budget, 30)
    time.now += WINDOW_S
    spend(budget, 2)
    assert sum(count for _, count in budget.snapshot()["requests"]) == 2


def test_a_retried_sync_reloading_the_winners_window_keeps_what_its_own_attempt_spent() -> None:
    # given a window of 100 requests in the database, loaded by two syncs at once
    time = FakeTime()
    earlier = budget_at(time, 240, burst=240)
    spend(earlier, 100)
    in_database = earlier.snapshot()
    time.now += 60
    ours, theirs = budget_at(time, 240, burst=240), budget_at(time, 240, burst=240)
    ours.restore(in_database)
    theirs.restore(in_database)
    # when ours spends 50, theirs spends 80 and wins the write, and ours reloads to retry
    spend(ours, 50)
    time.now += 1
    spend(theirs, 80)
    ours.restore(theirs.snapshot())
    # then ours counts the 100 from before, their 80 and its own 50, each once
    assert ours.available() == 240 - 100 - 80 - 50


def test_reloading_the_same_window_twice_counts_nothing_twice() -> None:
    time = FakeTime()
    earlier = budget_at(time, 240)
    spend(earlier, 30)
    saved = earlier.snapshot()
    budget = budget_at(time, 240)
    budget.restore(saved)
    budget.restore(saved)
    assert budget.available() == 210


def test_a_snapshot_from_the_future_holds_the_budget_back_for_an_hour_from_now() -> None:
    # given requests stamped three hours ahead by another machine's clock
    time = FakeTime()
    budget = budget_at(time, 240)
    budget.restore({"requests": [[START + 3 * WINDOW_S, 40]], "at": START + 3 * WINDOW_S})
    assert budget.available() == 200
    # when an hour has passed here
    time.now += WINDOW_S
    # then they are gone
    assert budget.available() == 240


def test_an_older_token_bucket_level_counts_what_it_had_spent() -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    budget.restore({"tokens": 40.0, "at": START - 600})
    assert budget.available() == 40
    time.now += WINDOW_S - 600
    assert budget.available() == 240


@pytest.mark.parametrize(
    "snapshot",
    [None, {}, "junk", {"tokens": "many"}, {"at": 5}, {"requests": "many"},
     {"requests": [[START]]}, {"requests": [[START, 0]]}, {"requests": [[START, True]]},
     {"requests": [["soon", 3]]}, {"requests": [[float("nan"), 3]]}],
)  # fmt: skip
def test_an_unreadable_snapshot_leaves_the_budget_as_it_was(snapshot: Any) -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    spend(budget, 5)
    budget.restore(snapshot)
    assert budget.available() == 235


# -- budgets far above SmashRun's ---------------------------------------------------------------


def test_a_huge_budget_stores_counts_per_second_not_every_instant() -> None:
    # given a benchmark's budget, spent 20 times a second for five minutes
    time = FakeTime(START + 0.25)
    budget = budget_at(time, 10_000_000)
    for _ in range(20 * 300):
        budget.acquire()
        time.now += 0.05
    # then the stored window has one entry per second, and still every request in it
    saved = budget.snapshot()
    assert len(saved["requests"]) <= 301
    assert sum(count for _, count in saved["requests"]) == 20 * 300
    assert saved["tokens"] == 10_000_000 - 20 * 300


def test_a_budget_counted_per_second_still_caps_every_hour() -> None:
    # given a budget just above the exact one, spent at once
    per_hour = EXACT_UP_TO + 1
    time = FakeTime(START + 0.5)
    budget = budget_at(time, per_hour, burst=per_hour)
    spend(budget, per_hour)
    # then the next request waits an hour, give or take the second it was counted in
    refused = refusal(budget, time)
    assert WINDOW_S <= refused.retry_after <= WINDOW_S + 1
