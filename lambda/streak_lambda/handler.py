"""The Lambda entry point, `streak_lambda.handler.lambda_handler`, for both functions.

API Gateway (REST, proxy integration) brings `POST /sync`, `GET /stats`, `GET /health`,
`GET /badge.svg` and `GET /p/{token}` (the page, `page_route`); EventBridge Scheduler
brings `{"streak_action": "sync" | "check"}` (a classic EventBridge "Scheduled Event"
means a sync). Each route parses, calls a use case on the container's services
(`streakcore.bootstrap`) and returns its body; the status of an error, or of a sync that
did not succeed, comes from `http_errors` and nowhere else.

Importing this module builds no adapter and imports neither DuckDB, boto3 nor pydantic:
the composition root and the routes import what a request needs when it first needs it.
"""

from __future__ import annotations

import json
import os
import time
import warnings
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from streak_lambda.cold_start_gc import end_cold_start
from streak_lambda.composition import alert_if_at_risk, container
from streak_lambda.events import ScheduledAction, is_api_request, scheduled_action
from streak_lambda.http_errors import http_error_for, sync_answer
from streakcore.errors import ConfigError, SmashRunRateLimited, StreakError

if TYPE_CHECKING:
    from streakcore.bootstrap import Services
    from streakcore.usecases.sync import SyncReport

BADGE_CACHE_CONTROL = "public, max-age=300"
STATS_CACHE_CONTROL = "no-store"
CHECK_SYNC_BUDGET_S = 60.0
"""The evening check's sync: ample for a day's new runs, and it leaves most of the
function's 300 s to the check and its alert even when SmashRun is slow."""


SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "streakcore")
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "streakcore")
SYNC_FAILURES_METRIC = "SyncFailures"
"""The alarm on failed syncs watches this metric in METRICS_NAMESPACE, dimension service."""

# A read publishes no metric; Powertools would warn about that on every GET.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service=SERVICE)
# Passed explicitly: left to Powertools, the `service` dimension the failure alarm matches
# on would be missing wherever POWERTOOLS_SERVICE_NAME is unset.
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)
app = APIGatewayRestResolver()


def _json(status: int, body: str, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers or {},
    )


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    body: dict[str, str] = {"message": message}
    request_id = _request_id()
    if status >= 500 and request_id:
        body["request_id"] = request_id
    return _json(status, json.dumps(body), headers)


def _request_id() -> str | None:
    try:
        return app.current_event.request_context.request_id
    except (AttributeError, KeyError):
        return None


# -- routes -------------------------------------------------------------------------------


@app.post("/sync")
def post_sync() -> Response[str]:
    report = _sync(budget_s=container().settings.api_sync_budget_s, trigger="api")
    answer = sync_answer(report)
    body = report.body(with_upload=False)
    if answer.message is not None:
        body["message"] = answer.message
    return _json(answer.status, json.dumps(body), answer.headers)


@app.get("/stats")
def get_stats() -> Response[str]:
    from streak_lambda.stats_query_params import parse_stats_query

    services = container()
    params = app.current_event.query_string_parameters
    query = parse_stats_query(params, services.settings, services.now())
    database = services.read_database
    if query.all_rules:
        body = database.rules(
            min_distance_m=query.rule.min_distance_m, as_of=query.as_of, tz=query.tz
        ).model_dump_json()
    else:
        body = database.stats(rule=query.rule, as_of=query.as_of, tz=query.tz).model_dump_json()
    return _json(200, body, {"Cache-Control": STATS_CACHE_CONTROL})


@app.get("/health")
def get_health() -> Response[str]:
    from streakcore.usecases.documents import judge_health

    services = container()
    report = judge_health(services.read_database.health(), now=services.now())
    return _json(200, report.model_dump_json(), {"Cache-Control": "no-store"})


@app.get("/badge.svg")
def get_badge() -> Response[str]:
    from streakcore.render.badge_svg import badge_for, badge_no_sync

    services = container()
    current = services.current_streak(services.now())
    # Before the first sync there is no streak to count, broken or not: "no sync yet", as
    # /health (`no_sync_yet`) and /stats ("no runs synced yet") say.
    svg = badge_for(current) if current is not None else badge_no_sync()
    return Response(
        status_code=200,
        content_type="image/svg+xml",
        body=svg,
        headers={"Cache-Control": BADGE_CACHE_CONTROL},
    )


@app.get("/p/<token>")
def get_page(token: str) -> Response[str]:
    from streak_lambda.page_route import page_response

    return page_response(container(), token)


# -- exceptions -> HTTP, in one place -------------------------------------------------------


def _on_service_error(exc: ServiceError) -> Response[str]:
    return _message(exc.status_code, str(exc.msg))


