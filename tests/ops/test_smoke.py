"""Smoke checks against an in-memory API (httpx.MockTransport): pass, and each failure."""

from __future__ import annotations

import argparse
import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ops import smoke
from streakcore.errors import ConfigError

API_KEY = "sk-smoke-0123456789abcdef"
BASE_URL = "https://abc123.execute-api.us-east-1.amazonaws.com/prod"

STATS_BODY: dict[str, Any] = {
    "as_of": "2026-11-26T07:00:00-05:00",
    "timezone": "America/New_York",
    "rule": {"name": "usrsa", "min_distance_m": 1609.344},
    "current_streak": {
        "days": 1234,
        "start": "2023-07-11",
        "last_day": "2026-11-25",
        "status": "at_risk",
        "distance_m": 4321.0,
    },
    "longest_streak": {"days": 1500, "start": "2015-01-01", "end": "2019-02-09"},
    "totals": {"runs": 4100, "distance_m": 2.1e7, "duration_s": 1.3e7},
    "fastest_mile": {"seconds": 372.1, "activity_id": "123", "date": "2024-05-01"},
    "last_sync": "2026-11-26T11:00:04Z",
}

Handler = Callable[[httpx.Request], httpx.Response]


def healthy_api(stats_body: dict[str, Any] | None = None) -> tuple[Handler, list[httpx.Request]]:
    """An API that behaves like API Gateway with a key-protected /stats and /sync."""
    seen: list[httpx.Request] = []
    body = STATS_BODY if stats_body is None else stats_body

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        keyed = request.headers.get("x-api-key") == API_KEY
        route = (request.method, request.url.path)
        if route == ("GET", "/prod/health"):
            return httpx.Response(200, json={"status": "healthy", "last_sync": None})
        if route in {("GET", "/prod/stats"), ("POST", "/prod/sync")} and not keyed:
            return httpx.Response(403, json={"message": "Forbidden"})
        if route == ("GET", "/prod/stats"):
            return httpx.Response(200, json=body)
        return httpx.Response(404, json={"message": "Not Found"})

    return handle, seen


def run(handler: Handler) -> tuple[bool, str]:
    return smoke.smoke(BASE_URL, SecretStr(API_KEY), httpx.MockTransport(handler))


def overriding(handler: Handler, method: str, path: str, response: httpx.Response) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if (request.method, request.url.path) == (method, path):
            return response
        return handler(request)

    return handle


def test_a_healthy_api_passes_every_check_and_the_key_was_sent() -> None:
    # given an API that behaves
    handler, seen = healthy_api()

    # when smoke-checked
    passed, report = run(handler)

    # then all four checks pass, and exactly one request carried the key
    assert passed
    assert report.count("PASS") == 4
    assert "4 passed, 0 failed" in report
    assert [r.url.path for r in seen if r.headers.get("x-api-key") == API_KEY] == ["/prod/stats"]


def test_the_api_key_never_appears_in_the_report() -> None:
    handler, _ = healthy_api()

    _, report = run(handler)

    assert API_KEY not in report


def test_a_stats_body_with_extra_fields_and_nulls_where_allowed_passes() -> None:
    # given a new athlete: no fastest mile, no sync yet, a broken streak, extra fields
    body = copy.deepcopy(STATS_BODY)
    body["fastest_mile"] = None
    body["last_sync"] = None
    body["current_streak"].update(days=0, start=None, last_day=None, status="broken")
    body["longest_streak"].update(days=0, start=None, end=None)
    body["extra_field"] = {"welcome": True}

    passed, report = run(healthy_api(body)[0])

    assert passed, report


def without(path: str) -> dict[str, Any]:
    body = copy.deepcopy(STATS_BODY)
    *parents, leaf = path.split(".")
    node = body
    for parent in parents:
        node = node[parent]
    del node[leaf]
    return body


def replaced(path: str, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(STATS_BODY)
    *parents, leaf = path.split(".")
    node = body
    for parent in parents:
        node = node[parent]
    node[leaf] = value
    return body


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (without("as_of"), "as_of: Field required"),
        (without("timezone"), "timezone: Field required"),
        (without("rule.min_distance_m"), "rule.min_distance_m: Field required"),
        (without("current_streak.status"), "current_streak.status: Field required"),
        (without("current_streak.distance_m"), "current_streak.distance_m: Field required"),
        (without("longest_streak.end"), "longest_streak.end: Field required"),
        (without("totals.duration_s"), "totals.duration_s: Field required"),
        (without("fastest_mile"), "fastest_mile: Field required"),
        (without("last_sync"), "last_sync: Field required"),
        (replaced("current_streak.status", "alive"), "current_streak.status: Input should be"),
        (replaced("current_streak.days", -1), "current_streak.days: Input should be greater"),
        (replaced("current_streak.start", "yesterday"), "current_streak.start: Input should"),
        (replaced("as_of", "soon"), "as_of: Input should be a valid datetime"),
    ],
)
def test_a_stats_body_off_contract_fails_naming_the_field(
    body: dict[str, Any], problem: str
) -> None:
    passed, report = run(healthy_api(body)[0])

    assert not passed
    assert "FAIL  GET /stats with a key" in report
    assert problem in report


