output "api_url" {
  description = "Invoke URL of the API stage; append /stats, /health, /sync or /badge.svg."
  value       = aws_api_gateway_stage.this.invoke_url
}

output "sync_function_name" {
  description = "Name of the sync function (POST /sync, schedules)."
  value       = aws_lambda_function.sync.function_name
}

output "read_function_name" {
  description = "Name of the read function (GET /stats, /health, /badge.svg)."
  value       = aws_lambda_function.read.function_name
}

output "sync_live_alias_arn" {
  description = "ARN of the sync function's live alias, which the deploy workflow moves."
  value       = aws_lambda_alias.sync_live.arn
}

output "read_live_alias_arn" {
  description = "ARN of the read function's live alias, which the deploy workflow moves."
  value       = aws_lambda_alias.read_live.arn
}

output "data_bucket_name" {
  description = "S3 bucket holding runs.duckdb and the JSON the API serves."
  value       = aws_s3_bucket.data.bucket
}

output "streak_db" {
  description = "STREAK_DB value for a laptop that should use the deployed database."
  value       = local.streak_db
}

output "smashrun_oauth_secret_arn" {
  description = "Secret for the SmashRun tokens; fill it with `streak auth --secret-id <arn>`."
  value       = aws_secretsmanager_secret.smashrun_oauth.arn
}

output "api_keys_secret_arn" {
  description = "Secret for the API keys; fill it with `aws secretsmanager put-secret-value`."
  value       = aws_secretsmanager_secret.api_keys.arn
}

# Ids only: they name a key without granting anything. The values stay in API Gateway
# (and, sensitive, in the state); `aws apigateway get-api-key --include-value` reads them.
output "api_key_ids" {
  description = "Ids of the API Gateway keys personal and github_actions (not their values)."
  value = {
    personal       = aws_api_gateway_api_key.this["personal"].id
    github_actions = aws_api_gateway_api_key.this["github_actions"].id
  }
}

output "alerts_topic_arn" {
  description = "SNS topic for alarms and at-risk alerts."
  value       = aws_sns_topic.alerts.arn
}

output "sync_dead_letter_queue_url" {
  description = "SQS queue holding scheduled runs that never completed."
  value       = aws_sqs_queue.sync_dead_letters.url
}

output "kms_key_arn" {
  description = "The stack's KMS key (data bucket, secrets, topic, logs)."
  value       = aws_kms_key.this.arn
}

output "github_plan_role_arn" {
  description = "Role for `terraform plan` jobs (AWS_PLAN_ROLE_ARN in the workflows)."
  value       = aws_iam_role.github_plan.arn
}

output "github_apply_role_arn" {
  description = "Role for `terraform apply` jobs (AWS_APPLY_ROLE_ARN in the workflows)."
  value       = aws_iam_role.github_apply.arn
}

output "github_deploy_role_arn" {
  description = "Role for the Lambda deploy job (AWS_DEPLOY_ROLE_ARN in the workflows)."
  value       = aws_iam_role.github_deploy.arn
}

output "page_token_secret_arn" {
  description = "Secret for the page's share token; fill it (and print the link) with `streak page-link --rotate --secret-id <arn> --base-url <api_url>`."
  value       = aws_secretsmanager_secret.page_token.arn
}
