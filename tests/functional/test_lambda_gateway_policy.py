"""What the local gateway enforces before the Lambda runs, without sockets: API keys, the
usage plan, and the REST proxy event it builds (checked against AWS's own shape)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from fixtures.aws import event
from streak_lambda.api_gateway import Gateway
from streak_lambda.api_keys import KeyRing, parse_api_keys
from streak_lambda.local_gateway import local_settings, powertools_defaults, use_fake_smashrun
from streak_lambda.proxy_event import proxy_response, rest_proxy_event
from streak_lambda.usage_plan import RateLimit, UsagePlan, Verdict
from streakcore.errors import ConfigError


class Clock:
    def __init__(self, at: float = 1_795_780_800.0) -> None:
        self.now = at

    def __call__(self) -> float:
        return self.now


class RecordingLambda:
    """Stands in for the Lambda behind the gateway: records events, answers 200."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}


KEYS = {"personal": SecretStr("key-personal-123"), "github_actions": SecretStr("key-gh-456")}


def _gateway(
    plan: UsagePlan | None = None, *, public_badge: bool = False
) -> tuple[Gateway, RecordingLambda]:
    backend = RecordingLambda()
    return Gateway(backend, KeyRing(KEYS), plan=plan, public_badge=public_badge), backend


def _send(gateway: Gateway, method: str, target: str, key: str | None = None) -> tuple[int, Any]:
    headers = [("Host", "127.0.0.1"), ("User-Agent", "pytest")]
    if key is not None:
        headers.append(("x-api-key", key))
    response = gateway.handle(method, target, headers, b"", "127.0.0.1")
    return response.status, json.loads(response.body or b"null")


# -- API keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('{"personal": "a1", "github_actions": "b2"}', ["personal", "github_actions"]),
        ('{"api_keys": {"personal": "a1"}}', ["personal"]),
        ("a1, b2,c3", ["key1", "key2", "key3"]),
        ("only-one", ["key1"]),
    ],
)
def test_api_keys_come_as_json_or_comma_separated(text: str, names: list[str]) -> None:
    assert list(parse_api_keys(text)) == names


@pytest.mark.parametrize("text", ["", " , ", "{}", '{"personal": ""}', "{not json", "[1, 2]"])
def test_unusable_api_keys_are_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="STREAK_API_KEYS"):
        parse_api_keys(text)


@pytest.mark.parametrize(
    ("presented", "name"),
    [
        ("key-personal-123", "personal"),
        ("key-gh-456", "github_actions"),
        ("key-personal-124", None),
        ("key-personal-12", None),
        ("", None),
        (None, None),
    ],
)
def test_the_key_ring_names_exactly_the_key_presented(
    presented: str | None, name: str | None
) -> None:
    assert KeyRing(KEYS).identify(presented) == name


# -- what API Gateway enforces ------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("POST", "/sync"), ("GET", "/stats")])
@pytest.mark.parametrize("key", [None, "", "wrong-key", "KEY-PERSONAL-123"])
def test_a_missing_or_wrong_key_is_forbidden_before_the_lambda_runs(
    method: str, path: str, key: str | None
) -> None:
    gateway, backend = _gateway()

    status, body = _send(gateway, method, path, key)

    assert (status, body) == (403, {"message": "Forbidden"})
    assert backend.events == []


def test_health_needs_no_key_and_the_badge_needs_one_unless_public() -> None:
    keyed, _ = _gateway()
    public, _ = _gateway(public_badge=True)

    assert _send(keyed, "GET", "/health")[0] == 200
    assert _send(keyed, "GET", "/badge.svg")[0] == 403
    assert _send(keyed, "GET", "/badge.svg", "key-gh-456")[0] == 200
    assert _send(public, "GET", "/badge.svg")[0] == 200


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/sync"), ("DELETE", "/stats"), ("GET", "/admin")]
)
def test_an_undeclared_method_or_path_is_missing_authentication_token(
    method: str, path: str
) -> None:
    gateway, backend = _gateway()

    status, body = _send(gateway, method, path, "key-personal-123")

    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert backend.events == []


@pytest.mark.parametrize(
    ("path", "method", "allowed"), [("/sync", "POST", 10), ("/stats", "GET", 100)]
)
def test_each_route_is_throttled_per_key_per_minute(path: str, method: str, allowed: int) -> None:
    # given a key that used its minute's allowance on one route
    clock = Clock()
    gateway, backend = _gateway(UsagePlan(clock=clock))
    statuses = [_send(gateway, method, path, "key-personal-123")[0] for _ in range(allowed)]

    # when it asks once more, and another key asks
    over = _send(gateway, method, path, "key-personal-123")
    other_key = _send(gateway, method, path, "key-gh-456")[0]
    clock.now += 60
    next_minute = _send(gateway, method, path, "key-personal-123")[0]

    # then only the first key is throttled, until the minute has passed
    assert statuses == [200] * allowed
    assert over == (429, {"message": "Too Many Requests"})
    assert (other_key, next_minute) == (200, 200)
    assert len(backend.events) == allowed + 2


def test_the_daily_quota_is_per_key_across_routes_and_resets_the_next_day() -> None:
    clock = Clock()
    gateway, _ = _gateway(UsagePlan({"/stats": RateLimit(1000, 60)}, daily_quota=3, clock=clock))
    used = [
        _send(gateway, m, p, "key-personal-123")[0]
        for m, p in [("POST", "/sync"), ("GET", "/stats"), ("GET", "/stats")]
    ]

    refused = _send(gateway, "GET", "/stats", "key-personal-123")
    clock.now += 86_400

    assert used == [200, 200, 200]
    assert refused == (429, {"message": "Limit Exceeded"})
    assert _send(gateway, "GET", "/stats", "key-personal-123")[0] == 200


