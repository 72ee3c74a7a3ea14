"""`moved` blocks: the addresses that changed when repeated blocks became for_each.

With them a state written before the change plans without destroying or creating
anything. Terraform refuses a `moved` whose `to` is not declared or is the `to` of
another; a `from` that was never declared would silently move nothing.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from terraform_hcl import load_stack

# Every resource the stack declared before its repeated blocks became for_each (a block
# with count by its name alone): the addresses an existing state can hold.
ADDRESSES_BEFORE_FOR_EACH = frozenset(
    {
        "aws_api_gateway_account.this",
        "aws_api_gateway_api_key.github_actions",
        "aws_api_gateway_api_key.personal",
        "aws_api_gateway_deployment.this",
        "aws_api_gateway_integration.badge_get",
        "aws_api_gateway_integration.health_get",
        "aws_api_gateway_integration.stats_get",
        "aws_api_gateway_integration.sync_post",
        "aws_api_gateway_method.badge_get",
        "aws_api_gateway_method.health_get",
        "aws_api_gateway_method.stats_get",
        "aws_api_gateway_method.sync_post",
        "aws_api_gateway_method_settings.all",
        "aws_api_gateway_resource.badge",
        "aws_api_gateway_resource.health",
        "aws_api_gateway_resource.stats",
        "aws_api_gateway_resource.sync",
        "aws_api_gateway_rest_api.this",
        "aws_api_gateway_rest_api_policy.source_cidrs",
        "aws_api_gateway_stage.this",
        "aws_api_gateway_usage_plan.this",
        "aws_api_gateway_usage_plan_key.github_actions",
        "aws_api_gateway_usage_plan_key.personal",
        "aws_cloudwatch_log_group.api_access",
        "aws_cloudwatch_log_group.api_execution",
        "aws_cloudwatch_log_group.read",
        "aws_cloudwatch_log_group.sync",
        "aws_cloudwatch_metric_alarm.api_5xx_rate",
        "aws_cloudwatch_metric_alarm.read_throttles",
        "aws_cloudwatch_metric_alarm.sync_dead_letters",
        "aws_cloudwatch_metric_alarm.sync_duration",
        "aws_cloudwatch_metric_alarm.sync_errors",
        "aws_cloudwatch_metric_alarm.sync_failures",
        "aws_cloudwatch_metric_alarm.sync_stale",
        "aws_cloudwatch_metric_alarm.sync_throttles",
        "aws_iam_openid_connect_provider.github",
        "aws_iam_role.api_gateway_cloudwatch",
        "aws_iam_role.github_apply",
        "aws_iam_role.github_deploy",
        "aws_iam_role.github_plan",
        "aws_iam_role.read",
        "aws_iam_role.scheduler",
        "aws_iam_role.sync",
        "aws_iam_role_policy.github_apply",
        "aws_iam_role_policy.github_deploy",
        "aws_iam_role_policy.github_plan",
        "aws_iam_role_policy.read",
        "aws_iam_role_policy.scheduler",
        "aws_iam_role_policy.sync",
        "aws_iam_role_policy_attachment.api_gateway_cloudwatch",
        "aws_iam_role_policy_attachment.github_plan_read_only",
        "aws_kms_alias.this",
        "aws_kms_key.this",
        "aws_lambda_alias.read_live",
        "aws_lambda_alias.sync_live",
        "aws_lambda_function.read",
        "aws_lambda_function.sync",
        "aws_lambda_function_event_invoke_config.sync_live",
        "aws_lambda_permission.api_badge_get",
        "aws_lambda_permission.api_health_get",
        "aws_lambda_permission.api_stats_get",
        "aws_lambda_permission.api_sync_post",
        "aws_s3_bucket.data",
        "aws_s3_bucket_lifecycle_configuration.data",
        "aws_s3_bucket_ownership_controls.data",
        "aws_s3_bucket_policy.data",
        "aws_s3_bucket_public_access_block.data",
        "aws_s3_bucket_server_side_encryption_configuration.data",
        "aws_s3_bucket_versioning.data",
        "aws_scheduler_schedule.daily_sync",
        "aws_scheduler_schedule.evening_check",
        "aws_secretsmanager_secret.api_keys",
        "aws_secretsmanager_secret.smashrun_oauth",
        "aws_sns_topic.alerts",
        "aws_sns_topic_policy.alerts",
        "aws_sns_topic_subscription.alert_email",
        "aws_sqs_queue.sync_dead_letters",
    }
)

_ADDRESS = re.compile(r'^(?P<kind>aws_\w+)\.(?P<name>\w+(?:\["[\w.-]+"\])?)$')


def declared_now() -> set[str]:
    """Every resource instance the stack declares now, addressed as Terraform does."""
    return {f"{kind}.{name}" for kind, name in load_stack().instances}


def test_the_stack_moves_something() -> None:
    assert load_stack().moved, "no moved blocks: did the addresses change back?"


@pytest.mark.parametrize("move", load_stack().moved, ids=lambda move: move["from"])
def test_every_move_is_from_an_address_the_stack_declared_before(move: dict[str, str]) -> None:
    assert _ADDRESS.match(move["from"]), f"not a resource address: {move['from']}"
    assert move["from"] in ADDRESSES_BEFORE_FOR_EACH


@pytest.mark.parametrize("move", load_stack().moved, ids=lambda move: move["from"])
def test_every_move_is_to_an_address_the_stack_declares_now(move: dict[str, str]) -> None:
    # Given a move / Then its target is declared, and what it moves from is not any more
    assert _ADDRESS.match(move["to"]), f"not a resource address: {move['to']}"
    assert move["to"] in declared_now()
    assert move["from"] not in declared_now()


def test_no_two_moves_share_an_address() -> None:
    moves = load_stack().moved
    targets = Counter(move["to"] for move in moves)
    sources = Counter(move["from"] for move in moves)
    assert [to for to, count in targets.items() if count > 1] == []
    assert [source for source, count in sources.items() if count > 1] == []


def test_no_resource_of_an_existing_state_is_left_behind() -> None:
    # Given what a state from before holds and what the stack declares now
    moves = {move["from"]: move["to"] for move in load_stack().moved}
    now = declared_now()

    # When every old address follows its move, if it has one
    followed = {moves.get(address, address) for address in ADDRESSES_BEFORE_FOR_EACH}

    # Then each lands on something declared: a plan destroys nothing that was there (a
    # resource removed on purpose leaves the list above with its removal)
    assert sorted(followed - now) == []
