"""Alarms, log groups and the alerts topic."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from terraform_hcl import block, blocks, expression, load_stack

# alarm -> (namespace, metric, statistic, comparison, threshold, function or None)
LAMBDA_ALARMS = {
    "sync_errors": ("Errors", "Sum", "GreaterThanOrEqualToThreshold", 1),
    "sync_duration": ("Duration", "Maximum", "GreaterThanThreshold", 270000),
    "sync_throttles": ("Throttles", "Sum", "GreaterThanOrEqualToThreshold", 1),
}


def alarm(name: str) -> dict[str, Any]:
    """The one alarm AWS will know as `<prefix>-<name with hyphens>`, as Terraform makes it."""
    stack = load_stack()
    suffix = "-" + name.replace("_", "-")
    named = [
        body
        for body in stack.resources_of("aws_cloudwatch_metric_alarm").values()
        if str(stack.resolve(body["alarm_name"])).endswith(suffix)
    ]
    assert len(named) == 1, f"expected one alarm named ...{suffix}, found {len(named)}"
    return named[0]


@pytest.mark.parametrize(("name", "expected"), sorted(LAMBDA_ALARMS.items()))
def test_sync_function_alarms_watch_the_agreed_metric_and_threshold(
    name: str, expected: tuple[str, str, str, int]
) -> None:
    # Given an alarm on the sync function
    metric, statistic, comparison, threshold = expected
    body = alarm(name)

    # Then it watches that metric of the sync function with the agreed threshold
    assert body["namespace"] == "AWS/Lambda"
    assert body["metric_name"] == metric
    assert body["statistic"] == statistic
    assert body["comparison_operator"] == comparison
    assert body["threshold"] == threshold
    assert (
        expression(body["dimensions"]["FunctionName"]) == "aws_lambda_function.sync.function_name"
    )


def test_sync_duration_alarm_fires_before_the_function_times_out() -> None:
    timeout_ms = load_stack().resource("aws_lambda_function", "sync")["timeout"] * 1000
    assert alarm("sync_duration")["threshold"] < timeout_ms


def test_api_alarm_is_the_5xx_share_of_requests_over_five_minutes() -> None:
    # Given the API alarm's metric queries
    body = alarm("api_5xx_rate")
    queries = {query["id"]: query for query in blocks(body, "metric_query")}
    returned = [query for query in queries.values() if query.get("return_data") is True]

    # Then it returns a percentage of 5XXError over Count, summed per 5 minutes, above 5
    assert len(returned) == 1
    formula = returned[0]["expression"]
    metrics = {
        query_id: query["metric"][0] for query_id, query in queries.items() if "metric" in query
    }
    by_name = {metric["metric_name"]: query_id for query_id, metric in metrics.items()}
    assert set(by_name) == {"5XXError", "Count"}
    assert f"{by_name['5XXError']} / {by_name['Count']}" in formula
    assert "100" in formula
    for metric in metrics.values():
        assert metric["namespace"] == "AWS/ApiGateway"
        assert metric["period"] == 300
        assert metric["stat"] == "Sum"
    assert body["comparison_operator"] == "GreaterThanThreshold"
    assert body["threshold"] == 5


def sync_metric_names() -> dict[str, Any]:
    """The EMF namespace and `service` dimension the sync function's Powertools writes."""
    stack = load_stack()
    settings = stack.local(
        block(stack.resource("aws_lambda_function", "sync"), "environment")["variables"]
    )
    return {
        "namespace": stack.local(settings["POWERTOOLS_METRICS_NAMESPACE"]),
        "service": stack.local(settings["POWERTOOLS_SERVICE_NAME"]),
    }


@pytest.mark.parametrize(
    ("name", "metric"), [("sync_failures", "SyncFailures"), ("sync_stale", "RunsSynced")]
)
def test_sync_metric_alarms_watch_the_metric_the_function_actually_writes(
    name: str, metric: str
) -> None:
    # Given an alarm on the sync function's own EMF metrics, and what the function writes
    stack = load_stack()
    body = alarm(name)
    written = sync_metric_names()

    # Then namespace and dimensions are exactly Powertools' namespace and `service`
    # dimension (a metric with other dimensions is another metric to CloudWatch)
    assert written == {"namespace": "streakcore", "service": "streakcore"}
    assert body["metric_name"] == metric
    assert stack.local(body["namespace"]) == written["namespace"]
    assert {key: stack.local(value) for key, value in body["dimensions"].items()} == {
        "service": written["service"]
    }


