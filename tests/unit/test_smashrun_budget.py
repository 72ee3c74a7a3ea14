"""The client-side request budget: hourly and burst token buckets, persisted across runs."""

from __future__ import annotations

import pytest

from streakcore.errors import SmashRunRateLimited
from streakcore.ports import Deadline
from streakcore.smashrun.budget import MAX_BURST, RequestBudget, burst_for


class FakeTime:
    """Wall clock and sleep in one: sleeping moves the clock, so nothing really waits."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def budget_at(time: FakeTime, per_hour: int, burst: int | None = None) -> RequestBudget:
    return RequestBudget(per_hour, burst=burst, clock=time.clock, sleep=time.sleep)


@pytest.mark.parametrize(
    ("per_hour", "burst"),
    [(1, 1), (6, 1), (60, 10), (240, 40), (250, MAX_BURST),
     (1_440, 40), (3_600, 100), (1_000_000, 27_777)],
)  # fmt: skip
def test_burst_stays_well_under_smashruns_80_per_10_s_for_any_user_budget(
    per_hour: int, burst: int
) -> None:
    assert burst_for(per_hour) == burst


def test_a_burst_goes_out_at_once_then_requests_are_paced_by_the_burst_refill() -> None:
    # given
    time = FakeTime()
    budget = budget_at(time, 240)
    # when
    for _ in range(40):
        budget.acquire()
    # then
    assert time.slept == []
    budget.acquire()
    assert time.slept == [pytest.approx(10 / 40)]


def test_the_hourly_budget_caps_requests_whatever_the_burst() -> None:
    time = FakeTime()
    budget = budget_at(time, 10, burst=10)
    for _ in range(10):
        budget.acquire()
    start = time.now
    budget.acquire()
    assert time.now - start == pytest.approx(3600 / 10)


def test_a_wait_that_would_pass_the_deadline_is_refused_with_the_wait() -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    budget.restore({"tokens": 0, "at": time.now})
    with pytest.raises(SmashRunRateLimited) as caught:
        budget.acquire(Deadline(5, clock=time.clock))
    assert caught.value.retry_after == 15
    assert "budget" in str(caught.value)
    assert time.slept == []


def test_the_level_carries_over_to_the_next_run_through_a_snapshot() -> None:
    # given a run that spent 200 of 240
    time = FakeTime()
    first = budget_at(time, 240, burst=240)
    for _ in range(200):
        first.acquire()
    saved = first.snapshot()
    # when the next run starts ten minutes later
    time.now += 600
    second = budget_at(time, 240, burst=240)
    second.restore(saved)
    # then it has what was left plus ten minutes of refill, not a full hour's worth
    assert second.available() == pytest.approx(40 + 600 * 240 / 3600)


def test_a_snapshot_from_the_future_mints_no_tokens() -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    budget.restore({"tokens": 3, "at": time.now + 10_000})
    assert budget.available() == pytest.approx(3)


@pytest.mark.parametrize("snapshot", [None, {}, {"tokens": "many"}, {"at": 5}, "junk"])
def test_an_unreadable_snapshot_leaves_a_full_budget(snapshot: object) -> None:
    time = FakeTime()
    budget = budget_at(time, 240)
    budget.restore(snapshot)  # type: ignore[arg-type]
    assert budget.available() == pytest.approx(240)
