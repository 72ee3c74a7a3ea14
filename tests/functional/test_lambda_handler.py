"""`lambda_handler` with the events AWS sends (fixtures), moto for S3 and SNS, and the fake
SmashRun: routes, schedules, the evening alert, metrics, errors and the warm `/stats` path."""

from __future__ import annotations

import copy
import io
import json
import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from pydantic import SecretStr

from fixtures.aws import REGION, S3Traffic, event, isolate_aws, make_bucket, point_at_fake_smashrun
from streak_lambda import handler as handler_module
from streak_lambda.composition import install_container
from streak_lambda.handler import lambda_handler
from streak_lambda.handler import logger as handler_logger
from streak_lambda.proxy_event import LocalLambdaContext
from streakcore.bootstrap import Services
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import Settings
from streakcore.testing import FakeSmashRun, recent_athlete
from streakcore.usecases.sync import SyncReport

# The handler silences this in Lambda; pytest resets warning filters for each test.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

HOME = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 25, 23, 30, tzinfo=HOME)
"""The athlete's last run (that day, 17:40) was uploaded by then: today is done."""
SYNCED_BUCKET = "streakcore-synced"
FIXTURE_KEY = "fixture-key-not-a-real-secret-0123456789"


@dataclass
class World:
    fake: FakeSmashRun
    topic_arn: str
    tmp: Path

    def container(
        self,
        bucket: str = SYNCED_BUCKET,
        *,
        now: datetime = NOW,
        session: Any = None,
        **overrides: Any,
    ) -> Services:
        """A fresh Lambda container (cold: its own /tmp cache) on `bucket`."""
        settings = Settings(
            db=f"s3://{bucket}/runs.duckdb",
            cache_dir=self.tmp / f"cache-{bucket}-{id(overrides)}-{now.timestamp()}",
            **overrides,
        )
        built = Services(settings, boto_session=session, clock=lambda: now)
        install_container(built)
        return built


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with pytest.MonkeyPatch.context() as env, FakeSmashRun(recent_athlete(NOW)) as fake:
        isolate_aws(env)
        point_at_fake_smashrun(env, fake)
        env.setenv("POWERTOOLS_METRICS_NAMESPACE", "streakcore-test")
        with mock_aws():
            topic = boto3.client("sns", region_name=REGION).create_topic(Name="streak-alerts")
            env.setenv("STREAK_SNS_TOPIC_ARN", topic["TopicArn"])
            world = World(fake, topic["TopicArn"], tmp_path_factory.mktemp("lambda"))
            make_bucket(SYNCED_BUCKET)
            world.container()
            synced = lambda_handler(event("scheduler_sync"), LocalLambdaContext())
            assert synced["status"] == "success"
            yield world
    install_container(None)


@pytest.fixture(autouse=True)
def _forget_container() -> Iterator[None]:
    yield
    install_container(None)


