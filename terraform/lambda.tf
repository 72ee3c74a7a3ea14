locals {
  lambda_package_hash = filebase64sha256(var.lambda_zip_path)
  streak_db           = "s3://${aws_s3_bucket.data.bucket}/${local.db_object_key}"

  # Powertools names its EMF namespace from the first and adds a `service` dimension from
  # the second; the sync alarms in cloudwatch.tf read the same two locals, so a rename
  # here cannot leave them watching a metric nobody writes.
  powertools_service_name      = "streakcore"
  powertools_metrics_namespace = "streakcore"

  # Settings each function reads (lib/streakcore/settings.py), spelled out per function
  # so what each one can see is reviewable at a glance. No secret values: the sync
  # function gets the OAuth secret's ARN and fetches the tokens at run time, the read
  # function the page-token secret's ARN. Neither
  # function reads the API keys: API Gateway checks them before a function runs.
  sync_environment = {
    STREAK_DB                    = local.streak_db
    STREAK_TIMEZONE              = var.timezone
    STREAK_RULE                  = var.streak_rule
    STREAK_MIN_DISTANCE          = var.min_distance
    STREAK_TOKEN_SECRET_ID       = aws_secretsmanager_secret.smashrun_oauth.arn
    STREAK_API_SYNC_BUDGET_S     = tostring(var.api_sync_budget_s)
    STREAK_SYNC_BUDGET_S         = tostring(var.scheduled_sync_budget_s)
    STREAK_SNS_TOPIC_ARN         = aws_sns_topic.alerts.arn
    STREAK_CACHE_DIR             = "/tmp/streakcore"
    POWERTOOLS_SERVICE_NAME      = local.powertools_service_name
    POWERTOOLS_METRICS_NAMESPACE = local.powertools_metrics_namespace
  }

  read_environment = {
    STREAK_DB                    = local.streak_db
    STREAK_TIMEZONE              = var.timezone
    STREAK_RULE                  = var.streak_rule
    STREAK_MIN_DISTANCE          = var.min_distance
    STREAK_PAGE_TOKEN_SECRET_ID  = aws_secretsmanager_secret.page_token.arn
    STREAK_CACHE_DIR             = "/tmp/streakcore"
    POWERTOOLS_SERVICE_NAME      = local.powertools_service_name
    POWERTOOLS_METRICS_NAMESPACE = local.powertools_metrics_namespace
  }
}

# The sync path: POST /sync, the daily sync and the evening check.
resource "aws_lambda_function" "sync" {
  #checkov:skip=CKV_AWS_117:The function calls api.smashrun.com on the internet; a VPC would add a NAT gateway (~$30/month) to reach it and protect nothing here.
  #checkov:skip=CKV_AWS_173:The environment holds only ARNs and non-secret settings; Lambda encrypts it at rest with its AWS-managed key.
  #checkov:skip=CKV_AWS_272:The deploy workflow uploads the package it built and tested from the same commit; code signing would add a signer profile without a second party to trust.
  function_name = local.sync_function_name
  description   = "streakcore: sync SmashRun runs into DuckDB on S3, and the evening at-risk check"
  role          = aws_iam_role.sync.arn

  filename         = var.lambda_zip_path
  source_code_hash = local.lambda_package_hash
  handler          = local.lambda_handler
  runtime          = "python3.12"
  architectures    = [var.lambda_architecture]
  # Publish a version on every change so the live alias always points at a real version.
  publish = true

  memory_size = 512
  timeout     = 300
  # One sync at a time: two concurrent syncs would race to write runs.duckdb.
  reserved_concurrent_executions = 1

  environment {
    variables = local.sync_environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this["sync"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = "Active"
  }

  # Where a scheduled (asynchronous) run lands when it fails or waits in Lambda's queue
  # longer than the event invoke config below allows.
  dead_letter_config {
    target_arn = aws_sqs_queue.sync_dead_letters.arn
  }

  # The role's log and queue permissions must exist before the first invocation.
  depends_on = [aws_iam_role_policy.sync]
}

# The read path: GET /stats, /health and /badge.svg never queue behind a running sync.
resource "aws_lambda_function" "read" {
  #checkov:skip=CKV_AWS_116:Only API Gateway invokes this function, synchronously; a dead-letter queue only receives asynchronous invocations.
  #checkov:skip=CKV_AWS_117:Nothing to reach inside a VPC (S3 is a public endpoint); a VPC would only add cost.
  #checkov:skip=CKV_AWS_173:The environment holds only ARNs and non-secret settings; Lambda encrypts it at rest with its AWS-managed key.
  #checkov:skip=CKV_AWS_272:The deploy workflow uploads the package it built and tested from the same commit; code signing would add a signer profile without a second party to trust.
  function_name = local.read_function_name
  description   = "streakcore: serve stats, health and the badge from the synced data"
  role          = aws_iam_role.read.arn

  filename         = var.lambda_zip_path
  source_code_hash = local.lambda_package_hash
  handler          = local.lambda_handler
  runtime          = "python3.12"
  architectures    = [var.lambda_architecture]
  publish          = true

  memory_size                    = var.read_memory_mb
  timeout                        = var.read_timeout_s
  reserved_concurrent_executions = var.read_reserved_concurrency

  environment {
    variables = local.read_environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this["read"].name
    application_log_level = "INFO"
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_iam_role_policy.read]
}

# API Gateway and the schedules invoke these aliases, never $LATEST.
resource "aws_lambda_alias" "sync_live" {
  name             = local.live_alias_name
  description      = "What API Gateway and the schedules run; moved by the deploy workflow."
  function_name    = aws_lambda_function.sync.function_name
  function_version = aws_lambda_function.sync.version

  lifecycle {
    # The deploy workflow publishes a version and moves this alias after its smoke test,
    # outside Terraform. Without this, every plan would try to move live back to the
    # version Terraform last published (a rollback). Terraform sets it only on creation;
    # after an apply that changes function settings, run the deploy workflow to go live.
    ignore_changes = [function_version]
  }
}

resource "aws_lambda_alias" "read_live" {
  name             = local.live_alias_name
  description      = "What API Gateway runs; moved by the deploy workflow."
  function_name    = aws_lambda_function.read.function_name
  function_version = aws_lambda_function.read.version

  lifecycle {
    # Same as sync_live: the deploy workflow owns which version is live.
    ignore_changes = [function_version]
  }
}

# Both schedules invoke the live alias asynchronously. Lambda neither retries a failed
# run nor keeps an event queued for long: a retry runs the whole check or sync a second
# time, and an evening check queued for hours could run after midnight and judge the
# wrong "today". Each
# schedule's own retry_policy (schedules.tf) retries a delivery that failed; a run that
# failed goes to the function's dead_letter_config, and the alarms say so.
resource "aws_lambda_function_event_invoke_config" "sync_live" {
  function_name          = aws_lambda_function.sync.function_name
  qualifier              = aws_lambda_alias.sync_live.name
  maximum_retry_attempts = 0
  # An event waits in Lambda's queue while a sync runs (reserved concurrency 1, at most
  # 300 s), so an hour is ample; after that it is dead-lettered, not run late.
  maximum_event_age_in_seconds = 3600
}
