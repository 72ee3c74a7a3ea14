# Addresses that changed when repeated blocks became one for_each each. With these, a
# state written before the change plans without destroying or creating anything: the
# objects only move to their new addresses. A test checks that every `from` was declared
# before, that every `to` is declared now, and that no two blocks move to one address.
# They may go once every state has been applied with them.

# cloudwatch.tf: log groups

moved {
  from = aws_cloudwatch_log_group.sync
  to   = aws_cloudwatch_log_group.this["sync"]
}

moved {
  from = aws_cloudwatch_log_group.read
  to   = aws_cloudwatch_log_group.this["read"]
}

moved {
  from = aws_cloudwatch_log_group.api_access
  to   = aws_cloudwatch_log_group.this["api_access"]
}

moved {
  from = aws_cloudwatch_log_group.api_execution
  to   = aws_cloudwatch_log_group.this["api_execution"]
}

# cloudwatch.tf: alarms on one metric

moved {
  from = aws_cloudwatch_metric_alarm.sync_errors
  to   = aws_cloudwatch_metric_alarm.this["sync_errors"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sync_duration
  to   = aws_cloudwatch_metric_alarm.this["sync_duration"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sync_throttles
  to   = aws_cloudwatch_metric_alarm.this["sync_throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.read_throttles
  to   = aws_cloudwatch_metric_alarm.this["read_throttles"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sync_dead_letters
  to   = aws_cloudwatch_metric_alarm.this["sync_dead_letters"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sync_failures
  to   = aws_cloudwatch_metric_alarm.this["sync_failures"]
}

moved {
  from = aws_cloudwatch_metric_alarm.sync_stale
  to   = aws_cloudwatch_metric_alarm.this["sync_stale"]
}

# api_gateway.tf: paths, integrations and Lambda permissions

moved {
  from = aws_api_gateway_resource.sync
  to   = aws_api_gateway_resource.path["sync"]
}

moved {
  from = aws_api_gateway_resource.stats
  to   = aws_api_gateway_resource.path["stats"]
}

moved {
  from = aws_api_gateway_resource.health
  to   = aws_api_gateway_resource.path["health"]
}

moved {
  from = aws_api_gateway_resource.badge
  to   = aws_api_gateway_resource.path["badge"]
}

moved {
  from = aws_api_gateway_integration.sync_post
  to   = aws_api_gateway_integration.route["sync_post"]
}

moved {
  from = aws_api_gateway_integration.stats_get
  to   = aws_api_gateway_integration.route["stats_get"]
}

moved {
  from = aws_api_gateway_integration.health_get
  to   = aws_api_gateway_integration.route["health_get"]
}

moved {
  from = aws_api_gateway_integration.badge_get
  to   = aws_api_gateway_integration.route["badge_get"]
}

moved {
  from = aws_lambda_permission.api_sync_post
  to   = aws_lambda_permission.api["sync_post"]
}

moved {
  from = aws_lambda_permission.api_stats_get
  to   = aws_lambda_permission.api["stats_get"]
}

moved {
  from = aws_lambda_permission.api_health_get
  to   = aws_lambda_permission.api["health_get"]
}

moved {
  from = aws_lambda_permission.api_badge_get
  to   = aws_lambda_permission.api["badge_get"]
}

# api_gateway.tf: keys and their usage-plan keys

moved {
  from = aws_api_gateway_api_key.personal
  to   = aws_api_gateway_api_key.this["personal"]
}

moved {
  from = aws_api_gateway_api_key.github_actions
  to   = aws_api_gateway_api_key.this["github_actions"]
}

moved {
  from = aws_api_gateway_usage_plan_key.personal
  to   = aws_api_gateway_usage_plan_key.this["personal"]
}

moved {
  from = aws_api_gateway_usage_plan_key.github_actions
  to   = aws_api_gateway_usage_plan_key.this["github_actions"]
}
