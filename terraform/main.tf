provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge(var.tags, local.stack_tags, { ManagedBy = "terraform" })
  }
}

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  prefix = "${var.project}-${var.environment}"
  # Tags on every resource (above), which the apply role's KMS statements also match on.
  stack_tags = { Project = var.project, Environment = var.environment }
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.region
  partition  = data.aws_partition.current.partition

  # The issue names the bucket <project>-data-<account_id>; the environment is added so
  # dev and prod can live in one account without sharing (or clobbering) the runner's data.
  data_bucket_name = "${var.project}-${var.environment}-data-${local.account_id}"

  db_object_key = "runs.duckdb"
  # Every object the sync writes and the read path serves; IAM grants exactly these keys.
  # The companions are named after the database (materialised_stats.companion_key); the
  # alerts document is the evening check's one-alert-a-day claim.
  data_object_keys = [
    local.db_object_key,
    "${local.db_object_key}.backup",
    "${local.db_object_key}.stats.json",
    "${local.db_object_key}.sync_state.json",
    "${local.db_object_key}.health.json",
    "${local.db_object_key}.alerts.json",
    "${local.db_object_key}.days.json",
  ]
  data_object_arns = [for key in local.data_object_keys : "${aws_s3_bucket.data.arn}/${key}"]

  sync_function_name = "${local.prefix}-sync"
  read_function_name = "${local.prefix}-read"
  lambda_handler     = "streak_lambda.handler.lambda_handler"
  live_alias_name    = "live"

  sync_log_group_name       = "/aws/lambda/${local.sync_function_name}"
  read_log_group_name       = "/aws/lambda/${local.read_function_name}"
  api_access_log_group_name = "/aws/apigateway/${local.prefix}-access"
  # API Gateway picks this name for its execution (error) logs; creating the group first
  # gives it a retention and our key instead of "never expire".
  api_execution_log_group_name = "API-Gateway-Execution-Logs_${aws_api_gateway_rest_api.this.id}/${var.api_stage_name}"

  github_environment = coalesce(var.github_environment, var.environment)
}