def api(
    method: str, path: str, query: dict[str, str] | None = None, *, key: str | None = FIXTURE_KEY
) -> dict[str, Any]:
    """An API Gateway REST proxy event built from the real one in the fixtures."""
    base = event("apigw_rest_post_sync" if method == "POST" else "apigw_rest_get_stats")
    built = copy.deepcopy(base)
    built.update(resource=path, path=path, httpMethod=method)
    built["queryStringParameters"] = query or None
    built["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    built["requestContext"].update(resourcePath=path, httpMethod=method, path=f"/prod{path}")
    if key is None:
        for headers in (built["headers"], built["multiValueHeaders"]):
            headers.pop("x-api-key")
        built["requestContext"]["identity"].update(apiKey=None, apiKeyId=None)
    return built


def call(built: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    result = lambda_handler(built, LocalLambdaContext())
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = ",".join(values)
    body = result["body"]
    if headers.get("content-type", "").startswith("application/json"):
        body = json.loads(body)
    return result["statusCode"], headers, body


def _fresh_bucket(name: str) -> str:
    make_bucket(name)
    return name


def _emf_blobs(output: str) -> list[dict[str, Any]]:
    """The EMF blobs Powertools printed, as CloudWatch would receive them."""
    return [
        json.loads(line)
        for line in output.splitlines()
        if line.startswith("{") and '"_aws"' in line
    ]


def _emf(output: str) -> dict[str, float]:
    """The metrics of the EMF blobs Powertools printed, each as one number."""
    metrics: dict[str, float] = {}
    for blob in _emf_blobs(output):
        for declared in blob["_aws"]["CloudWatchMetrics"]:
            for metric in declared["Metrics"]:
                values = blob[metric["Name"]]
                metrics[metric["Name"]] = sum(values) if isinstance(values, list) else values
    assert metrics, "no EMF metrics were printed"
    return metrics


def _synced_bucket(world: World, name: str) -> str:
    """A fresh bucket the daily schedule has synced once, at NOW."""
    bucket = _fresh_bucket(name)
    world.container(bucket)
    assert lambda_handler(event("scheduler_sync"), LocalLambdaContext())["status"] == "success"
    return bucket


def _object(bucket: str, key: str) -> dict[str, Any]:
    body = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=key)["Body"]
    document: dict[str, Any] = json.loads(body.read())
    return document


# -- schedules ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["scheduler_sync", "eventbridge_scheduled_event"])
def test_a_scheduled_event_syncs_and_reports_its_metrics(
    world: World, fixture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a new deployment with an empty bucket
    world.container(_fresh_bucket(f"sched-{fixture.replace('_', '-')}"))
    capsys.readouterr()

    # when the schedule fires
    body = lambda_handler(event(fixture), LocalLambdaContext())

    # then the sync ran and the metrics say what it did
    assert body["status"] == "success"
    assert body["runs_synced"] == 193
    metrics = _emf(capsys.readouterr().out)
    assert metrics["RunsSynced"] == body["runs_synced"]
    assert metrics["SplitsStored"] == body["splits_stored"]
    assert metrics["Quarantined"] == body["quarantined"]
    assert metrics["SyncDuration"] > 0
    assert "SyncFailures" not in metrics


def test_an_unrecognised_event_is_refused(world: World) -> None:
    world.container()
    with pytest.raises(ConfigError, match="unrecognised event"):
        lambda_handler({"Records": [{"eventSource": "aws:sqs"}]}, LocalLambdaContext())


def test_an_unknown_scheduled_action_is_refused(world: World) -> None:
    world.container()
    with pytest.raises(ConfigError, match="must be one of sync, check"):
        lambda_handler({"streak_action": "backup"}, LocalLambdaContext())


def _alerts(world: World) -> list[tuple[str, str | None]]:
    from moto.sns import sns_backends

    topic = sns_backends[DEFAULT_ACCOUNT_ID][REGION].topics[world.topic_arn]
    return [(message, subject) for _, message, subject, *_ in topic.sent_notifications]


def test_the_evening_check_publishes_one_alert_when_the_streak_is_at_risk(world: World) -> None:
    # given the next evening, with no run yet that day
    world.container(_fresh_bucket("check-at-risk"), now=NOW + timedelta(hours=20, minutes=30))
    before = len(_alerts(world))

    # when the evening check fires
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then exactly one message went out, saying what is at stake
    assert body == {"action": "check", "status": "at_risk", "alerted": True, "sync": "success"}
    alerts = _alerts(world)[before:]
    assert len(alerts) == 1
    message, subject = alerts[0]
    assert subject == "Run streak at risk"
    assert message.startswith("At risk:")


def test_the_evening_check_stays_silent_when_today_already_counts(world: World) -> None:
    # given the evening of a day that has its run
    world.container(_fresh_bucket("check-done"), now=NOW)
    before = len(_alerts(world))

    # when the evening check fires
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then nothing is published
    assert body == {"action": "check", "status": "done_today", "alerted": False, "sync": "success"}
    assert len(_alerts(world)) == before


def test_a_failed_scheduled_sync_raises_after_recording_health_and_the_failure_metric(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a deployment whose SmashRun token has been revoked
    bucket = _fresh_bucket("sched-failed")
    world.container(bucket, smashrun_access_token=SecretStr("revoked-token-value"))
    capsys.readouterr()

    # when the daily schedule fires
    with pytest.raises(StreakError, match="scheduled sync failed") as raised:
        lambda_handler(event("scheduler_sync"), LocalLambdaContext())

    # then Lambda sees an error, yet the failure was counted and /health says degraded
    assert "revoked-token-value" not in str(raised.value)
    assert _emf(capsys.readouterr().out)["SyncFailures"] == 1
    world.container(bucket)
    _, _, health = call(api("GET", "/health", key=None))
    assert health["status"] == "degraded"
    assert health["reason"] == "sync_failed"


def test_a_partial_scheduled_sync_is_not_a_failure(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a request budget far below what a first sync needs
    world.container(_fresh_bucket("sched-partial"), requests_per_hour=20, sync_budget_s=2)
    capsys.readouterr()

    # when the daily schedule fires
    body = lambda_handler(event("scheduler_sync"), LocalLambdaContext())

    # then it returns what it stored, and no failure is counted
    assert body["status"] == "partial"
    assert "SyncFailures" not in _emf(capsys.readouterr().out)


def test_the_failure_metric_carries_the_namespace_and_service_the_alarm_watches(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a sync that SmashRun refuses
    world.container(
        _fresh_bucket("api-sync-alarm"), smashrun_access_token=SecretStr("revoked-token-value")
    )
    capsys.readouterr()

    # when it runs
    call(api("POST", "/sync"))

    # then SyncFailures is published under the namespace, with the service dimension alone
    declared = [
        (blob, metrics)
        for blob in _emf_blobs(capsys.readouterr().out)
        for metrics in blob["_aws"]["CloudWatchMetrics"]
        if any(m["Name"] == "SyncFailures" for m in metrics["Metrics"])
    ]
    assert len(declared) == 1
    blob, metrics = declared[0]
    assert metrics["Namespace"] == handler_module.METRICS_NAMESPACE
    assert metrics["Dimensions"] == [["service"]]
    assert blob["service"] == handler_module.SERVICE


class BudgetRecordingContainer(Services):
    """The real container, noting the budget each sync was given."""

    budgets: list[float]

    def sync(self, *, budget_s: float | None = None, **kwargs: Any) -> SyncReport:
        assert budget_s is not None
        self.budgets.append(budget_s)
        return super().sync(budget_s=budget_s, **kwargs)


def test_the_evening_checks_sync_gets_a_short_budget(world: World) -> None:
    # given a container whose daily sync may take far longer than the check's sync
    settings = world.container(_fresh_bucket("check-budget")).settings
    assert settings.sync_budget_s > handler_module.CHECK_SYNC_BUDGET_S
    recording = BudgetRecordingContainer(settings, clock=lambda: NOW)
    recording.budgets = []
    install_container(recording)

    # when the evening check fires
    lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then its sync had the short budget
    assert recording.budgets == [handler_module.CHECK_SYNC_BUDGET_S]


def test_the_evening_check_checks_the_stored_runs_and_says_they_are_stale_when_its_sync_fails(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given runs synced at NOW, and the next evening a SmashRun that refuses the token
    bucket = _synced_bucket(world, "check-stale")
    world.container(
        bucket,
        now=NOW + timedelta(hours=20, minutes=30),
        smashrun_access_token=SecretStr("revoked-token-value"),
    )
    before = len(_alerts(world))
    capsys.readouterr()

    # when the evening check fires
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then it checked anyway, and the alert says the runs are as of the last good sync
    assert body == {"action": "check", "status": "at_risk", "alerted": True, "sync": "failed"}
    assert _emf(capsys.readouterr().out)["SyncFailures"] == 1
    [(message, _)] = _alerts(world)[before:]
    assert message.startswith("At risk:")
    assert f"sync failed; runs as of {NOW:%Y-%m-%d %H:%M} America/New_York" in message


def test_a_successful_sync_leaves_the_alert_without_a_staleness_note(world: World) -> None:
    world.container(_fresh_bucket("check-fresh"), now=NOW + timedelta(hours=20, minutes=30))
    before = len(_alerts(world))

    lambda_handler(event("scheduler_check"), LocalLambdaContext())

    [(message, _)] = _alerts(world)[before:]
    assert "sync failed" not in message


def test_the_evening_check_alerts_at_most_once_per_home_date(world: World) -> None:
    # given an evening with the streak at risk
    bucket = _fresh_bucket("check-once")
    evening = NOW + timedelta(hours=20, minutes=30)
    world.container(bucket, now=evening)
    before = len(_alerts(world))

    # when the check fires twice that evening (a retry, a second schedule)
    first = lambda_handler(event("scheduler_check"), LocalLambdaContext())
    world.container(bucket, now=evening + timedelta(minutes=45))
    second = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then one message went out, and the alerts document remembers the home date
    assert (first["alerted"], second["alerted"]) == (True, False)
    assert second["status"] == "at_risk"
    assert len(_alerts(world)) == before + 1
    assert _object(bucket, "runs.duckdb.alerts.json") == {"last_alerted": "2026-11-26"}


def test_an_alert_on_an_earlier_date_does_not_silence_today(world: World) -> None:
    # given the alert of the day before already sent
    bucket = _fresh_bucket("check-next-day")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bucket, Key="runs.duckdb.alerts.json", Body=b'{"last_alerted": "2026-11-25"}'
    )
    world.container(bucket, now=NOW + timedelta(hours=20, minutes=30))
    before = len(_alerts(world))

    # when today's check finds the streak at risk
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then today's alert goes out
    assert body["alerted"] is True
    assert len(_alerts(world)) == before + 1
    assert _object(bucket, "runs.duckdb.alerts.json") == {"last_alerted": "2026-11-26"}


@pytest.mark.parametrize(
    ("stored", "alerted"),
    [("2026-11-27", False), ("2026-11-28", True), ("2027-03-01", True)],
)
def test_an_alert_dated_after_tomorrow_came_from_a_clock_running_ahead_and_is_replaced(
    world: World, stored: str, alerted: bool
) -> None:
    # given an alert claim written by a writer whose clock thinks it is `stored`
    bucket = _fresh_bucket(f"check-ahead-{stored}")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=bucket,
        Key="runs.duckdb.alerts.json",
        Body=json.dumps({"last_alerted": stored}).encode(),
    )
    world.container(bucket, now=NOW + timedelta(hours=20, minutes=30))
    before = len(_alerts(world))

    # when today's (2026-11-26) check finds the streak at risk
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then a claim for tomorrow stands (a little skew), a later one is replaced by today's
    assert body["status"] == "at_risk"
    assert body["alerted"] is alerted
    assert len(_alerts(world)) == before + (1 if alerted else 0)
    expected = "2026-11-26" if alerted else stored
    assert _object(bucket, "runs.duckdb.alerts.json") == {"last_alerted": expected}


def test_an_alert_that_could_not_be_sent_is_sent_by_the_next_check(world: World) -> None:
    # given a check whose SNS topic does not exist
    bucket = _fresh_bucket("check-retry")
    evening = NOW + timedelta(hours=20, minutes=30)
    world.container(bucket, now=evening, sns_topic_arn=world.topic_arn + "-gone")
    before = len(_alerts(world))
    with pytest.raises(StreakError, match="could not publish the at-risk alert"):
        lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # when the check runs again with the topic in place
    world.container(bucket, now=evening + timedelta(minutes=5))
    body = lambda_handler(event("scheduler_check"), LocalLambdaContext())

    # then the day's alert goes out then
    assert body["alerted"] is True
    assert len(_alerts(world)) == before + 1


# -- POST /sync ----------------------------------------------------------------------------------


def test_post_sync_returns_the_sync_report(world: World) -> None:
    world.container(_fresh_bucket("api-sync"))

    status, headers, body = call(api("POST", "/sync"))

    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert body["status"] == "success"
    assert body["runs_synced"] == 193
    assert body["splits_stored"] > 0
    assert body["attempts"] == 1


def test_a_sync_that_runs_into_the_rate_limit_is_partial_and_counted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a request budget of one request an hour, and a time budget long enough that only
    # the request budget can stop the sync (a loaded machine must not)
    world.container(
        _fresh_bucket("api-sync-rate-limited"), requests_per_hour=1, api_sync_budget_s=20
    )
    capsys.readouterr()

    # when a sync is asked for
    status, _, body = call(api("POST", "/sync"))

    # then it stored what it could, says what is left, and the metric counts the limit
    assert status == 200
    assert body["status"] == "partial"
    assert body["backlog"] > 0
    metrics = _emf(capsys.readouterr().out)
    assert metrics["RateLimited"] == 1
    assert "SyncFailures" not in metrics


def test_a_sync_while_the_hourly_budget_is_spent_answers_200_paused_with_when_to_come_back(
    world: World,
) -> None:
    # given a backfill the hourly request budget (one request) has already stopped
    bucket = _fresh_bucket("api-sync-paused")
    world.container(bucket, requests_per_hour=1, api_sync_budget_s=20)
    assert call(api("POST", "/sync"))[2]["status"] == "partial"
    asked = len(world.fake.requests)

    # when another sync is asked for within the hour
    status, _, body = call(api("POST", "/sync"))

    # then nothing is asked of SmashRun, and the answer is a pause, not a failure
    assert status == 200
    assert len(world.fake.requests) == asked
    assert (body["status"], body["requests"], body["error"]) == ("paused", 0, None)
    assert body["backlog"] > 0
    assert body["next_sync_after"] > NOW.isoformat()
    world.container(bucket)
    _, _, health = call(api("GET", "/health", key=None))
    assert health["status"] == "healthy"


def test_a_sync_smashrun_refuses_answers_500_saying_to_reauthorise_and_turns_health_degraded(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a container whose SmashRun token is refused
    bucket = _fresh_bucket("api-sync-refused")
    world.container(bucket, smashrun_access_token=SecretStr("revoked-token-value"))
    capsys.readouterr()

    # when a sync is asked for
    status, _, body = call(api("POST", "/sync"))

    # then the service's own setup is at fault (not SmashRun being down, not the caller):
    # the answer says what to do; the failure is counted; /health sees it
    assert status == 500
    assert body["status"] == "failed"
    assert body["error_kind"] == "auth"
    assert "streak auth" in body["message"]
    assert "revoked-token-value" not in json.dumps(body)
    assert _emf(capsys.readouterr().out)["SyncFailures"] == 1
    world.container(bucket)
    _, _, health = call(api("GET", "/health", key=None))
    assert health["status"] == "degraded"


def test_a_sync_without_any_smashrun_credentials_answers_500_and_turns_health_degraded(
    world: World,
) -> None:
    # given a deployment where nobody has authorised SmashRun yet
    bucket = _fresh_bucket("api-sync-no-credentials")
    world.container(bucket, smashrun_access_token=None, token_file=world.tmp / "never-written.json")

    # when a sync is asked for
    status, _, body = call(api("POST", "/sync"))

    # then it says how to authorise, and /health reports the failure
    assert status == 500
    assert "streak auth" in body["message"]
    world.container(bucket)
    _, _, health = call(api("GET", "/health", key=None))
    assert health["status"] == "degraded"


def test_a_token_refused_halfway_through_a_sync_answers_500_with_the_progress_kept(
    world: World,
) -> None:
    # given a token SmashRun starts refusing once the search is done
    world.container(_fresh_bucket("api-sync-refused-halfway"))
    world.fake.inject("/my/activities/*/splits/*", "expired_token", times=10_000)
    try:
        # when a sync is asked for
        status, _, body = call(api("POST", "/sync"))
    finally:
        world.fake.clear_faults()

    # then what it found is stored, and the answer says the setup needs a person
    assert status == 500
    assert (body["status"], body["error_kind"]) == ("partial", "auth")
    assert body["runs_synced"] > 0
    assert "streak auth" in body["message"]


def test_a_sync_rate_limited_before_any_progress_answers_503_with_retry_after(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a SmashRun that answers every search with 429 (no Retry-After: read as 30 s)
    bucket = _fresh_bucket("api-sync-429-first")
    world.container(bucket)
    world.fake.inject("/my/activities/search*", 429, times=10)
    capsys.readouterr()
    try:
        # when a sync is asked for behind API Gateway's 20 s budget
        status, headers, body = call(api("POST", "/sync"))
    finally:
        world.fake.clear_faults()

    # then the client is told to come back later, not that something broke
    assert status == 503
    assert int(headers["retry-after"]) >= 1
    assert body["status"] == "failed"
    assert "rate limit" in body["message"].lower()
    assert _emf(capsys.readouterr().out)["RateLimited"] == 1


@pytest.mark.parametrize(
    ("name", "retry_after"),
    [
        ("inf", "inf"),
        ("overflow", "1e400"),
        ("huge", "99999999999999"),
        ("negative", "-5"),
        ("nan", "nan"),
        ("year-9999", "Fri, 31 Dec 9999 23:59:59 GMT"),
    ],
)
def test_a_sync_told_to_wait_an_absurd_time_answers_503_with_a_retry_after_within_the_hour(
    world: World, name: str, retry_after: str
) -> None:
    # given a SmashRun that answers every search with 429 and a Retry-After no one can use
    world.container(_fresh_bucket(f"api-sync-429-{name}"))
    world.fake.inject("/my/activities/search*", 429, times=10, headers={"Retry-After": retry_after})
    try:
        # when a sync is asked for
        status, headers, body = call(api("POST", "/sync"))
    finally:
        world.fake.clear_faults()

    # then the client is told to come back within the hour, in whole seconds, not a 500
    assert status == 503
    assert headers["retry-after"].isdigit()
    assert 1 <= int(headers["retry-after"]) <= 3600
    assert body["status"] == "failed"
    assert "rate limit" in body["message"].lower()


# -- GET /stats ----------------------------------------------------------------------------------


def test_stats_answers_the_contract_body(world: World) -> None:
    world.container()

    status, headers, body = call(api("GET", "/stats"))

    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert body["timezone"] == "America/New_York"
    assert body["rule"] == {"name": "usrsa", "min_distance_m": 1609.344}
    assert body["current_streak"]["status"] == "done_today"
    assert body["current_streak"]["last_day"] == "2026-11-25"
    assert body["totals"]["runs"] == 193
    assert body["last_sync"] is not None
    assert set(body) >= {"as_of", "longest_streak", "fastest_mile"}


def test_a_warm_stats_call_downloads_no_database_bytes(world: World) -> None:
    # given a container whose S3 traffic we watch
    traffic = S3Traffic()
    session = boto3.session.Session(region_name=REGION)
    traffic.attach_session(session)
    world.container(session=session)

    # when /stats is called cold, then warm
    cold_status, _, cold = call(api("GET", "/stats"))
    cold_gets = traffic.count("GetObject", "runs.duckdb.stats.json", status=200)
    warm_status, _, warm = call(api("GET", "/stats"))

    # then neither call touched the database object; the warm one got a 304 for the stats document
    assert (cold_status, warm_status) == (200, 200)
    assert warm == cold
    assert traffic.count("GetObject", "runs.duckdb") == 0
    assert "runs.duckdb" not in traffic.bytes_received
    assert cold_gets == 1
    assert traffic.count("GetObject", "runs.duckdb.stats.json", status=304) == 1
    assert traffic.count("PutObject") == 0


def test_a_question_about_the_past_reads_the_database_once_per_container(world: World) -> None:
    # given a container asked about an earlier instant (the snapshot cannot answer that)
    traffic = S3Traffic()
    session = boto3.session.Session(region_name=REGION)
    traffic.attach_session(session)
    world.container(session=session)
    past = {"as_of": "2026-10-01T12:00:00-04:00"}

    # when it is asked twice
    _, _, first = call(api("GET", "/stats", past))
    downloaded = traffic.bytes_received.get("runs.duckdb", 0)
    _, _, second = call(api("GET", "/stats", past))

    # then the database came down once; the second answer came from the cached copy
    assert downloaded > 0
    assert traffic.bytes_received["runs.duckdb"] == downloaded
    assert traffic.count("GetObject", "runs.duckdb", status=304) == 1
    assert first == second
    assert first["totals"]["runs"] < 193
    assert first["current_streak"]["last_day"] <= "2026-10-01"
    assert traffic.count("PutObject") == 0


@pytest.mark.parametrize(
    ("later", "status"),
    [(timedelta(0), "done_today"), (timedelta(hours=12), "at_risk"), (timedelta(days=2), "broken")],
)
def test_stats_status_is_relative_to_the_request_instant(
    world: World, later: timedelta, status: str
) -> None:
    world.container(now=NOW + later)

    _, _, body = call(api("GET", "/stats"))

    assert body["current_streak"]["status"] == status
    assert body["as_of"].startswith((NOW + later).astimezone(HOME).date().isoformat())


def test_stats_in_another_zone_and_rule(world: World) -> None:
    world.container()

    _, _, body = call(
        api("GET", "/stats", {"rule": "strict", "tz": "Asia/Tokyo", "min_distance": "2km"})
    )

    assert body["timezone"] == "Asia/Tokyo"
    assert body["rule"] == {"name": "strict", "min_distance_m": 2000.0}
    assert body["as_of"].endswith("+09:00")


def test_rule_all_compares_the_three_rules(world: World) -> None:
    world.container()

    status, _, body = call(api("GET", "/stats", {"rule": "all"}))

    assert status == 200
    assert [r["rule"] for r in body["rules"]] == ["usrsa", "strict", "any"]
    assert body["disagreement_days"] >= 1


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"rule": "fastest"}, "rule must be one of usrsa, strict, any, all"),
        ({"tz": "Mars/Olympus_Mons"}, "unknown time zone"),
        ({"tz": "America"}, "unknown time zone 'America'"),
        ({"tz": "Etc"}, "unknown time zone 'Etc'"),
        ({"tz": "A" * 300}, "unknown time zone"),
        ({"tz": "Europe/Lon\x00don"}, "unknown time zone"),
        ({"tz": "../../../etc/localtime"}, "unknown time zone"),
        ({"tz": ""}, "tz is empty: leave it out"),
        ({"as_of": "9999-12-31T23:59:59-12:00"}, "between 1970 and 2200"),
        ({"as_of": ""}, "as_of is empty: leave it out"),
        ({"min_distance": "1" + "0" * 400 + "km"}, "at most 1000km"),
        ({"as_of": "yesterday"}, "ISO 8601"),
        ({"as_of": "0001-01-01T00:00:00+14:00"}, "between 1970 and 2200"),
        ({"min_distance": "far"}, "cannot read distance"),
        ({"min_distance": "5000km"}, "at most 1000km"),
    ],
)
def test_bad_query_values_answer_400_saying_what_to_send(
    world: World, query: dict[str, str], says: str
) -> None:
    world.container()

    status, _, body = call(api("GET", "/stats", query))

    assert status == 400
    assert says in body["message"]


def test_an_unencoded_plus_in_as_of_is_read_as_a_positive_offset(world: World) -> None:
    world.container()

    status, _, body = call(api("GET", "/stats", {"as_of": "2026-11-26T09:00:00 09:00"}))

    assert status == 200
    assert body["as_of"] == "2026-11-25T19:00:00-05:00"


def test_stats_before_the_first_sync_is_404_saying_to_sync(world: World) -> None:
    world.container(_fresh_bucket("never-synced"))

    status, _, body = call(api("GET", "/stats"))

    assert status == 404
    assert "POST /sync" in body["message"]


def test_storage_failures_answer_503_with_a_request_id_and_no_internals(world: World) -> None:
    world.container("bucket-that-was-never-created")

    status, _, body = call(api("GET", "/stats"))

    assert status == 503
    assert body["request_id"] == event("apigw_rest_get_stats")["requestContext"]["requestId"]
    assert "bucket-that-was-never-created" not in body["message"]


# -- /health, /badge.svg, the rest -----------------------------------------------------------------


def test_health_is_healthy_with_the_last_sync(world: World) -> None:
    world.container()

    status, _, body = call(api("GET", "/health", key=None))

    assert status == 200
    assert body["status"] == "healthy"
    assert body["last_sync"].endswith("Z")


def test_before_the_first_sync_health_badge_and_stats_all_say_no_sync_yet(world: World) -> None:
    # given a deployed stack whose bucket holds nothing yet: no sync has run
    world.container(_fresh_bucket("health-new"))

    # when /health, /badge.svg and /stats are asked
    _, _, health = call(api("GET", "/health", key=None))
    badge_status, _, badge = call(api("GET", "/badge.svg", key=None))
    stats_status, _, stats = call(api("GET", "/stats"))

    # then each says, in its own way, that nothing has been synced yet: not "healthy", not
    # a "0 days (broken)" streak
    assert health == {
        "status": "degraded",
        "reason": "no_sync_yet",
        "last_sync": None,
        "last_attempt": None,
    }
    assert badge_status == 200
    texts = [t.text for t in ET.fromstring(badge).iter("{http://www.w3.org/2000/svg}text")]
    assert "no sync yet" in texts
    assert "0 days" not in badge
    assert "broken" not in badge
    assert stats_status == 404
    assert "no runs synced yet" in stats["message"]


@pytest.mark.parametrize(
    ("hours_later", "status", "reason"),
    [(25, "healthy", None), (27, "degraded", "stale")],
)
def test_health_degrades_when_the_last_sync_is_over_26_hours_old(
    world: World, hours_later: int, status: str, reason: str | None
) -> None:
    # given a database last synced successfully at some instant
    world.container()
    _, _, synced = call(api("GET", "/health", key=None))
    last_sync = datetime.fromisoformat(synced["last_sync"])

    # when /health is asked hours later, with no sync since
    world.container(now=last_sync + timedelta(hours=hours_later))
    _, _, body = call(api("GET", "/health", key=None))

    # then past 26 hours it is degraded, and says why
    assert (body["status"], body["reason"]) == (status, reason)
    assert body["last_sync"] == synced["last_sync"]


def test_the_badge_is_an_svg_for_the_current_streak_that_caches_for_a_while(world: World) -> None:
    world.container()

    status, headers, svg = call(api("GET", "/badge.svg", key=None))

    assert status == 200
    assert headers["content-type"] == "image/svg+xml"
    assert headers["cache-control"] == "public, max-age=300"
    assert svg.startswith("<svg")
    assert "done today" in svg


def test_an_unknown_path_is_404(world: World) -> None:
    world.container()

    status, _, body = call(api("GET", "/admin"))

    assert status == 404
    assert body == {"message": "Not Found"}


def test_logs_never_carry_the_api_key_or_the_smashrun_token(world: World) -> None:
    # given the handler's structured log, as CloudWatch would receive it
    world.container(_fresh_bucket("logging-check"))
    stream = io.StringIO()
    sink = logging.StreamHandler(stream)
    sink.setFormatter(handler_logger.registered_formatter)
    handler_logger.addHandler(sink)

    # when requests come in, one of them refused
    try:
        call(api("POST", "/sync"))
        call(api("GET", "/stats"))
        call(api("GET", "/stats", {"rule": "nope"}))
    finally:
        handler_logger.removeHandler(sink)

    # then the log correlates by request id and holds neither the key nor the token
    logged = stream.getvalue()
    assert '"correlation_id":"9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"' in logged
    assert '"runs_synced":193' in logged
    assert FIXTURE_KEY not in logged
    assert world.fake.access_token not in logged
