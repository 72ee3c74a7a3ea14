variable "project" {
  type        = string
  description = "Project name; first part of every resource name."
  default     = "streakcore"

  validation {
    # Lower case so it is valid in an S3 bucket name; short so the bucket name stays under 63.
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.project))
    error_message = "project must be 2-20 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  type        = string
  description = "Deployment environment (e.g. dev, prod); second part of every resource name."

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be 2-10 lower-case letters or digits, starting with a letter."
  }
}

variable "aws_region" {
  type        = string
  description = "AWS region of the whole stack."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region must look like us-east-1 or eu-west-2."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (Project, Environment and ManagedBy are always set)."
  default     = {}
}

variable "lambda_zip_path" {
  type        = string
  description = "Deployment package built by `nox -s package`, relative to the terraform/ directory."
  default     = "../dist/lambda.zip"

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must point at a .zip file."
  }
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of both functions; the package must be built for the same one."
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "read_memory_mb" {
  type        = number
  description = "Memory of the read function (GET /stats, /health, /badge.svg)."
  default     = 256

  validation {
    condition     = var.read_memory_mb >= 128 && var.read_memory_mb <= 10240
    error_message = "read_memory_mb must be between 128 and 10240."
  }
}

variable "read_timeout_s" {
  type        = number
  description = "Timeout of the read function in seconds; well under API Gateway's 29 s."
  default     = 10

  validation {
    condition     = var.read_timeout_s >= 1 && var.read_timeout_s <= 28
    error_message = "read_timeout_s must be between 1 and 28 (API Gateway gives up at 29 s)."
  }
}

variable "read_reserved_concurrency" {
  type        = number
  description = "Reserved concurrency of the read function: caps what a flood of GETs can cost."
  default     = 5

  validation {
    condition     = var.read_reserved_concurrency >= 1 && var.read_reserved_concurrency <= 100
    error_message = "read_reserved_concurrency must be between 1 and 100."
  }
}

variable "timezone" {
  type        = string
  description = "The runner's home IANA time zone (e.g. Europe/London): decides 'today', when the schedules fire, and the unit of the alert text (mi in the US and the UK, km elsewhere). No default: set it first (docs/deploy.md, step 0)."

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2})$", var.timezone))
    error_message = "timezone must be an IANA name such as America/New_York, Europe/London or UTC."
  }
}

variable "streak_rule" {
  type        = string
  description = "What makes a streak day: usrsa (day total >= minimum), strict (one run >= minimum) or any."
  default     = "usrsa"

  validation {
    condition     = contains(["usrsa", "strict", "any"], var.streak_rule)
    error_message = "streak_rule must be usrsa, strict or any."
  }
}

variable "min_distance" {
  type        = string
  description = "Minimum distance of a streak day, e.g. 1mi, 1.6km or 1609m."
  default     = "1mi"

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?(mi|km|m)$", var.min_distance))
    error_message = "min_distance must be a number and a unit (mi, km or m), e.g. 1mi."
  }
}

variable "api_sync_budget_s" {
  type        = number
  description = "Seconds POST /sync may spend before answering 'partial', so it beats API Gateway's 29 s timeout."
  default     = 20

  validation {
    condition     = var.api_sync_budget_s > 0 && var.api_sync_budget_s <= 25
    error_message = "api_sync_budget_s must be above 0 and at most 25 (API Gateway gives up at 29 s)."
  }
}

variable "scheduled_sync_budget_s" {
  type        = number
  description = "Seconds a scheduled sync may spend; leaves headroom under the 300 s function timeout."
  default     = 240

  validation {
    condition     = var.scheduled_sync_budget_s > 0 && var.scheduled_sync_budget_s <= 270
    error_message = "scheduled_sync_budget_s must be above 0 and at most 270."
  }
}

variable "sync_time_local" {
  type        = string
  description = "Local time (HH:MM, in var.timezone) of the daily sync."
  default     = "06:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.sync_time_local))
    error_message = "sync_time_local must be HH:MM on a 24-hour clock."
  }
}

variable "check_time_local" {
  type        = string
  description = "Local time (HH:MM, in var.timezone) of the evening at-risk check; 21:45 at the latest."
  default     = "20:00"

  validation {
    # A check may start up to two hours late (an hour of scheduler retries, an hour in
    # Lambda's queue) and run for five minutes: from 21:45 it still ends before midnight,
    # on the day it is about.
    condition     = can(regex("^(([01][0-9]|20):[0-5][0-9]|21:([0-3][0-9]|4[0-5]))$", var.check_time_local))
    error_message = "check_time_local must be HH:MM on a 24-hour clock, 21:45 at the latest (a late check must not cross midnight)."
  }
}

variable "check_schedule_enabled" {
  type        = bool
  description = "Whether the evening at-risk check runs (the schedule is kept, only disabled)."
  default     = true
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every log group, in days."
  default     = 365

  validation {
    condition = contains(
      [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
      var.log_retention_days,
    )
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (e.g. 30, 90, 365)."
  }
}

variable "alert_email" {
  type        = string
  description = "Email address that gets the 20:00 at-risk alert and the alarms (confirm AWS's mail once). No default: set it first, or to null on purpose for no mail (docs/deploy.md, step 0)."

  validation {
    condition     = var.alert_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an email address or null."
  }
}

variable "public_badge" {
  type        = bool
  description = "Serve GET /badge.svg without an API key (e.g. for a README); off by default."
  default     = false
}

variable "allowed_source_cidrs" {
  type        = list(string)
  description = "If not empty, a resource policy lets only these CIDRs call the API; empty = no restriction."
  default     = []

  validation {
    condition     = alltrue([for cidr in var.allowed_source_cidrs : can(cidrhost(cidr, 0))])
    error_message = "allowed_source_cidrs must hold CIDR blocks such as 203.0.113.0/24."
  }
}

variable "api_stage_name" {
  type        = string
  description = "Name of the API Gateway stage; the last part of the API URL."
  default     = "v1"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]{1,32}$", var.api_stage_name))
    error_message = "api_stage_name must be 1-32 letters, digits or underscores."
  }
}

variable "manage_api_gateway_account" {
  type        = bool
  description = "Set the region-wide API Gateway CloudWatch role; false when another stack in the account already does."
  default     = true
}

variable "github_repository" {
  type        = string
  description = "GitHub repository (owner/name) whose workflows may assume the CI roles."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "github_environment" {
  type        = string
  description = "GitHub environment whose jobs may apply and deploy; null means the same as var.environment."
  default     = null
}

variable "create_github_oidc_provider" {
  type        = bool
  description = "Create the account's GitHub OIDC provider; false when it exists already (one per account)."
  default     = true
}

variable "state_bucket" {
  type        = string
  description = "S3 bucket holding Terraform state (made at bootstrap); the CI roles may use only this stack's key."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket))
    error_message = "state_bucket must be a valid S3 bucket name."
  }
}
