"""Each attempt's timeouts are cut to what is left of the sync's deadline, and no retry
starts that the deadline could not hold: a `POST /sync` with a 20 s budget must answer
before API Gateway's 29 s, however slow SmashRun is. respx plays a slow SmashRun on a fake
clock, so nothing here waits and nothing asserts on wall time."""

from __future__ import annotations

import httpx
import pytest
import respx

from streakcore.errors import SmashRunUnavailable
from streakcore.ports import Deadline
from streakcore.smashrun.budget import RequestBudget
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import (
    DEFAULT_TIMEOUT,
    MIN_ATTEMPT_S,
    RetryPolicy,
    StaticToken,
    build_http,
)

BASE = "https://api.smashrun.test/v1"
SEARCH = f"{BASE}/my/activities/search"


class FakeClock:
    """Monotonic time for the deadline, wall time for the budget, and sleep, in one."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class SlowSmashRun:
    """Answers after `delay_s` on the fake clock, like the fake server's `slow` fault; an
    attempt whose read timeout is shorter times out when it runs out instead."""

    def __init__(self, clock: FakeClock, delay_s: float) -> None:
        self.clock = clock
        self.delay_s = delay_s
        self.timeouts: list[dict[str, float | None]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions["timeout"]
        self.timeouts.append(timeouts)
        read = timeouts["read"]
        if read is not None and read < self.delay_s:
            self.clock.now += read
            raise httpx.ReadTimeout("no answer in time", request=request)
        self.clock.now += self.delay_s
        return httpx.Response(200, json=[])

    @property
    def read_timeouts(self) -> list[float | None]:
        return [t["read"] for t in self.timeouts]


def client_for(
    clock: FakeClock, deadline: Deadline | None, budget: RequestBudget | None = None
) -> SmashRunClient:
    retry = RetryPolicy(sleep=clock.sleep, jitter=lambda: 1.0)
    return SmashRunClient(
        build_http(BASE, StaticToken("token"), deadline=deadline, budget=budget, retry=retry)
    )


@respx.mock
def test_a_slow_smashrun_is_given_up_on_when_a_1_s_deadline_runs_out() -> None:
    # given a deadline of 1 s and a SmashRun that takes 5 s to answer
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=5.0)
    respx.get(SEARCH).mock(side_effect=slow)
    client = client_for(clock, Deadline(1.0, clock=clock))
    # when the client asks
    with pytest.raises(SmashRunUnavailable, match="timed out"):
        client.search(None)
    # then one attempt was made, allowed no longer than the deadline, and none after it
    assert slow.read_timeouts == [1.0]
    assert client.requests_made == 1


@respx.mock
def test_a_retry_gets_only_what_is_left_of_the_deadline() -> None:
    # given 30 s, and a SmashRun slower than the 20 s read timeout
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=25.0)
    respx.get(SEARCH).mock(side_effect=slow)
    client = client_for(clock, Deadline(30.0, clock=clock))
    # when the client asks
    with pytest.raises(SmashRunUnavailable):
        client.search(None)
    # then the first attempt had the full read timeout, the retry (after a 0.5 s backoff)
    # what was left, and there was no third
    assert slow.read_timeouts == [DEFAULT_TIMEOUT.read, pytest.approx(30.0 - 20.0 - 0.5)]
    assert all(limit is not None and limit <= 9.5 for limit in slow.timeouts[1].values())


@respx.mock
def test_without_a_deadline_every_attempt_keeps_the_configured_timeouts() -> None:
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=25.0)
    respx.get(SEARCH).mock(side_effect=slow)
    with pytest.raises(SmashRunUnavailable):
        client_for(clock, None).search(None)
    assert slow.timeouts == [DEFAULT_TIMEOUT.as_dict()] * RetryPolicy().max_attempts


@respx.mock
def test_a_deadline_far_off_keeps_the_configured_timeouts() -> None:
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=0.1)
    respx.get(SEARCH).mock(side_effect=slow)
    client_for(clock, Deadline(600.0, clock=clock)).search(None)
    assert slow.timeouts == [DEFAULT_TIMEOUT.as_dict()]


@respx.mock
def test_a_request_asked_for_past_the_deadline_still_gets_the_least_useful_time_once() -> None:
    # given a deadline already gone (the sync still finishes its first batch)
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=5.0)
    respx.get(SEARCH).mock(side_effect=slow)
    client = client_for(clock, Deadline(0.0, clock=clock))
    # when the client asks, then it tries once, briefly, and does not retry
    with pytest.raises(SmashRunUnavailable):
        client.search(None)
    assert slow.read_timeouts == [MIN_ATTEMPT_S]


@respx.mock
def test_time_spent_waiting_for_request_budget_is_taken_from_the_attempt() -> None:
    # given a budget with room for one request per 10 s, already used, and 25 s left
    clock = FakeClock()
    slow = SlowSmashRun(clock, delay_s=0.1)
    respx.get(SEARCH).mock(side_effect=slow)
    budget = RequestBudget(1000, burst=1, clock=clock, sleep=clock.sleep)
    budget.acquire()
    client = client_for(clock, Deadline(25.0, clock=clock), budget)
    # when the client asks, it waits 10 s for the budget, then gets the 15 s left
    client.search(None)
    assert slow.read_timeouts == [pytest.approx(15.0)]
