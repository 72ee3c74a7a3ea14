"""Post-deploy smoke checks against a running API (API Gateway or `streak-api serve`).

    python -m ops.smoke --base-url https://abc.execute-api.us-east-1.amazonaws.com/prod

The API key comes from --api-key, the STREAK_SMOKE_API_KEY environment variable, API
Gateway itself (--api-key-id, what the deploy role may read) or a Secrets Manager secret
(--api-key-secret-id); it is sent, never printed. The checks only
read, except POST /sync without a key, which must be refused before it reaches the Lambda.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from streakcore.errors import ConfigError, StreakError

API_KEY_HEADER = "x-api-key"
API_KEY_ENV = "STREAK_SMOKE_API_KEY"
DEFAULT_KEY_NAME = "github_actions"
TIMEOUT_S = 30.0
USER_AGENT = "streakcore-smoke/1"


class _Contract(BaseModel):
    # More fields are welcome in the API; the named ones are the contract.
    model_config = ConfigDict(extra="allow")


class Rule(_Contract):
    name: str
    min_distance_m: float = Field(gt=0)


class CurrentStreak(_Contract):
    days: int = Field(ge=0)
    start: date | None
    last_day: date | None
    status: Literal["done_today", "at_risk", "broken"]
    distance_m: float = Field(ge=0)


class LongestStreak(_Contract):
    days: int = Field(ge=0)
    start: date | None
    end: date | None


class Totals(_Contract):
    runs: int = Field(ge=0)
    distance_m: float = Field(ge=0)
    duration_s: float = Field(ge=0)


class FastestMile(_Contract):
    seconds: float = Field(gt=0)
    activity_id: str
    date: date


class StatsBody(_Contract):
    """The `GET /stats` body as DESIGN.md fixes it; every key must be present."""

    as_of: datetime
    timezone: str
    rule: Rule
    current_streak: CurrentStreak
    longest_streak: LongestStreak
    totals: Totals
    fastest_mile: FastestMile | None
    last_sync: datetime | None


class HealthBody(_Contract):
    status: Literal["healthy", "degraded"]


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str


def build_client(base_url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The one HTTP client the checks use: explicit timeout, no redirects, our User-Agent."""
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        timeout=httpx.Timeout(TIMEOUT_S),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport,
    )


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _validation_summary(error: ValidationError) -> str:
    # Location and message only: pydantic's default text repeats the input values.
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or 'body'}: {item['msg']}"
        for item in error.errors()
    ]
    return "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else "")


def _expect_status(response: httpx.Response, expected: int) -> str | None:
    if response.status_code == expected:
        return None
    return f"expected HTTP {expected}, got {response.status_code}"


Outcome = tuple[bool, str]


def check_health(client: httpx.Client) -> Outcome:
    response = client.get("health")
    problem = _expect_status(response, 200)
    if problem:
        return False, problem
    try:
        body = HealthBody.model_validate(_json(response))
    except ValidationError as error:
        return False, f"body: {_validation_summary(error)}"
    return True, f"status={body.status}"


def check_refused_without_key(client: httpx.Client, method: str, path: str) -> Outcome:
    problem = _expect_status(client.request(method, path), 403)
    return problem is None, problem or "refused"


def check_stats(client: httpx.Client, api_key: SecretStr) -> Outcome:
    response = client.get("stats", headers={API_KEY_HEADER: api_key.get_secret_value()})
    problem = _expect_status(response, 200)
    if problem:
        return False, problem
    try:
        body = StatsBody.model_validate(_json(response))
    except ValidationError as error:
        return False, f"body: {_validation_summary(error)}"
    streak = body.current_streak
    return True, f"current streak {streak.days} days ({streak.status})"


def run_checks(client: httpx.Client, api_key: SecretStr) -> list[CheckResult]:
    checks: list[tuple[str, Callable[[], Outcome]]] = [
        ("GET /health without a key -> 200 with a status", lambda: check_health(client)),
        (
            "GET /stats without a key -> 403",
            lambda: check_refused_without_key(client, "GET", "stats"),
        ),
        (
            "GET /stats with a key -> 200 and the stats contract",
            lambda: check_stats(client, api_key),
        ),
        (
            "POST /sync without a key -> 403",
            lambda: check_refused_without_key(client, "POST", "sync"),
        ),
    ]
    results = []
    for name, check in checks:
        try:
            passed, detail = check()
        except httpx.HTTPError as error:
            # The request itself failed (DNS, TLS, timeout); the URL is in the report already.
            passed, detail = False, f"request failed: {type(error).__name__}: {error}"
        results.append(CheckResult(name, passed, detail))
    return results