@app.not_found
def _on_not_found(exc: NotFoundError) -> Response[str]:
    return _message(404, "Not Found")


def _on_streak_error(exc: StreakError) -> Response[str]:
    error = http_error_for(exc)
    if error.is_server_fault:
        logger.error("request failed", extra={"error": type(exc).__name__, "detail": str(exc)})
    else:
        logger.info("request refused", extra={"error": type(exc).__name__, "status": error.status})
    return _message(error.status, error.message, error.headers)


def _on_unexpected(exc: Exception) -> Response[str]:
    logger.exception("unexpected error", extra={"error": type(exc).__name__})
    return _message(500, "internal error")


# Registered by call: the decorator form is untyped in Powertools.
app.exception_handler(ServiceError)(_on_service_error)
app.exception_handler(StreakError)(_on_streak_error)
app.exception_handler(Exception)(_on_unexpected)


# -- the sync, from a route or a schedule ---------------------------------------------------


def _sync(*, budget_s: float, trigger: str) -> SyncReport:
    end_cold_start()
    started = time.monotonic()
    try:
        run = container().sync(budget_s=budget_s, credentials_first=False)
    except Exception as exc:
        metrics.add_metric(name=SYNC_FAILURES_METRIC, unit=MetricUnit.Count, value=1)
        if isinstance(exc, SmashRunRateLimited):
            metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
        logger.warning("sync failed", extra={"trigger": trigger, "error": type(exc).__name__})
        raise
    finally:
        metrics.add_metric(
            name="SyncDuration", unit=MetricUnit.Seconds, value=time.monotonic() - started
        )
    metrics.add_metric(name="RunsSynced", unit=MetricUnit.Count, value=run.runs_synced)
    metrics.add_metric(name="SplitsStored", unit=MetricUnit.Count, value=run.splits_stored)
    metrics.add_metric(name="Quarantined", unit=MetricUnit.Count, value=run.quarantined)
    if run.failed:
        metrics.add_metric(name=SYNC_FAILURES_METRIC, unit=MetricUnit.Count, value=1)
    if run.rate_limited:
        metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
    logger.info("sync finished", extra={"trigger": trigger, **run.log_fields()})
    return run


def _scheduled(action: ScheduledAction) -> dict[str, Any]:
    services = container()
    if action is ScheduledAction.CHECK:
        return _evening_check(services)
    run = _sync(budget_s=services.settings.sync_budget_s, trigger="schedule")
    if run.failed:
        # The health document and the metrics already say so; raising makes Lambda count
        # an error and dead-letter the event. Nothing retries it: Lambda's async retries
        # are off (lambda.tf), Scheduler retries only a delivery that failed, and
        # tomorrow's sync catches up.
        raise StreakError(f"the scheduled sync failed: {run.error or 'see the logs'}")
    return run.body(with_upload=False)


def _evening_check(services: Services) -> dict[str, Any]:
    from streakcore.usecases.alert import alert_message  # once an evening: keep imports cheap

    run: SyncReport | None = None
    try:
        run = _sync(
            budget_s=min(CHECK_SYNC_BUDGET_S, services.settings.sync_budget_s), trigger="check"
        )
    except Exception:
        # Already logged and counted by _sync. Missing the alert is worse than checking
        # stale runs, and the alert says they are stale.
        run = None
    sync_status = run.status.value if run is not None else "failed"
    sync_failed = run is None or run.failed
    if sync_failed:
        logger.warning("checking the runs already stored")
    reading = services.evening_check(services.now())
    check = reading.check
    message = alert_message(
        check, sync_failed=sync_failed, runs_as_of=reading.runs_as_of, backfill=reading.backfill
    )
    alerted = alert_if_at_risk(services, check, message)
    logger.info(
        "evening check",
        extra={"status": check.status.value, "alerted": alerted, "sync": sync_status},
    )
    return {
        "action": ScheduledAction.CHECK.value,
        "status": check.status.value,
        "alerted": alerted,
        "sync": sync_status,
    }


# -- the entry point ------------------------------------------------------------------------


@metrics.log_metrics(capture_cold_start_metric=True)
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        return _handle(event, context)
    finally:
        end_cold_start()


def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_api_request(event):
        return app.resolve(event, context)
    action = scheduled_action(event)
    if action is None:
        logger.error("unrecognised event", extra={"event_keys": sorted(event)[:12]})
        raise ConfigError(
            "unrecognised event: expected an API Gateway REST proxy request or a schedule "
            'input such as {"streak_action": "sync"}'
        )
    logger.set_correlation_id(context.aws_request_id)
    return _scheduled(action)
