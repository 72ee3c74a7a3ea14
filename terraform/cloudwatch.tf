# ---------------------------------------------------------------------- log groups

# Every log group of the stack keeps the same retention and is encrypted with the stack
# key; the names are in main.tf, where the key policy and the CI roles read them too.
locals {
  log_group_names = {
    sync          = local.sync_log_group_name
    read          = local.read_log_group_name
    api_access    = local.api_access_log_group_name
    api_execution = local.api_execution_log_group_name
  }
}

resource "aws_cloudwatch_log_group" "this" {
  for_each = local.log_group_names

  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

# -------------------------------------------------------------------------- alarms
# Every alarm notifies the alerts topic when it fires and when it clears. Missing data
# means nothing ran, which is not a failure, except for sync_stale, which exists to
# notice exactly that.

locals {
  # The alarms on one metric, by name: the alarm is "<prefix>-<name with hyphens>". Each
  # entry gives the metric and what it means, and only those arguments of
  # aws_cloudwatch_metric_alarm.this in which it differs from the defaults there (any
  # error at all in five minutes); a test holds the entries to those argument names.
  metric_alarms = {
    sync_errors = {
      description = "A sync (scheduled, evening check or POST /sync) raised an error."
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = aws_lambda_function.sync.function_name }
    }

    sync_duration = {
      description         = "A sync ran longer than 270 s: 30 s from the 300 s timeout, so backfills need smaller budgets."
      namespace           = "AWS/Lambda"
      metric_name         = "Duration"
      dimensions          = { FunctionName = aws_lambda_function.sync.function_name }
      statistic           = "Maximum"
      threshold           = 270000
      comparison_operator = "GreaterThanThreshold"
    }

    sync_throttles = {
      description = "A sync was throttled: two syncs overlapped (reserved concurrency is 1)."
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = { FunctionName = aws_lambda_function.sync.function_name }
    }

    read_throttles = {
      description = "A read (stats, health or badge) was throttled by the read function's reserved concurrency."
      namespace   = "AWS/Lambda"
      metric_name = "Throttles"
      dimensions  = { FunctionName = aws_lambda_function.read.function_name }
    }

    # Counts arrivals, not what is waiting: the queue keeps a message 14 days, so an alarm
    # on the messages visible would stay in ALARM after the first dead letter and say
    # nothing about the next one. Scheduler and Lambda send to the queue themselves (no
    # redrive policy), which NumberOfMessagesSent counts.
    sync_dead_letters = {
      description = "A scheduled sync or check never ran to completion; its event went to the dead-letter queue."
      namespace   = "AWS/SQS"
      metric_name = "NumberOfMessagesSent"
      dimensions  = { QueueName = aws_sqs_queue.sync_dead_letters.name }
    }

    # The sync reports a failed run in its own EMF metric, also when it returns normally
    # instead of raising, which the AWS/Lambda Errors alarm above cannot see. Namespace
    # and the `service` dimension Powertools adds come from the locals the function's
    # environment is built from (lambda.tf).
    sync_failures = {
      description = "A sync (scheduled, evening check or POST /sync) reported SyncFailures in the last day; see the sync log group and GET /health."
      namespace   = local.powertools_metrics_namespace
      metric_name = "SyncFailures"
      dimensions  = { service = local.powertools_service_name }
      # A sliding day: one failure keeps the alarm in ALARM for a day, so a failed morning
      # sync and a failed evening check make one notification, not two.
      period = 86400
    }

    # Every finished sync writes a RunsSynced datapoint, zero new runs included. None for
    # 26 hours means no sync ran at all: a disabled schedule, a scheduler that cannot
    # invoke the alias, a function that dies before its metrics are written.
    sync_stale = {
      description = "No sync has finished in 26 hours (no RunsSynced datapoint): the daily schedule or the sync function is not running."
      namespace   = local.powertools_metrics_namespace
      metric_name = "RunsSynced"
      dimensions  = { service = local.powertools_service_name }
      # SampleCount, not Sum: a day with no new run is a healthy sync that reports 0.
      statistic = "SampleCount"
      # 26 hourly periods, every one empty: the 24 hours between two daily syncs plus two
      # for a late delivery (an hour of scheduler retries, an hour in Lambda's queue).
      period              = 3600
      evaluation_periods  = 26
      datapoints_to_alarm = 26
      comparison_operator = "LessThanThreshold"
      # Missing data is the very thing this alarm watches for.
      treat_missing_data = "breaching"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.metric_alarms

  alarm_name        = "${local.prefix}-${replace(each.key, "_", "-")}"
  alarm_description = each.value.description
  namespace         = each.value.namespace
  metric_name       = each.value.metric_name
  dimensions        = each.value.dimensions
  # The defaults: the sum over five minutes reaches 1, and a period without data is fine.
  statistic           = try(each.value.statistic, "Sum")
  period              = try(each.value.period, 300)
  evaluation_periods  = try(each.value.evaluation_periods, 1)
  datapoints_to_alarm = try(each.value.datapoints_to_alarm, null)
  threshold           = try(each.value.threshold, 1)
  comparison_operator = try(each.value.comparison_operator, "GreaterThanOrEqualToThreshold")
  treat_missing_data  = try(each.value.treat_missing_data, "notBreaching")
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]
}

# The API's alarm is metric math over two metrics, so it is not one of the map's.
resource "aws_cloudwatch_metric_alarm" "api_5xx_rate" {
  alarm_name          = "${local.prefix}-api-5xx-rate"
  alarm_description   = "More than 5% of API requests failed with a 5xx over 5 minutes."
  evaluation_periods  = 1
  threshold           = 5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  actions_enabled     = true
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx error rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "5XXError"
      dimensions  = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = { ApiName = aws_api_gateway_rest_api.this.name, Stage = aws_api_gateway_stage.this.stage_name }
      stat        = "Sum"
      period      = 300
    }
  }
}
