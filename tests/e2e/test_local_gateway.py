"""The local API Gateway over real HTTP, in front of the real `lambda_handler`, with a
local-directory database and the fake SmashRun: keys, throttles, the OpenAPI contract
(schemathesis), the ops smoke checks, and `streak-api serve` on a fresh machine and next to
a real database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from fixtures.aws import point_at_fake_smashrun
from streak_lambda.api_gateway import Gateway, Handler
from streak_lambda.api_keys import KeyRing
from streak_lambda.composition import install_container
from streak_lambda.gateway_server import RunningGateway
from streak_lambda.usage_plan import RateLimit, UsagePlan
from streakcore.testing import FakeSmashRun, recent_athlete

REPO = Path(__file__).resolve().parents[2]
OPENAPI = REPO / "lambda" / "openapi.yaml"
KEY = "e2e-key-0123456789abcdef"
KEYS = KeyRing({"personal": SecretStr(KEY)})
NOW = datetime.now(UTC)
# Schemathesis's bounded run: enough to cover every parameter's edges, quick on 2 cores.
EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSmashRun]:
    """The environment a developer's laptop gives the handler: a data directory and the
    fake SmashRun, synced once."""
    data = tmp_path_factory.mktemp("streak-api-data")
    with pytest.MonkeyPatch.context() as env, FakeSmashRun(recent_athlete(NOW)) as fake:
        env.setenv("STREAK_DB", str(data / "runs.duckdb"))
        env.setenv("STREAK_CACHE_DIR", str(data / "cache"))
        point_at_fake_smashrun(env, fake)
        env.setenv("POWERTOOLS_METRICS_DISABLED", "true")
        install_container(None)
        with _serving(Gateway(_handler(), KEYS)) as url:
            synced = httpx.post(f"{url}/sync", headers={"x-api-key": KEY}, timeout=60)
            assert synced.status_code == 200, synced.text
        yield fake
    install_container(None)


def _handler() -> Handler:
    # Imported late: the handler's logger and metrics read the environment set above.
    from streak_lambda.handler import lambda_handler

    handler: Handler = lambda_handler
    return handler


@pytest.fixture(scope="module")
def gateway(backend: FakeSmashRun) -> Iterator[str]:
    with _serving(Gateway(_handler(), KEYS, public_badge=True)) as url:
        yield url


class _serving:
    def __init__(self, gateway: Gateway) -> None:
        self._running = RunningGateway(gateway, "127.0.0.1", 0)

    def __enter__(self) -> str:
        return self._running.start().url

    def __exit__(self, *exc: object) -> None:
        self._running.stop()


# -- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [("POST", "/sync"), ("GET", "/stats")])
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-the-key"}], ids=["missing", "wrong"])
def test_sync_and_stats_refuse_a_missing_or_wrong_key(
    gateway: str, backend: FakeSmashRun, method: str, path: str, headers: dict[str, str]
) -> None:
    before = backend.count("/v1/")

    response = httpx.request(method, gateway + path, headers=headers)

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    assert backend.count("/v1/") == before


def test_health_and_the_public_badge_need_no_key(gateway: str) -> None:
    health = httpx.get(f"{gateway}/health")
    badge = httpx.get(f"{gateway}/badge.svg")

    assert health.status_code == 200
    assert health.json()["status"] == "healthy"
    assert badge.status_code == 200
    assert badge.headers["content-type"] == "image/svg+xml"
    assert badge.headers["cache-control"] == "public, max-age=300"


def test_stats_with_the_key_answers_the_contract(gateway: str) -> None:
    response = httpx.get(f"{gateway}/stats", headers={"x-api-key": KEY})

    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "America/New_York"
    assert body["totals"]["runs"] > 100
    assert response.headers["x-amzn-requestid"]


def test_bad_query_values_answer_400_through_the_gateway(gateway: str) -> None:
    response = httpx.get(
        f"{gateway}/stats", params={"rule": "sometimes"}, headers={"x-api-key": KEY}
    )

    assert response.status_code == 400
    assert "rule must be one of" in response.json()["message"]


def test_throttles_answer_429_like_api_gateway(backend: FakeSmashRun) -> None:
    # given a gateway whose plan allows 2 syncs a minute
    plan = UsagePlan({"/sync": RateLimit(2, 60)})
    with _serving(Gateway(_handler(), KEYS, plan=plan)) as url:
        # when a third sync is asked for within the minute
        statuses = [
            httpx.post(f"{url}/sync", headers={"x-api-key": KEY}, timeout=60).status_code
            for _ in range(3)
        ]
        refused = httpx.post(f"{url}/sync", headers={"x-api-key": KEY})

    # then API Gateway's 429 comes back
    assert statuses == [200, 200, 429]
    assert refused.json() == {"message": "Too Many Requests"}


# -- the OpenAPI contract ------------------------------------------------------------------------

schema = schemathesis.openapi.from_path(OPENAPI)


@pytest.fixture(scope="module")
def contract_gateway(backend: FakeSmashRun) -> Iterator[str]:
    """A gateway whose usage plan does not get in the way of a few dozen requests."""
    plan = UsagePlan({"/sync": RateLimit(1000, 60), "/stats": RateLimit(1000, 60)}, 100_000)
    with _serving(Gateway(_handler(), KEYS, plan=plan, public_badge=True)) as url:
        yield url


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_openapi_contract(
    case: schemathesis.Case[Any], contract_gateway: str
) -> None:
    case.call_and_validate(
        base_url=contract_gateway,
        headers={"x-api-key": KEY},
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        timeout=60,
    )


# -- the ops smoke checks -----------------------------------------------------------------------


def test_the_ops_smoke_checks_pass_against_the_local_gateway(gateway: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ops.smoke", "--base-url", gateway],
        env={**os.environ, "STREAK_SMOKE_API_KEY": KEY},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 failed" in result.stdout
    assert KEY not in result.stdout + result.stderr


# -- a fresh machine -------------------------------------------------------------------------------


@pytest.mark.slow
def test_streak_api_serve_works_on_a_fresh_machine(tmp_path: Path) -> None:
    # given an empty working directory and home: no settings, no tokens, no keys
    with _streak_api_serve(tmp_path) as (url, key):
        # when the three endpoints are called
        health = httpx.get(f"{url}/health")
        synced = httpx.post(f"{url}/sync", headers={"x-api-key": key}, timeout=60)
        stats = httpx.get(f"{url}/stats", headers={"x-api-key": key})

    # then they answer, from the demo athlete, into the demo's own ./streak-api-demo
    assert health.status_code == 200
    assert synced.status_code == 200, synced.text
    assert synced.json()["runs_synced"] > 1000
    assert stats.status_code == 200
    assert stats.json()["current_streak"]["days"] > 0
    assert (tmp_path / "streak-api-demo" / "runs.duckdb").exists()
    assert not (tmp_path / "streak-api-data").exists()


@pytest.mark.slow
def test_the_demo_never_touches_the_directory_a_real_token_synced_into(
    tmp_path: Path, backend: FakeSmashRun
) -> None:
    # given ./streak-api-data from an earlier `streak-api serve` with a token: a synced database
    real = tmp_path / "streak-api-data"
    real.mkdir()
    shutil.copyfile(os.environ["STREAK_DB"], real / "runs.duckdb")
    before = _contents(real)

    # when the gateway starts without a token and the demo athlete is synced
    with _streak_api_serve(tmp_path) as (url, key):
        synced = httpx.post(f"{url}/sync", headers={"x-api-key": key}, timeout=60)

    # then the sync landed in the demo's directory, and the real one is byte for byte as it was
    assert synced.status_code == 200, synced.text
    assert synced.json()["runs_synced"] > 1000
    assert (tmp_path / "streak-api-demo" / "runs.duckdb").exists()
    assert _contents(real) == before


def _contents(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


@contextmanager
def _streak_api_serve(cwd: Path) -> Iterator[tuple[str, str]]:
    """`streak-api serve` in `cwd` with no STREAK_, AWS_ or POWERTOOLS_ settings and an
    empty home; the URL and the development key it prints."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("STREAK_", "AWS_", "POWERTOOLS_"))
    }
    env["HOME"] = str(cwd / "home")
    script = Path(sys.executable).with_name("streak-api")
    process = subprocess.Popen(
        [str(script), "serve", "--port", "0"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield _announced(process)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


def _announced(process: subprocess.Popen[str]) -> tuple[str, str]:
    """The URL and the generated key `streak-api serve` prints on start."""
    assert process.stdout is not None
    url = key = None
    deadline = time.monotonic() + 60
    while (url is None or key is None) and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if found := re.search(r"serving (http://\S+)", line):
            url = found.group(1)
        if found := re.search(r"development API key .*: (\S+)$", line.strip()):
            key = found.group(1)
    assert url is not None, "streak-api did not say where it serves"
    assert key is not None, "streak-api did not print a development key"
    return url, key
