# Development: same shape as prod, shorter log retention, check schedule off.
# Secrets are never set here: see docs/deploy.md, step 4 "Put the secrets".
environment = "dev"
aws_region  = "us-east-1"
# github_repository and state_bucket come from the workflow (TF_VAR_github_repository,
# TF_VAR_state_bucket): see README.md.

# FIRST (docs/deploy.md, step 0), as in prod.tfvars: your home zone and the alert address
# (dev's evening check is off, so null is fine here). Uncomment, edit:
# timezone    = "Europe/London"
# alert_email = null

streak_rule      = "usrsa"
min_distance     = "1mi"
sync_time_local  = "06:00"
check_time_local = "20:00"

# Dev nags nobody in the evening.
check_schedule_enabled = false
log_retention_days     = 30
public_badge           = false
allowed_source_cidrs   = []

# prod (the environment CI applies) owns the account's GitHub OIDC provider and the
# region's API Gateway logging role; dev, applied by hand next to it, reuses both. In an
# account of its own, set both to true.
create_github_oidc_provider = false
manage_api_gateway_account  = false
