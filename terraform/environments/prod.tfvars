# Production. Secrets are never set here: see docs/deploy.md, step 4 "Put the secrets".
environment = "prod"
aws_region  = "us-east-1"
# github_repository and state_bucket come from the workflow (TF_VAR_github_repository,
# TF_VAR_state_bucket): see README.md.

timezone         = "America/New_York"
streak_rule      = "usrsa"
min_distance     = "1mi"
sync_time_local  = "06:00"
check_time_local = "20:00"

check_schedule_enabled = true
log_retention_days     = 365
public_badge           = false
allowed_source_cidrs   = []

# Set alert_email to get alarms and at-risk alerts by mail (confirm the subscription).
# alert_email = "runner@example.com"

# prod owns the account's two singletons (see dev.tfvars): apply it first.
create_github_oidc_provider = true
manage_api_gateway_account  = true