def test_a_throttled_request_does_not_use_up_the_quota() -> None:
    plan = UsagePlan({"/sync": RateLimit(1, 60)}, daily_quota=2, clock=Clock())
    assert plan.admit("k", "/sync") is Verdict.ALLOWED
    assert plan.admit("k", "/sync") is Verdict.THROTTLED
    assert plan.admit("k", "/stats") is Verdict.ALLOWED
    assert plan.admit("k", "/stats") is Verdict.QUOTA_EXCEEDED


def test_a_failing_lambda_is_a_502_like_api_gateway_says() -> None:
    def crashing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise RuntimeError("boom")

    gateway = Gateway(crashing, KeyRing(KEYS))
    status, body = _send(gateway, "GET", "/health")
    assert (status, body) == (502, {"message": "Internal server error"})


# -- the event it builds ---------------------------------------------------------------------


def test_the_proxy_event_has_the_shape_aws_sends() -> None:
    # given a request as the local gateway receives it
    built = rest_proxy_event(
        method="GET",
        path="/stats",
        resource="/stats",
        query="rule=strict&tz=Asia%2FTokyo&rule=any",
        headers=[
            ("Host", "127.0.0.1:8787"),
            ("x-api-key", "key-personal-123"),
            ("Accept", "a"),
            ("Accept", "b"),
        ],
        body=b"",
        source_ip="127.0.0.1",
        api_key="key-personal-123",
        api_key_id="personal",
    )

    # then it has every key of the real API Gateway event, at every level
    real = event("apigw_rest_get_stats")
    assert set(built) == set(real)
    assert set(built["requestContext"]) == set(real["requestContext"])
    assert set(built["requestContext"]["identity"]) == set(real["requestContext"]["identity"])
    # and multi-valued parts keep every value while the single-valued keep the last
    assert built["queryStringParameters"] == {"rule": "any", "tz": "Asia/Tokyo"}
    assert built["multiValueQueryStringParameters"]["rule"] == ["strict", "any"]
    assert built["multiValueHeaders"]["Accept"] == ["a", "b"]
    assert built["headers"]["Accept"] == "b"
    assert built["body"] is None
    assert built["isBase64Encoded"] is False


def test_a_binary_body_travels_base64_encoded_both_ways() -> None:
    built = rest_proxy_event(
        method="POST", path="/sync", resource="/sync", query="",
        headers=[("Content-Type", "application/octet-stream")], body=b"\x00\xff",
        source_ip="127.0.0.1", api_key=None, api_key_id=None,
    )  # fmt: skip
    assert built["isBase64Encoded"] is True
    back = proxy_response({"statusCode": 200, "body": built["body"], "isBase64Encoded": True})
    assert back.body == b"\x00\xff"


# -- a fresh machine ---------------------------------------------------------------------------


def test_fresh_machine_defaults_put_data_in_the_data_dir_and_keep_what_is_set(
    tmp_path: Any, clean_streak_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STREAK_CACHE_DIR")
    monkeypatch.setenv("STREAK_DB", "s3://mine/runs.duckdb")
    environ = {"STREAK_DB": "s3://mine/runs.duckdb"}

    settings = local_settings(environ, tmp_path / "data")

    assert settings.db == "s3://mine/runs.duckdb"
    assert settings.cache_dir == tmp_path / "data" / "cache"
    assert powertools_defaults(environ)["POWERTOOLS_METRICS_DISABLED"] == "true"
    assert "POWERTOOLS_METRICS_DISABLED" not in powertools_defaults(
        {"POWERTOOLS_METRICS_DISABLED": "false"}
    )


@pytest.mark.parametrize(
    ("environ", "fake"),
    [
        ({}, True),
        ({"STREAK_SMASHRUN_ACCESS_TOKEN": "t"}, False),
        ({"STREAK_TOKEN_SECRET_ID": "s"}, False),
        ({"STREAK_SMASHRUN_ACCESS_TOKEN": "t", "STREAK_DB": "/data/runs.duckdb"}, False),
    ],
)
def test_the_fake_smashrun_stands_in_only_when_no_token_is_configured(
    tmp_path: Any, environ: dict[str, str], fake: bool
) -> None:
    environ = {**environ, "STREAK_TOKEN_FILE": str(tmp_path / "absent.json")}
    assert use_fake_smashrun(environ) is fake


def test_a_stored_token_file_means_the_real_smashrun(tmp_path: Any) -> None:
    token_file = tmp_path / "tokens.json"
    token_file.write_text("{}")
    assert use_fake_smashrun({"STREAK_TOKEN_FILE": str(token_file)}) is False


@pytest.mark.parametrize("db", ["/data/runs.duckdb", "./runs.duckdb", "s3://mine/runs.duckdb"])
def test_a_database_named_in_streak_db_never_gets_the_fake_athlete(tmp_path: Any, db: str) -> None:
    # given STREAK_DB set and no way to reach the real SmashRun
    environ = {"STREAK_DB": db, "STREAK_TOKEN_FILE": str(tmp_path / "absent.json")}

    # when the gateway decides what to sync from, it refuses, saying what to do
    with pytest.raises(ConfigError, match=r"set STREAK_SMASHRUN_ACCESS_TOKEN .* unset STREAK_DB"):
        use_fake_smashrun(environ)
