"""EventBridge Scheduler: local-time schedules, their inputs, retries and dead letters."""

from __future__ import annotations

import re
from typing import Any

import pytest
from terraform_hcl import block, expression, load_stack

SCHEDULES = [
    ("daily_sync", "sync", "sync_time_local", "06:00"),
    ("evening_check", "check", "check_time_local", "20:00"),
]


def schedule(name: str) -> dict[str, Any]:
    return load_stack().resource("aws_scheduler_schedule", name)


@pytest.mark.parametrize(("name", "action", "time_variable", "default"), SCHEDULES)
def test_schedule_fires_at_a_local_time_in_the_athletes_time_zone(
    name: str, action: str, time_variable: str, default: str
) -> None:
    # Given a schedule and its time variable
    stack = load_stack()
    body = schedule(name)
    expression_local = expression(body["schedule_expression"]).removeprefix("local.")
    cron = str(stack.locals[expression_local])

    # Then it is a cron in var.timezone built from the HH:MM variable, defaulting as agreed
    assert expression(body["schedule_expression_timezone"]) == "var.timezone"
    assert cron.startswith("cron(")
    for part in re.findall(r"local\.(\w+)", cron):
        assert f"var.{time_variable}" in str(stack.locals[part])
    assert stack.variables[time_variable]["default"] == default
    assert block(body, "flexible_time_window")["mode"] == "OFF"


def test_time_zone_has_no_default_and_rejects_non_iana_names() -> None:
    # A default zone is someone else's evening: a London runner got New York's schedules.
    variable = load_stack().variables["timezone"]
    assert "default" not in variable
    assert "regex(" in block(variable, "validation")["condition"]


@pytest.mark.parametrize(("name", "action", "time_variable", "default"), SCHEDULES)
def test_schedule_invokes_the_live_sync_alias_with_its_action(
    name: str, action: str, time_variable: str, default: str
) -> None:
    # Given the schedule's target
    target = block(schedule(name), "target")

    # Then it calls the sync function's live alias with {"streak_action": <action>}
    assert expression(target["arn"]) == "aws_lambda_alias.sync_live.arn"
    assert expression(target["role_arn"]) == "aws_iam_role.scheduler.arn"
    assert re.fullmatch(
        r'jsonencode\(\{\s*streak_action\s*=\s*"' + action + r'"\s*\}\)',
        expression(target["input"]),
    )


@pytest.mark.parametrize("name", [name for name, *_ in SCHEDULES])
def test_schedule_retries_and_keeps_what_it_could_not_deliver(name: str) -> None:
    # Given the schedule's target
    target = block(schedule(name), "target")

    # Then failures are retried within the hour and then dead-lettered
    retry = block(target, "retry_policy")
    assert retry["maximum_retry_attempts"] >= 1
    assert retry["maximum_event_age_in_seconds"] <= 3600
    dead_letters = block(target, "dead_letter_config")
    assert expression(dead_letters["arn"]) == "aws_sqs_queue.sync_dead_letters.arn"


def test_dead_letter_queue_is_encrypted() -> None:
    queue = load_stack().resource("aws_sqs_queue", "sync_dead_letters")
    assert queue.get("sqs_managed_sse_enabled") is True or queue.get("kms_master_key_id")


def test_daily_sync_always_runs_and_evening_check_can_be_switched_off() -> None:
    # Given both schedules' states
    stack = load_stack()
    check_state = expression(schedule("evening_check")["state"])

    # Then the sync is always on and the check follows its variable (on by default)
    assert schedule("daily_sync")["state"] == "ENABLED"
    assert check_state.startswith("var.check_schedule_enabled ?")
    assert '"ENABLED"' in check_state
    assert '"DISABLED"' in check_state
    assert stack.variables["check_schedule_enabled"]["default"] is True


def test_scheduler_may_invoke_only_the_live_sync_alias_and_its_dead_letter_queue() -> None:
    # Given the scheduler role's policy
    statements = load_stack().data_source("aws_iam_policy_document", "scheduler")["statement"]
    grants = {
        action: statement["resources"]
        for statement in statements
        for action in statement["actions"]
    }

    # Then it holds exactly two grants, each on one ARN
    assert grants == {
        "lambda:InvokeFunction": ["${aws_lambda_alias.sync_live.arn}"],
        "sqs:SendMessage": ["${aws_sqs_queue.sync_dead_letters.arn}"],
    }


def test_only_schedules_of_this_account_may_use_the_scheduler_role() -> None:
    trust = block(
        load_stack().data_source("aws_iam_policy_document", "scheduler_assume"), "statement"
    )
    assert block(trust, "principals")["identifiers"] == ["scheduler.amazonaws.com"]
    assert block(trust, "condition")["variable"] == "aws:SourceAccount"


def accepted_times(variable: str) -> list[int]:
    """Minutes after midnight of every HH:MM the variable's validation regex accepts."""
    condition = block(load_stack().variables[variable], "validation")["condition"]
    match = re.search(r'regex\("(?P<pattern>(?:[^"\\]|\\.)*)",\s*var\.' + variable, condition)
    assert match, f"{variable}: no regex validation"
    pattern = match.group("pattern").replace("\\\\", "\\")
    return [
        hour * 60 + minute
        for hour in range(24)
        for minute in range(60)
        if re.fullmatch(pattern, f"{hour:02d}:{minute:02d}")
    ]


def test_a_late_evening_check_still_finishes_on_the_day_it_is_about() -> None:
    # Given the latest check time the variable accepts, and every delay a check can meet:
    # scheduler retries, Lambda's queue for asynchronous events, then the run itself
    stack = load_stack()
    times = accepted_times("check_time_local")
    retry = block(block(schedule("evening_check"), "target"), "retry_policy")
    queue = stack.resource("aws_lambda_function_event_invoke_config", "sync_live")
    timeout_s = stack.resource("aws_lambda_function", "sync")["timeout"]

    # When the latest check meets all of them
    latest_end_s = (
        max(times) * 60
        + retry["maximum_event_age_in_seconds"]
        + queue["maximum_event_age_in_seconds"]
        + timeout_s
    )

    # Then it still ends before midnight, so its "today" is the day it was scheduled for
    assert 20 * 60 in times, "the default 20:00 must stay valid"
    assert latest_end_s < 24 * 3600


def test_evening_check_is_retried_only_a_couple_of_times() -> None:
    retry = block(block(schedule("evening_check"), "target"), "retry_policy")
    assert 1 <= retry["maximum_retry_attempts"] <= 2
    assert retry["maximum_event_age_in_seconds"] == 3600
