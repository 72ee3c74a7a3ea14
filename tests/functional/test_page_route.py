"""`GET /p/{token}` through `lambda_handler` (moto for S3 and Secrets Manager, the fake
SmashRun): the page from the documents beside the database, never the DuckDB object; a
wrong token gets API Gateway's own 403; a rotated token retires the old link."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws

from fixtures.aws import REGION, S3Traffic, event, isolate_aws, make_bucket, point_at_fake_smashrun
from streak_lambda.composition import install_container
from streak_lambda.handler import lambda_handler
from streak_lambda.proxy_event import LocalLambdaContext
from streakcore.bootstrap import Services
from streakcore.settings import Settings
from streakcore.storage import page_token
from streakcore.testing import FakeSmashRun, recent_athlete

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

HOME = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 23, 30, tzinfo=HOME)
BUCKET = "streakcore-page"
TOKEN = "page-token-for-tests-0123456789abcdefABCDEF"


@dataclass
class World:
    tmp: Path
    secret_arn: str
    containers: int = 0

    def container(self, *, session: Any = None) -> Services:
        """A fresh, cold Lambda container reading the page token from the secret."""
        self.containers += 1
        settings = Settings(
            db=f"s3://{BUCKET}/runs.duckdb",
            cache_dir=self.tmp / f"cache-{self.containers}",
            page_token_secret_id=self.secret_arn,
        )
        built = Services(settings, boto_session=session, clock=lambda: NOW)
        install_container(built)
        return built


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as env, FakeSmashRun(recent_athlete(NOW)) as fake:
        isolate_aws(env)
        point_at_fake_smashrun(env, fake)
        with mock_aws():
            secrets = boto3.client("secretsmanager", region_name=REGION)
            arn = secrets.create_secret(Name="streakcore/page-token", SecretString=TOKEN)["ARN"]
            make_bucket(BUCKET)
            world = World(tmp_path_factory.mktemp("page"), arn)
            world.container()
            synced = lambda_handler(event("scheduler_sync"), LocalLambdaContext())
            assert synced["status"] == "success"
            yield world
    install_container(None)


@pytest.fixture(autouse=True)
def _forget_container() -> Iterator[None]:
    yield
    install_container(None)


def page_event(token: str) -> dict[str, Any]:
    """The REST proxy event API Gateway sends for GET /p/{token}, without an API key."""
    built = copy.deepcopy(event("apigw_rest_get_stats"))
    path = f"/p/{token}"
    built.update(resource="/p/{token}", path=path, httpMethod="GET")
    built["pathParameters"] = {"token": token}
    built["queryStringParameters"] = built["multiValueQueryStringParameters"] = None
    for headers in (built["headers"], built["multiValueHeaders"]):
        headers.pop("x-api-key")
    built["requestContext"].update(resourcePath="/p/{token}", httpMethod="GET", path=f"/prod{path}")
    built["requestContext"]["identity"].update(apiKey=None, apiKeyId=None)
    return built


def get(token: str) -> tuple[int, dict[str, str], str]:
    result = lambda_handler(page_event(token), LocalLambdaContext())
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ",".join(values)
    return result["statusCode"], headers, result["body"]


def test_a_sync_leaves_the_days_document_beside_the_database(world: World) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    body = s3.get_object(Bucket=BUCKET, Key="runs.duckdb.days.json")["Body"].read()
    document = json.loads(body)
    assert document["generation"] >= 1
    assert document["days"][-1]["local_date"] == "2026-11-25"


def test_the_page_answers_from_the_documents_without_the_database(world: World) -> None:
    # given a cold container whose S3 traffic we watch
    traffic = S3Traffic()
    session = boto3.session.Session(region_name=REGION)
    traffic.attach_session(session)
    world.container(session=session)
    # when the page is asked for with the right token
    status, headers, html = get(TOKEN)
    # then it is the page, drawn without a byte of DuckDB
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "Done today" in html
    assert traffic.count("GetObject", "runs.duckdb") == 0
    assert traffic.count("GetObject", "runs.duckdb.days.json", status=200) == 1
    assert traffic.count("PutObject") == 0


def test_the_page_is_sent_with_its_policy_and_privacy_headers(world: World) -> None:
    world.container()
    status, headers, _ = get(TOKEN)
    assert status == 200
    assert headers["content-security-policy"].startswith("default-src 'none'")
    assert headers["x-robots-tag"] == "noindex, nofollow"
    assert headers["referrer-policy"] == "no-referrer"
    assert "no-cache" in headers["cache-control"]


@pytest.mark.parametrize(
    "presented",
    [TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "x", "%00"],
)
def test_a_wrong_token_gets_api_gateways_403_and_nothing_else(world: World, presented: str) -> None:
    world.container()
    status, _, body = get(presented)
    assert status == 403
    assert json.loads(body) == {"message": "Missing Authentication Token"}
    assert "Done" not in body


def test_rotating_the_token_retires_the_old_link(world: World) -> None:
    # given a container that has served the page (and cached the token)
    services = world.container()
    assert get(TOKEN)[0] == 200
    # when the token is rotated (what `streak page-link --rotate --secret-id` does)
    new = services.page_tokens.rotate().get_secret_value()
    try:
        # then the new link works and the old one is refused
        assert get(new)[0] == 200
        assert get(TOKEN)[0] == 403
    finally:
        boto3.client("secretsmanager", region_name=REGION).put_secret_value(
            SecretId=world.secret_arn, SecretString=TOKEN
        )


def test_the_lambda_keeps_the_token_a_minute_then_reads_it_again() -> None:
    # given a secret read through a clock we move
    reads: list[str] = []

    class Client:
        def get_secret_value(self, SecretId: str) -> dict[str, str]:
            reads.append(SecretId)
            return {"SecretString": TOKEN}

    now = [0.0]
    tokens = page_token.SecretsManagerPageToken(Client(), "arn", clock=lambda: now[0])  # type: ignore[arg-type]
    # when asked three times within a minute and once after it
    for moment in (0.0, 30.0, 59.0, 61.0):
        now[0] = moment
        assert tokens.current().get_secret_value() == TOKEN
    # then the secret was read twice
    assert len(reads) == 2


def test_an_empty_page_token_secret_is_a_setup_problem_not_a_smashrun_one(world: World) -> None:
    # given a page-token secret nobody has filled yet
    empty = boto3.client("secretsmanager", region_name=REGION).create_secret(
        Name="streakcore/page-token-empty"
    )["ARN"]
    settings = Settings(
        db=f"s3://{BUCKET}/runs.duckdb",
        cache_dir=world.tmp / "cache-empty",
        page_token_secret_id=empty,
    )
    install_container(Services(settings, clock=lambda: NOW))
    # when the page is asked for, then the answer is the generic 500 of a misconfiguration
    status, _, body = get(TOKEN)
    assert status == 500
    assert json.loads(body)["message"] == "the service is misconfigured"


def test_the_days_are_converted_once_per_version_of_their_document(world: World) -> None:
    # given a container that has read the days twice
    database = world.container().read_database
    first = database.recent_days()
    assert first is not None
    assert database.recent_days() is first
    # when the document changes (a sync that dropped the last day, say)
    s3 = boto3.client("s3", region_name=REGION)
    key = "runs.duckdb.days.json"
    original = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    document = json.loads(original)
    document["days"] = document["days"][:-1]
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())
    try:
        # then the next read has the new days
        again = database.recent_days()
        assert again is not None
        assert len(again) == len(first) - 1
    finally:
        s3.put_object(Bucket=BUCKET, Key=key, Body=original)


def test_before_the_first_sync_the_page_says_no_sync_yet_like_health_and_the_badge(
    world: World,
) -> None:
    # given a container whose database has never been synced (an empty bucket)
    make_bucket("streakcore-page-unsynced")
    settings = Settings(
        db="s3://streakcore-page-unsynced/runs.duckdb",
        cache_dir=world.tmp / "cache-unsynced",
        page_token_secret_id=world.secret_arn,
    )
    install_container(Services(settings, clock=lambda: NOW))
    # when the runner opens their link
    status, headers, html = get(TOKEN)
    # then a page says what fills it, under the page's own policy, not a JSON error
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert '<h1 id="status">No sync yet</h1>' in html
    assert headers["content-security-policy"].startswith("default-src 'none'")
    # and a wrong token still learns nothing
    assert get("not-the-token-0123456789abcdef")[0] == 403
