"""The reader the Terraform tests stand on: for_each instances and dynamic blocks."""

from __future__ import annotations

from pathlib import Path

import pytest
from terraform_hcl import blocks, load_stack

ALARMS = """
locals {
  alarms = {
    errors = {
      metric     = "Errors"
      dimensions = { FunctionName = aws_lambda_function.sync.function_name }
    }
    stale = { metric = "RunsSynced", threshold = 26, missing = null }
  }
  tags   = { Project = "p", Environment = "e" }
  prefix = "streakcore-dev"
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.prefix}-${replace(each.key, "_", "-")}"
  metric_name         = each.value.metric
  dimensions          = try(each.value.dimensions, null)
  threshold           = try(each.value.threshold, 1)
  treat_missing_data  = try(each.value.missing, "notBreaching")
  alarm_actions       = [aws_sns_topic.alerts.arn]
}

data "aws_iam_policy_document" "logs" {
  for_each = toset(["sync", "read"])

  statement {
    actions   = ["logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:log-stream:*"]
    dynamic "condition" {
      for_each = local.tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }
}
"""


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(ALARMS)
    return tmp_path


def test_a_for_each_block_is_read_once_per_key_with_each_put_in(stack_dir: Path) -> None:
    # Given a block with for_each over a local map / When the stack is read
    stack = load_stack(stack_dir)

    # Then each key is an instance, each.value's entries and try() defaults put in, and a
    # null argument left out as Terraform leaves it unset
    assert set(stack.resources_of("aws_cloudwatch_metric_alarm")) == {
        'this["errors"]',
        'this["stale"]',
    }
    errors = stack.resource("aws_cloudwatch_metric_alarm", 'this["errors"]')
    stale = stack.resource("aws_cloudwatch_metric_alarm", 'this["stale"]')
    assert errors["metric_name"] == "Errors"
    assert errors["dimensions"] == {"FunctionName": "${aws_lambda_function.sync.function_name}"}
    assert errors["threshold"] == 1
    assert errors["treat_missing_data"] == "notBreaching"
    assert stale["threshold"] == 26
    assert "treat_missing_data" not in stale
    assert "dimensions" not in stale
    assert stale["alarm_actions"] == ["${aws_sns_topic.alerts.arn}"]
    assert stale["alarm_name"] == '${local.prefix}-${replace("stale", "_", "-")}'


def test_resolving_puts_in_locals_and_literal_functions(stack_dir: Path) -> None:
    stack = load_stack(stack_dir)
    alarm = stack.resource("aws_cloudwatch_metric_alarm", 'this["stale"]')
    assert stack.resolve(alarm["alarm_name"]) == "streakcore-dev-stale"


def test_dynamic_blocks_are_read_as_the_blocks_they_make(stack_dir: Path) -> None:
    # Given a for_each policy document whose statement has a dynamic condition
    stack = load_stack(stack_dir)
    document = stack.data_source("aws_iam_policy_document", 'logs["read"]')

    # Then the instance names its own log group and has one condition per tag
    statement = blocks(document, "statement")[0]
    assert statement["resources"] == ['${aws_cloudwatch_log_group.this["read"].arn}:log-stream:*']
    assert [(c["variable"], c["values"]) for c in blocks(statement, "condition")] == [
        ("aws:ResourceTag/Project", ["p"]),
        ("aws:ResourceTag/Environment", ["e"]),
    ]


def test_a_for_each_the_reader_cannot_follow_fails_loudly(tmp_path: Path) -> None:
    # Given a for_each over a variable, whose keys only a plan knows
    (tmp_path / "main.tf").write_text(
        'resource "aws_sns_topic" "this" {\n  for_each = var.topics\n  name = each.key\n}\n'
    )

    # Then reading the stack says so rather than guessing
    with pytest.raises(AssertionError, match="cannot read the for_each"):
        load_stack(tmp_path)
