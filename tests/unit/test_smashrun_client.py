"""The SmashRun client against respx: every endpoint, every failure mode, no sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from streakcore import __version__
from streakcore.errors import (
    SmashRunAuthError,
    SmashRunError,
    SmashRunNotFound,
    SmashRunRateLimited,
    SmashRunUnavailable,
)
from streakcore.ports import Deadline
from streakcore.smashrun.budget import RequestBudget
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import RetryPolicy, StaticToken, build_http

BASE = "https://api.smashrun.test/v1"
TOKEN = "user-token-7f3a9c"

SEARCH_ITEM = {
    "activityId": 4000123,
    "externalId": "8812345678",
    "startDateTimeLocal": "2025-03-09T06:45:00-04:00",
    "distance": 8.04672,
    "duration": 2712.4,
    "activityType": "running",
    "cadenceAverage": 171.2,
    "heartRateAverage": 146.0,
    "howFelt": "great",
    "terrain": "road",
    "weatherType": "clear",
    "notes": None,
    "isTreadmill": False,
}
SPLITS_MI = [
    {"distance": 1.0, "seconds": 540.2, "speed": 6.66, "heartRate": 140.1,
     "elevationGain": 3.1, "elevationLoss": 2.0},
    {"distance": 2.0, "seconds": 1079.9, "speed": 6.67, "heartRate": 145.3,
     "elevationGain": 2.7, "elevationLoss": 3.2},
]  # fmt: skip
SEARCH = f"{BASE}/my/activities/search"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def client_with(
    sleeps: Sleeps,
    *,
    deadline: Deadline | None = None,
    budget: RequestBudget | None = None,
    max_attempts: int = 4,
) -> SmashRunClient:
    retry = RetryPolicy(max_attempts=max_attempts, sleep=sleeps, jitter=lambda: 1.0)
    http = build_http(BASE, StaticToken(TOKEN), budget=budget, deadline=deadline, retry=retry)
    return SmashRunClient(http)


# -- endpoints ----------------------------------------------------------------------------------


@respx.mock
def test_search_sends_paging_and_from_date_as_unix_seconds_with_bearer_and_user_agent(
    sleeps: Sleeps,
) -> None:
    # given
    route = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=[SEARCH_ITEM]))
    since = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    # when
    items = client_with(sleeps).search(since, page=2, count=50)
    # then
    request = route.calls.last.request
    assert dict(request.url.params) == {
        "page": "2", "count": "50", "fromDate": str(int(since.timestamp()))
    }  # fmt: skip
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == f"streakcore/{__version__}"
    assert items == [SEARCH_ITEM]


@respx.mock
def test_search_without_a_date_asks_for_everything(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=[]))
    client_with(sleeps).search(None, page=0)
    assert "fromDate" not in route.calls.last.request.url.params


def test_search_refuses_a_page_size_smashrun_does_not_serve(sleeps: Sleeps) -> None:
    with pytest.raises(ValueError, match="count"):
        client_with(sleeps).search(None, page=0, count=101)


@respx.mock
def test_ids_come_back_as_strings(sleeps: Sleeps) -> None:
    route = respx.get(f"{SEARCH}/ids").mock(return_value=httpx.Response(200, json=[41, 40]))
    ids = client_with(sleeps).ids(page=1)
    assert ids == ["41", "40"]
    assert route.calls.last.request.url.params["page"] == "1"


@respx.mock
def test_ids_that_are_not_ids_are_an_error(sleeps: Sleeps) -> None:
    respx.get(f"{SEARCH}/ids").mock(return_value=httpx.Response(200, json=[{"id": 1}]))
    with pytest.raises(SmashRunError, match="id list"):
        client_with(sleeps).ids()


@respx.mock
def test_activity_detail_is_the_json_object(sleeps: Sleeps) -> None:
    detail = {**SEARCH_ITEM, "recordingKeys": ["clock"], "recordingValues": [[0, 1]]}
    respx.get(f"{BASE}/my/activities/4000123").mock(return_value=httpx.Response(200, json=detail))
    assert client_with(sleeps).activity("4000123") == detail


def test_an_activity_id_that_is_not_numeric_never_reaches_the_network(sleeps: Sleeps) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = router.get(url__regex=r".*").mock(return_value=httpx.Response(200, json={}))
        with pytest.raises(SmashRunError, match="not a SmashRun activity id"):
            client_with(sleeps).activity("../userinfo")
        assert route.call_count == 0


@pytest.mark.parametrize("unit", ["mi", "km"])
@respx.mock
def test_splits_are_fetched_in_the_unit_asked_for(sleeps: Sleeps, unit: str) -> None:
    route = respx.get(f"{BASE}/my/activities/4000123/splits/{unit}").mock(
        return_value=httpx.Response(200, json=SPLITS_MI)
    )
    assert client_with(sleeps).splits("4000123", unit) == SPLITS_MI  # type: ignore[arg-type]
    assert route.call_count == 1


@respx.mock
def test_a_search_answer_that_is_not_a_list_is_an_error(sleeps: Sleeps) -> None:
    respx.get(SEARCH).mock(return_value=httpx.Response(200, json={"activityId": 1}))
    with pytest.raises(SmashRunError, match="not a JSON list"):
        client_with(sleeps).search(None)


# -- failure modes ------------------------------------------------------------------------------


@respx.mock
def test_401_says_how_to_reauthorise_and_is_not_retried(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(
        return_value=httpx.Response(401, json={"error": "invalid_token"})
    )
    with pytest.raises(SmashRunAuthError, match="streak auth") as caught:
        client_with(sleeps).search(None)
    assert route.call_count == 1
    assert TOKEN not in str(caught.value)


@respx.mock
def test_404_is_not_found_and_not_retried(sleeps: Sleeps) -> None:
    route = respx.get(f"{BASE}/my/activities/9").mock(return_value=httpx.Response(404))
    with pytest.raises(SmashRunNotFound):
        client_with(sleeps).activity("9")
    assert route.call_count == 1


@respx.mock
def test_429_waits_out_retry_after_then_succeeds(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json=[SEARCH_ITEM]),
        ]
    )
    assert client_with(sleeps).search(None) == [SEARCH_ITEM]
    assert route.call_count == 2
    assert sleeps == [7.0]


@respx.mock
def test_429_with_a_long_retry_after_is_handed_to_the_caller_at_once(sleeps: Sleeps) -> None:
    respx.get(SEARCH).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(SmashRunRateLimited) as caught:
        client_with(sleeps).search(None)
    assert caught.value.retry_after == 3600
    assert sleeps == []


@respx.mock
def test_429_whose_wait_would_pass_the_deadline_is_not_waited_out(sleeps: Sleeps) -> None:
    respx.get(SEARCH).mock(return_value=httpx.Response(429, headers={"Retry-After": "30"}))
    with pytest.raises(SmashRunRateLimited) as caught:
        client_with(sleeps, deadline=Deadline(10)).search(None)
    assert caught.value.retry_after == 30
    assert sleeps == []


@respx.mock
def test_429_that_keeps_coming_ends_rate_limited_after_the_attempts(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(429, headers={"Retry-After": "2"}))
    with pytest.raises(SmashRunRateLimited):
        client_with(sleeps, max_attempts=3).search(None)
    assert route.call_count == 3
    assert sleeps == [2.0, 2.0]


@respx.mock
def test_retry_after_as_an_http_date_is_understood(sleeps: Sleeps) -> None:
    in_ten_minutes = format_datetime(datetime.now(UTC) + timedelta(minutes=10), usegmt=True)
    later = httpx.Response(429, headers={"Retry-After": in_ten_minutes})
    respx.get(SEARCH).mock(return_value=later)
    with pytest.raises(SmashRunRateLimited) as caught:
        client_with(sleeps).search(None)
    assert 500 < caught.value.retry_after <= 600


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@respx.mock
def test_5xx_is_retried_and_a_later_success_is_returned(sleeps: Sleeps, status: int) -> None:
    route = respx.get(SEARCH).mock(
        side_effect=[httpx.Response(status, text="<html>oops</html>"), httpx.Response(200, json=[])]
    )
    assert client_with(sleeps).search(None) == []
    assert route.call_count == 2
    assert len(sleeps) == 1


@respx.mock
def test_5xx_that_persists_becomes_unavailable_after_capped_growing_backoff(
    sleeps: Sleeps,
) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(503))
    retry = RetryPolicy(max_attempts=6, base_delay_s=1.0, max_delay_s=4.0, sleep=sleeps,
                        jitter=lambda: 1.0)  # fmt: skip
    client = SmashRunClient(build_http(BASE, StaticToken(TOKEN), retry=retry))
    with pytest.raises(SmashRunUnavailable, match="HTTP 503") as caught:
        client.search(None)
    assert route.call_count == 6
    assert sleeps == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert TOKEN not in str(caught.value)
    assert caught.value.cut_short is False


def test_backoff_is_jittered_between_half_and_all_of_the_ceiling() -> None:
    low = RetryPolicy(base_delay_s=2.0, max_delay_s=100.0, jitter=lambda: 0.0)
    high = RetryPolicy(base_delay_s=2.0, max_delay_s=100.0, jitter=lambda: 1.0)
    assert [low.backoff_s(a) for a in range(3)] == [1.0, 2.0, 4.0]
    assert [high.backoff_s(a) for a in range(3)] == [2.0, 4.0, 8.0]


@respx.mock
def test_a_backoff_that_would_pass_the_deadline_ends_the_retries_early(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(500))
    with pytest.raises(SmashRunUnavailable) as caught:
        client_with(sleeps, deadline=Deadline(0.1)).search(None)
    assert route.call_count == 1
    assert sleeps == []
    # and says so: a failure the budget cut short is not counted against a run
    assert caught.value.cut_short is True


@respx.mock
def test_a_timeout_is_retried(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json=[SEARCH_ITEM])]
    )
    assert client_with(sleeps).search(None) == [SEARCH_ITEM]
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure", [httpx.ConnectTimeout("x"), httpx.ReadTimeout("x"), httpx.ConnectError("x"),
                httpx.RemoteProtocolError("x")]
)  # fmt: skip
@respx.mock
def test_transport_failures_end_as_unavailable_never_as_httpx_errors(
    sleeps: Sleeps, failure: Exception
) -> None:
    respx.get(SEARCH).mock(side_effect=failure)
    with pytest.raises(SmashRunUnavailable):
        client_with(sleeps).search(None)


@respx.mock
def test_malformed_json_is_retried_then_unavailable(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(
        return_value=httpx.Response(200, text='[{"activityId": 4000123, "dist')
    )
    with pytest.raises(SmashRunUnavailable, match="not valid JSON"):
        client_with(sleeps, max_attempts=2).search(None)
    assert route.call_count == 2


@respx.mock
def test_malformed_json_once_is_survived(sleeps: Sleeps) -> None:
    respx.get(SEARCH).mock(
        side_effect=[httpx.Response(200, text="[{"), httpx.Response(200, json=[SEARCH_ITEM])]
    )
    assert client_with(sleeps).search(None) == [SEARCH_ITEM]


@respx.mock
def test_a_200_with_an_error_body_is_not_taken_for_data(sleeps: Sleeps) -> None:
    body = {"error": "An error has occurred. Please try again later."}
    route = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(SmashRunUnavailable, match="error in a 200 body"):
        client_with(sleeps, max_attempts=2).search(None)
    assert route.call_count == 2


@respx.mock
def test_a_200_with_an_error_body_about_the_token_asks_to_reauthorise(sleeps: Sleeps) -> None:
    body = {"Message": "Authorization has been denied for this request."}
    route = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(SmashRunAuthError):
        client_with(sleeps).search(None)
    assert route.call_count == 1


@respx.mock
def test_an_unexpected_4xx_is_an_error_without_retries(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(400, json={"error": "bad"}))
    with pytest.raises(SmashRunError, match="HTTP 400"):
        client_with(sleeps).search(None)
    assert route.call_count == 1


# -- auth renewal and the request budget ---------------------------------------------------------


class RenewingToken:
    def __init__(self) -> None:
        self.current = "old-token"
        self.renewals = 0

    def access_token(self) -> str:
        return self.current

    def renew_rejected(self, rejected: str) -> bool:
        self.renewals += 1
        self.current = "new-token"
        return True


@respx.mock
def test_a_401_with_a_renewable_token_is_replayed_once_with_the_new_token(sleeps: Sleeps) -> None:
    route = respx.get(SEARCH).mock(
        side_effect=lambda request: httpx.Response(
            200 if request.headers["Authorization"] == "Bearer new-token" else 401, json=[]
        )
    )
    tokens = RenewingToken()
    client = SmashRunClient(build_http(BASE, tokens, retry=RetryPolicy(sleep=sleeps)))
    assert client.search(None) == []
    assert tokens.renewals == 1
    assert route.call_count == 2
    assert client.requests_made == 2


@respx.mock
def test_every_attempt_is_counted_and_spends_budget(sleeps: Sleeps) -> None:
    respx.get(SEARCH).mock(side_effect=[httpx.Response(500), httpx.Response(200, json=[])])
    now = [1_000.0]
    budget = RequestBudget(240, clock=lambda: now[0], sleep=sleeps)
    client = client_with(sleeps, budget=budget)
    client.search(None)
    assert client.requests_made == 2
    assert budget.available() == pytest.approx(238)


@respx.mock
def test_a_spent_budget_stops_before_the_network_when_the_wait_passes_the_deadline(
    sleeps: Sleeps,
) -> None:
    route = respx.get(SEARCH).mock(return_value=httpx.Response(200, json=[]))
    now = [1_000.0]
    budget = RequestBudget(2, burst=2, clock=lambda: now[0], sleep=sleeps)
    client = client_with(sleeps, budget=budget, deadline=Deadline(60))
    client.search(None)
    client.search(None)
    with pytest.raises(SmashRunRateLimited) as caught:
        client.search(None)
    assert route.call_count == 2
    # both requests stay in the hour's window until an hour after they went out
    assert caught.value.retry_after == 3600