@pytest.mark.parametrize(
    ("method", "path", "response", "failing_check"),
    [
        ("GET", "/prod/health", httpx.Response(502), "GET /health without a key"),
        ("GET", "/prod/health", httpx.Response(200, json={"ok": 1}), "GET /health"),
        ("GET", "/prod/health", httpx.Response(200, text="healthy"), "GET /health"),
        (
            "GET",
            "/prod/health",
            httpx.Response(200, json={"status": "sleepy"}),
            "GET /health",
        ),
        ("POST", "/prod/sync", httpx.Response(200, json={}), "POST /sync without a key"),
    ],
)
def test_each_failing_endpoint_fails_its_own_check_only(
    method: str, path: str, response: httpx.Response, failing_check: str
) -> None:
    # given an API where one behaviour is wrong
    handler = overriding(healthy_api()[0], method, path, response)

    # when smoke-checked
    passed, report = run(handler)

    # then exactly one check fails, the one about that behaviour
    failures = [line for line in report.splitlines() if line.strip().startswith("FAIL")]
    assert not passed
    assert len(failures) == 1
    assert failing_check in failures[0]


def test_stats_open_without_a_key_fails_the_refusal_check() -> None:
    # given an API Gateway method that forgot api_key_required
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/prod/stats":
            return httpx.Response(200, json=STATS_BODY)
        return healthy_api()[0](request)

    passed, report = run(handle)

    assert not passed
    assert "FAIL  GET /stats without a key -> 403: expected HTTP 403, got 200" in report


def test_stats_refusing_our_key_fails_with_the_status_code() -> None:
    handler = overriding(healthy_api()[0], "GET", "/prod/stats", httpx.Response(403))

    passed, report = run(handler)

    assert not passed
    assert "FAIL  GET /stats with a key -> 200 and the stats contract: expected HTTP 200" in report


def test_an_unreachable_api_fails_every_check_with_the_reason() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    passed, report = run(unreachable)

    assert not passed
    assert report.count("FAIL") == 4
    assert "ConnectError" in report


def test_main_exits_zero_when_all_pass_and_one_when_any_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(smoke.API_KEY_ENV, API_KEY)
    good, _ = healthy_api()
    bad = overriding(good, "GET", "/prod/health", httpx.Response(500))

    assert smoke.main(["--base-url", BASE_URL], httpx.MockTransport(good)) == 0
    assert smoke.main(["--base-url", BASE_URL], httpx.MockTransport(bad)) == 1
    captured = capsys.readouterr()
    assert API_KEY not in captured.out + captured.err


def test_main_without_any_key_says_how_to_give_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(smoke.API_KEY_ENV, raising=False)

    code = smoke.main(["--base-url", BASE_URL], httpx.MockTransport(healthy_api()[0]))

    assert code == 2
    assert smoke.API_KEY_ENV in capsys.readouterr().err


def namespace(**values: Any) -> argparse.Namespace:
    defaults = {
        "api_key": None,
        "api_key_id": None,
        "api_key_secret_id": None,
        "api_key_name": "github_actions",
    }
    return argparse.Namespace(**{**defaults, **values})


def test_an_api_key_flag_wins_over_the_environment() -> None:
    key = smoke.resolve_api_key(namespace(api_key="from-flag"), {smoke.API_KEY_ENV: "from-env"})

    assert key.get_secret_value() == "from-flag"


def test_the_environment_wins_over_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    def fetch(secret_id: str) -> str:
        raise AssertionError("the secret must not be read when the environment has a key")

    key = smoke.resolve_api_key(
        namespace(api_key_secret_id="arn:secret"), {smoke.API_KEY_ENV: "from-env"}, fetch
    )

    assert key.get_secret_value() == "from-env"


def test_a_key_id_is_read_from_api_gateway_before_any_secret() -> None:
    def fetch_secret(secret_id: str) -> str:
        raise AssertionError("Secrets Manager must not be read when a key id is given")

    key = smoke.resolve_api_key(
        namespace(api_key_id="abc123", api_key_secret_id="arn:secret"),
        {},
        fetch_secret,
        lambda key_id: f"value-of-{key_id}",
    )

    assert key.get_secret_value() == "value-of-abc123"


@pytest.mark.parametrize(
    ("secret_string", "expected"),
    [
        ("plain-key", "plain-key"),
        (json.dumps("quoted-key"), "quoted-key"),
        (json.dumps({"personal": "p", "github_actions": "g"}), "g"),
        (json.dumps({"api_keys": {"github_actions": "nested"}}), "nested"),
    ],
)
def test_a_key_is_read_from_each_secret_shape(secret_string: str, expected: str) -> None:
    key = smoke.resolve_api_key(
        namespace(api_key_secret_id="arn:secret"), {}, lambda secret_id: secret_string
    )

    assert key.get_secret_value() == expected


def test_a_secret_without_the_named_key_is_a_config_error_that_does_not_leak_it() -> None:
    secret = json.dumps({"personal": "top-secret-value"})

    with pytest.raises(ConfigError, match="github_actions") as caught:
        smoke.resolve_api_key(namespace(api_key_secret_id="arn:secret"), {}, lambda _: secret)
    assert "top-secret-value" not in str(caught.value)


def test_a_secret_key_is_never_shown_by_repr() -> None:
    key = smoke.key_from_secret(json.dumps({"github_actions": API_KEY}), "github_actions")

    assert API_KEY not in repr(key)
    assert API_KEY not in str(key)
