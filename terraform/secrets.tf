# The secrets are created EMPTY: no aws_secretsmanager_secret_version here, ever. Their
# values are put out of band (docs/deploy.md, step 4 "Put the secrets"), so no
# secret's value is in a variable, a tfvars file or the Terraform state. (The API Gateway
# keys themselves are in the state: see api_gateway.tf and terraform/README.md.)

resource "aws_secretsmanager_secret" "smashrun_oauth" {
  #checkov:skip=CKV2_AWS_57:The application rotates this secret itself: it refreshes the SmashRun token at half-life and writes the new pair back.
  name                    = "${local.prefix}/smashrun-oauth"
  description             = "SmashRun OAuth tokens, written by `streak auth --secret-id` and refreshed by the sync function."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
}

# For clients (the notebook, the local gateway, a phone shortcut): no function reads it,
# because API Gateway checks the keys before a function runs.
resource "aws_secretsmanager_secret" "api_keys" {
  #checkov:skip=CKV2_AWS_57:API keys are rotated by hand with the API Gateway keys they mirror; there is no rotation Lambda to run.
  name                    = "${local.prefix}/api-keys"
  description             = "API keys as {\"api_keys\": {\"personal\": ..., \"github_actions\": ...}}, put with aws secretsmanager put-secret-value."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
}

# The share token of the page (GET /p/{token}): only the read function reads it (iam.tf),
# at most once a minute per container, so a rotation retires the old link within a minute.
resource "aws_secretsmanager_secret" "page_token" {
  #checkov:skip=CKV2_AWS_57:Rotated by the runner with `streak page-link --rotate --secret-id`, which retires the old link; there is no rotation Lambda to run.
  name                    = "${local.prefix}/page-token"
  description             = "The page's share token (plain text, 128 bits or more), put with `streak page-link --rotate --secret-id <arn>`."
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
}