def test_one_reported_sync_failure_in_a_day_fires_the_failure_alarm() -> None:
    body = alarm("sync_failures")
    assert body["statistic"] == "Sum"
    assert body["period"] * body["evaluation_periods"] == 24 * 3600
    assert body["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    assert body["threshold"] == 1
    assert body["treat_missing_data"] == "notBreaching"


def test_stale_alarm_fires_only_when_no_sync_finished_for_26_hours() -> None:
    # Given the staleness alarm
    body = alarm("sync_stale")
    window_s = body["period"] * body["evaluation_periods"]

    # Then it counts datapoints (a healthy sync may report 0 runs), treats an empty period
    # as breaching, and fires only when every period of 26 hours is empty
    assert body["statistic"] == "SampleCount"
    assert body["comparison_operator"] == "LessThanThreshold"
    assert body["threshold"] == 1
    assert body["treat_missing_data"] == "breaching"
    assert body["datapoints_to_alarm"] == body["evaluation_periods"]
    assert window_s == 26 * 3600
    # CloudWatch allows more than a day of evaluation only for periods of an hour or more.
    assert body["period"] >= 3600


def test_every_dead_letter_fires_the_alarm_not_only_the_first() -> None:
    # Given the dead-letter alarm
    body = alarm("sync_dead_letters")

    # Then it counts messages arriving in five minutes, not messages waiting in the queue:
    # those stay for days, and an alarm on them would still be in ALARM when the next came
    assert body["namespace"] == "AWS/SQS"
    assert body["metric_name"] == "NumberOfMessagesSent"
    assert expression(body["dimensions"]["QueueName"]) == "aws_sqs_queue.sync_dead_letters.name"
    assert body["statistic"] == "Sum"
    assert body["period"] * body["evaluation_periods"] == 300
    assert body["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    assert body["threshold"] == 1
    # A period without a dead letter is what lets the alarm clear and fire again.
    assert body["treat_missing_data"] == "notBreaching"
    assert body.get("datapoints_to_alarm", 1) == 1


def test_every_alarm_notifies_the_alerts_topic() -> None:
    alarms = load_stack().resources_of("aws_cloudwatch_metric_alarm")
    assert len(alarms) >= 8
    for name, body in alarms.items():
        assert body["actions_enabled"] is True, name
        assert body["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"], name


@pytest.mark.parametrize("name", ["sync", "read", "api_access", "api_execution"])
def test_log_groups_keep_the_configured_retention_and_are_encrypted(name: str) -> None:
    group = load_stack().resource("aws_cloudwatch_log_group", f'this["{name}"]')
    assert expression(group["retention_in_days"]) == "var.log_retention_days"
    assert expression(group["kms_key_id"]) == "aws_kms_key.this.arn"


def test_alerts_topic_is_encrypted_with_a_key_cloudwatch_may_use() -> None:
    # Given the topic and the key policy
    stack = load_stack()
    topic = stack.resource("aws_sns_topic", "alerts")
    principals = [
        principal
        for statement in blocks(
            stack.data_source("aws_iam_policy_document", "kms_key"), "statement"
        )
        for principal in blocks(statement, "principals")
    ]

    # Then the topic uses the stack key, which lets CloudWatch alarms publish to it
    assert expression(topic["kms_master_key_id"]) == "aws_kms_key.this.arn"
    assert any(principal["identifiers"] == ["cloudwatch.amazonaws.com"] for principal in principals)


def test_stack_key_rotates() -> None:
    assert load_stack().resource("aws_kms_key", "this")["enable_key_rotation"] is True


def test_email_subscription_exists_only_when_an_address_is_given() -> None:
    # Given the subscription and its variable
    stack = load_stack()
    subscription = stack.resource("aws_sns_topic_subscription", "alert_email")

    # Then it is counted off alert_email, which the runner must set (null: no mail, on purpose)
    assert "var.alert_email == null" in expression(subscription["count"])
    assert "default" not in stack.variables["alert_email"]
    assert subscription["protocol"] == "email"


def test_each_alarm_of_the_map_sets_only_arguments_the_alarm_reads() -> None:
    # Given the map of one-metric alarms and the block that makes an alarm of each entry
    stack = load_stack()
    entries = stack.locals["metric_alarms"]
    written = json.dumps(stack.resources[("aws_cloudwatch_metric_alarm", "this")])
    read = set(re.findall(r"each\.value\.(\w+)", written))
    defaulted = set(re.findall(r"try\(each\.value\.(\w+),", written))

    # Then every entry gives what has no default and nothing the block does not read: a
    # misspelt argument would otherwise fall back to the default without a word
    assert expression(stack.resources[("aws_cloudwatch_metric_alarm", "this")]["for_each"]) == (
        "local.metric_alarms"
    )
    for name, entry in entries.items():
        assert set(entry) <= read, f"{name}: {sorted(set(entry) - read)} are read by nothing"
        assert read - defaulted <= set(entry), (
            f"{name}: missing {sorted(read - defaulted - set(entry))}"
        )