def render_report(base_url: str, results: Sequence[CheckResult]) -> str:
    passed = sum(result.passed for result in results)
    lines = [f"smoke checks against {base_url}"]
    lines.extend(
        f"  {'PASS' if result.passed else 'FAIL'}  {result.name}: {result.detail}"
        for result in results
    )
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)


def key_from_secret(secret_string: str, key_name: str) -> SecretStr:
    """A key from a secret holding either the bare key or a JSON object of named keys."""
    try:
        parsed = json.loads(secret_string)
    except ValueError:
        return SecretStr(secret_string.strip())
    if isinstance(parsed, str):
        return SecretStr(parsed)
    if isinstance(parsed, dict):
        keys = parsed.get("api_keys", parsed)
        if isinstance(keys, dict) and isinstance(keys.get(key_name), str):
            return SecretStr(keys[key_name])
        raise ConfigError(f"the API-keys secret has no string entry named {key_name!r}")
    raise ConfigError("the API-keys secret is neither a key nor a JSON object of keys")


def fetch_secret_string(secret_id: str) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as error:
        raise ConfigError(f"cannot read the API-keys secret {secret_id}: {error}") from None
    return str(response["SecretString"])


def fetch_api_gateway_key(key_id: str) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    # No apigateway stubs are installed; get_api_key is the documented call.
    client: Any = boto3.client("apigateway")
    try:
        response = client.get_api_key(apiKey=key_id, includeValue=True)
    except (BotoCoreError, ClientError) as error:
        raise ConfigError(f"cannot read API key {key_id} from API Gateway: {error}") from None
    return str(response["value"])


def resolve_api_key(
    args: argparse.Namespace,
    environ: Mapping[str, str],
    fetch_secret: Callable[[str], str] = fetch_secret_string,
    fetch_gateway_key: Callable[[str], str] = fetch_api_gateway_key,
) -> SecretStr:
    """The first key found: --api-key, the environment, API Gateway, Secrets Manager."""
    if args.api_key:
        return SecretStr(args.api_key)
    if environ.get(API_KEY_ENV):
        return SecretStr(environ[API_KEY_ENV])
    if args.api_key_id:
        return SecretStr(fetch_gateway_key(args.api_key_id))
    if args.api_key_secret_id:
        return key_from_secret(fetch_secret(args.api_key_secret_id), args.api_key_name)
    raise ConfigError(
        f"no API key: pass --api-key, set {API_KEY_ENV}, or give --api-key-id or "
        "--api-key-secret-id"
    )


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that say where the API is and which key to use (shared with ops.deploy)."""
    parser.add_argument("--base-url", required=True, help="API root, e.g. the stage URL")
    parser.add_argument(
        "--api-key", help=f"prefer {API_KEY_ENV}: a flag shows up in process listings"
    )
    parser.add_argument("--api-key-id", help="API Gateway key id to read the key value from")
    parser.add_argument("--api-key-secret-id", help="Secrets Manager id holding the API keys")
    parser.add_argument(
        "--api-key-name",
        default=DEFAULT_KEY_NAME,
        help="which key of a JSON secret of named keys to use",
    )


def smoke(
    base_url: str, api_key: SecretStr, transport: httpx.BaseTransport | None = None
) -> tuple[bool, str]:
    """Run every check; (all passed, the printable report)."""
    with build_client(base_url, transport) as client:
        results = run_checks(client, api_key)
    return all(result.passed for result in results), render_report(base_url, results)


def main(argv: Sequence[str] | None = None, transport: httpx.BaseTransport | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.smoke", description="API smoke checks")
    add_target_arguments(parser)
    args = parser.parse_args(argv)
    try:
        api_key = resolve_api_key(args, os.environ)
    except StreakError as error:
        print(f"smoke: {error}", file=sys.stderr)
        return 2
    passed, report = smoke(args.base_url, api_key, transport)
    print(report)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
