# Production. Secrets are never set here: see docs/deploy.md, step 4 "Put the secrets".
environment = "prod"
aws_region  = "us-east-1"
# github_repository and state_bucket come from the workflow (TF_VAR_github_repository,
# TF_VAR_state_bucket): see README.md.

# FIRST (docs/deploy.md, step 0): your home time zone and where the 20:00 alert goes. No
# plan runs until both are set: a zone decides when your day ends and when the schedules
# fire; without an address nobody hears that the streak is at risk. Uncomment, edit:
# timezone    = "Europe/London"     # an IANA name: America/Chicago, Asia/Tokyo, ...
# alert_email = "you@example.com"   # or null for no mail at all

streak_rule      = "usrsa"
min_distance     = "1mi"
sync_time_local  = "06:00"
check_time_local = "20:00"

check_schedule_enabled = true
log_retention_days     = 365
public_badge           = false
allowed_source_cidrs   = []

# prod owns the account's two singletons (see dev.tfvars): apply it first.
create_github_oidc_provider = true
manage_api_gateway_account  = true
