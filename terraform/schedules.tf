locals {
  sync_hour   = tonumber(split(":", var.sync_time_local)[0])
  sync_minute = tonumber(split(":", var.sync_time_local)[1])

  check_hour   = tonumber(split(":", var.check_time_local)[0])
  check_minute = tonumber(split(":", var.check_time_local)[1])

  # EventBridge Scheduler evaluates these in var.timezone, so 06:00 stays 06:00 local
  # across daylight-saving changes instead of drifting an hour as a UTC cron would.
  sync_schedule_expression  = "cron(${local.sync_minute} ${local.sync_hour} * * ? *)"
  check_schedule_expression = "cron(${local.check_minute} ${local.check_hour} * * ? *)"
}

# Failed deliveries from the scheduler and failed asynchronous sync runs end up here; an
# alarm in cloudwatch.tf tells the runner as soon as one arrives.
resource "aws_sqs_queue" "sync_dead_letters" {
  name = "${local.prefix}-sync-dead-letters"
  # SQS-managed encryption, not the CMK: the scheduler's role and Lambda then need no KMS
  # grants just to drop a failure record here.
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

resource "aws_scheduler_schedule" "daily_sync" {
  #checkov:skip=CKV_AWS_297:The only schedule data is a constant, non-secret input (the action name); a CMK would add key grants to two roles and protect nothing.
  name        = "${local.prefix}-daily-sync"
  description = "Daily SmashRun sync at ${var.sync_time_local} ${var.timezone}"

  schedule_expression          = local.sync_schedule_expression
  schedule_expression_timezone = var.timezone
  state                        = "ENABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_alias.sync_live.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ streak_action = "sync" })

    # Retries a failed delivery to Lambda within the hour; a sync that ran and failed is
    # not retried (lambda.tf) but alarmed on, and tomorrow's sync catches up.
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 3
    }

    dead_letter_config {
      arn = aws_sqs_queue.sync_dead_letters.arn
    }
  }
}

resource "aws_scheduler_schedule" "evening_check" {
  #checkov:skip=CKV_AWS_297:The only schedule data is a constant, non-secret input (the action name); a CMK would add key grants to two roles and protect nothing.
  name        = "${local.prefix}-evening-check"
  description = "Evening at-risk check at ${var.check_time_local} ${var.timezone} (issue 8)"

  schedule_expression          = local.check_schedule_expression
  schedule_expression_timezone = var.timezone
  state                        = var.check_schedule_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_alias.sync_live.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ streak_action = "check" })

    # Only a failed delivery is retried here; Lambda itself never retries the check
    # (lambda.tf). An alert about today is useless tomorrow: a couple of retries within
    # the hour, then the dead-letter queue.
    retry_policy {
      maximum_event_age_in_seconds = 3600
      maximum_retry_attempts       = 2
    }

    dead_letter_config {
      arn = aws_sqs_queue.sync_dead_letters.arn
    }
  }
}
