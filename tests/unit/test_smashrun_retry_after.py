"""Retry-After, whatever SmashRun puts in it: read defensively, never trusted past an hour,
and every Retry-After we send ourselves an integer from 1 to 3600."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from streak_lambda.http_errors import http_error_for, retry_after_header
from streakcore.errors import MAX_RETRY_AFTER_S, SmashRunRateLimited
from streakcore.ports import Deadline
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import (
    DEFAULT_RETRY_AFTER_S,
    RetryPolicy,
    StaticToken,
    build_http,
    parse_retry_after,
)
from streakcore.smashrun.source import SmashRunSource
from streakcore.testing import InMemoryRunStore
from streakcore.usecases.sync import SyncStatus, sync

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BASE = "https://api.smashrun.test/v1"
SEARCH = f"{BASE}/my/activities/search"
EXTREME = ["inf", "+Infinity", "1e400", "99999999999999", "1" + "0" * 400]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("7", 7.0, id="delay-seconds"),
        pytest.param(" 12 ", 12.0, id="padded"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("1.5", 1.5, id="a fraction, read leniently"),
        pytest.param("3600", 3600.0, id="an hour"),
        pytest.param("3601", MAX_RETRY_AFTER_S, id="just over an hour"),
        pytest.param("inf", MAX_RETRY_AFTER_S, id="inf"),
        pytest.param("1e400", MAX_RETRY_AFTER_S, id="overflows a float"),
        pytest.param("99999999999999", MAX_RETRY_AFTER_S, id="overflows a timedelta"),
        pytest.param("1" + "0" * 400, MAX_RETRY_AFTER_S, id="400 digits"),
        pytest.param("-5", DEFAULT_RETRY_AFTER_S, id="negative"),
        pytest.param("-inf", DEFAULT_RETRY_AFTER_S, id="minus infinity"),
        pytest.param("nan", DEFAULT_RETRY_AFTER_S, id="nan"),
        pytest.param("", DEFAULT_RETRY_AFTER_S, id="empty"),
        pytest.param(None, DEFAULT_RETRY_AFTER_S, id="absent"),
        pytest.param("soon", DEFAULT_RETRY_AFTER_S, id="garbage"),
        pytest.param("\x00\xff", DEFAULT_RETRY_AFTER_S, id="bytes"),
        pytest.param("Thu, 26 Nov 2026 12:01:30 GMT", 90.0, id="an HTTP-date 90 s ahead"),
        pytest.param("Thu, 26 Nov 2026 11:00:00 GMT", 0.0, id="an HTTP-date in the past"),
        pytest.param("Mon, 01 Jan 0001 00:00:00 GMT", 0.0, id="the first HTTP-date there is"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER_S, id="year 9999"),
        pytest.param("Sat, 31 Feb 2026 07:28:00 GMT", DEFAULT_RETRY_AFTER_S, id="31 February"),
        pytest.param("Thu, 26 Nov 2026 12:01:30 +1400", 0.0, id="an HTTP-date with an offset"),
    ],
)
def test_retry_after_is_read_as_a_finite_wait_of_at_most_an_hour(
    header: str | None, seconds: float
) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _source(sleeps: Sleeps, deadline: Deadline | None = None) -> SmashRunSource:
    retry = RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)
    return SmashRunSource(
        SmashRunClient(build_http(BASE, StaticToken("t"), retry=retry, deadline=deadline))
    )


@pytest.mark.parametrize("header", EXTREME)
@respx.mock
def test_an_extreme_retry_after_is_handed_on_as_an_hour_without_waiting(header: str) -> None:
    # given SmashRun asking us to wait forever
    respx.get(SEARCH).mock(return_value=httpx.Response(429, headers={"Retry-After": header}))
    sleeps = Sleeps()
    # when the client asks, then it stops at once with a wait it can add to a clock
    with pytest.raises(SmashRunRateLimited) as caught:
        _source(sleeps).search(None, 0)
    assert caught.value.retry_after == MAX_RETRY_AFTER_S
    assert sleeps == []


@pytest.mark.parametrize("header", EXTREME)
@respx.mock
def test_a_sync_rate_limited_with_an_extreme_retry_after_reports_failure_without_a_traceback(
    header: str,
) -> None:
    # given SmashRun answering the first search with an absurd Retry-After
    respx.get(SEARCH).mock(return_value=httpx.Response(429, headers={"Retry-After": header}))
    with InMemoryRunStore() as store:
        # when a sync runs into it
        report = sync(_source(Sleeps()), store, deadline=Deadline(30), clock=lambda: NOW)
        # then it says when to come back, within the hour, and records the attempt
        assert report.status is SyncStatus.FAILED
        assert report.error is not None
        assert "try again after 2026-11-26T13:00:00Z" in report.error
        assert store.get_state("last_sync_attempt")["status"] == "failed"


@pytest.mark.parametrize(
    "retry_after",
    [float("inf"), float("nan"), 1e300, 99999999999999.0, -5.0, float("-inf")],
)
def test_a_rate_limit_error_always_carries_a_finite_wait_within_the_hour(
    retry_after: float,
) -> None:
    error = SmashRunRateLimited(retry_after)
    assert 0 <= error.retry_after <= MAX_RETRY_AFTER_S
    assert "inf" not in str(error)
    assert "nan" not in str(error)


@pytest.mark.parametrize(
    "seconds",
    [0.0, 0.2, 1.0, 59.5, 3600.0, 3600.4, 86_400.0, 1e300, float("inf"), float("nan"), -3.0],
)
def test_every_retry_after_we_send_is_an_integer_from_1_to_3600(seconds: float) -> None:
    header = retry_after_header(seconds)
    assert header.isdigit()
    assert 1 <= int(header) <= 3600
    error = http_error_for(SmashRunRateLimited(seconds))
    assert error.headers["Retry-After"].isdigit()
    assert 1 <= int(error.headers["Retry-After"]) <= 3600


def test_a_short_wait_we_send_is_rounded_up_not_down() -> None:
    assert retry_after_header(59.2) == "60"
    assert retry_after_header((timedelta(minutes=5) / timedelta(seconds=1)) - 0.5) == "300"
