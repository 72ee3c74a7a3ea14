# GitHub Actions reaches AWS through OIDC: short-lived credentials per job, no access
# keys stored anywhere. Three roles, least privilege for each kind of job:
#   plan   read-only; pull requests, main and the environment may assume it
#   apply  manages this stack's resources; main and the environment only
#   deploy publishes Lambda versions and moves the live aliases; main and the environment

locals {
  github_oidc_host = "token.actions.githubusercontent.com"
  github_oidc_provider_arn = (
    var.create_github_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
    : data.aws_iam_openid_connect_provider.github[0].arn
  )

  # Exact subjects (StringEquals, no wildcards): a fork, another branch or another
  # repository can never match.
  github_main_subject        = "repo:${var.github_repository}:ref:refs/heads/main"
  github_environment_subject = "repo:${var.github_repository}:environment:${local.github_environment}"
  github_pr_subject          = "repo:${var.github_repository}:pull_request"

  state_key_arn  = "arn:${local.partition}:s3:::${var.state_bucket}/${var.project}/${var.environment}.tfstate"
  state_lock_arn = "${local.state_key_arn}.tflock"

  arn_prefix_logs = "arn:${local.partition}:logs:${local.region}:${local.account_id}"
  arn_prefix_iam  = "arn:${local.partition}:iam::${local.account_id}"
}

# One GitHub OIDC provider per account: the second environment in an account reads it.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 0 : 1

  url = "https://${local.github_oidc_host}"
}

data "aws_iam_policy_document" "github_plan_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values = [
        local.github_pr_subject,
        local.github_main_subject,
        local.github_environment_subject,
      ]
    }
  }
}

data "aws_iam_policy_document" "github_main_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc_host}:sub"
      values = [
        local.github_main_subject,
        local.github_environment_subject,
      ]
    }
  }
}

# Both Terraform roles lock and read the state; only apply writes it.
data "aws_iam_policy_document" "terraform_state_read" {
  statement {
    sid       = "ListStateBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${var.state_bucket}"]
  }

  statement {
    sid       = "ReadThisStacksState"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [local.state_key_arn]
  }

  statement {
    # Plan takes the lock too (use_lockfile), so a plan never reads a half-written state.
    sid       = "TakeTheStateLock"
    effect    = "Allow"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [local.state_lock_arn]
  }
}

# ---------------------------------------------------------------------- plan role

resource "aws_iam_role" "github_plan" {
  name                 = "${local.prefix}-gha-plan"
  description          = "GitHub Actions: terraform plan (read-only)"
  assume_role_policy   = data.aws_iam_policy_document.github_plan_assume.json
  max_session_duration = 3600
}

# Refreshing state reads the configuration of every resource type in the stack; AWS's
# ReadOnlyAccess covers them all without hand-listing dozens of Describe/Get/List calls.
# The explicit denies below take the runner's data, secret values and API key values back
# out of it. The role still reads the state, which holds the API key values: see
# terraform/README.md, "Decisions and trade-offs".
resource "aws_iam_role_policy_attachment" "github_plan_read_only" {
  role       = aws_iam_role.github_plan.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

data "aws_iam_policy_document" "github_plan" {
  source_policy_documents = [data.aws_iam_policy_document.terraform_state_read.json]

  statement {
    sid    = "NeverReadRunnerData"
    effect = "Deny"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
    ]
    # Every object of the data bucket, whatever its key.
    resources = ["${aws_s3_bucket.data.arn}/*"]
  }

  statement {
    sid     = "NeverReadSecretValues"
    effect  = "Deny"
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      aws_secretsmanager_secret.smashrun_oauth.arn,
      aws_secretsmanager_secret.api_keys.arn,
    ]
  }

  statement {
    # ReadOnlyAccess allows apigateway:GET everywhere, and GET /apikeys?includeValues,
    # GET /apikeys/{id}?includeValue and a usage plan's keys all answer with key values.
    # IAM has no condition on includeValue, so every read of a key is denied. Terraform
    # refreshes the keys with exactly these calls, so pull-request plans skip the refresh
    # (terraform-plan.yml); the apply role's plan refreshes everything.
    sid     = "NeverReadApiKeyValues"
    effect  = "Deny"
    actions = ["apigateway:GET"]
    resources = [
      "arn:${local.partition}:apigateway:${local.region}::/apikeys",
      # Every key of the region, whatever id API Gateway generated for it.
      "arn:${local.partition}:apigateway:${local.region}::/apikeys/*",
      # The keys of every usage plan: a usage plan key carries its value too.
      "arn:${local.partition}:apigateway:${local.region}::/usageplans/*/keys",
      "arn:${local.partition}:apigateway:${local.region}::/usageplans/*/keys/*",
    ]
  }
}

resource "aws_iam_role_policy" "github_plan" {
  name   = "terraform-plan"
  role   = aws_iam_role.github_plan.id
  policy = data.aws_iam_policy_document.github_plan.json
}

# --------------------------------------------------------------------- apply role

resource "aws_iam_role" "github_apply" {
  name                 = "${local.prefix}-gha-apply"
  description          = "GitHub Actions: terraform apply of this stack"
  assume_role_policy   = data.aws_iam_policy_document.github_main_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "github_apply" {
  #checkov:skip=CKV_AWS_356:The only "*" resources are list/create calls that AWS cannot scope (each one has a comment saying which).
  source_policy_documents = [data.aws_iam_policy_document.terraform_state_read.json]

  statement {
    sid       = "WriteThisStacksState"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = [local.state_key_arn]
  }

  statement {
    sid    = "ManageTheDataBucket"
    effect = "Allow"
    # Terraform manages the bucket and each of its sub-resources (versioning, lifecycle,
    # encryption, policy, ownership, public access block), each with its own Get/Put
    # pair; all on this one bucket ARN, so object actions (which need object ARNs) are
    # not granted.
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn]
  }

  statement {
    sid    = "ManageTheStacksRoles"
    effect = "Allow"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
      "iam:UpdateAssumeRolePolicy",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:ListRoleTags",
      "iam:PutRolePolicy",
      "iam:GetRolePolicy",
      "iam:DeleteRolePolicy",
      "iam:ListRolePolicies",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
    ]
    # The stack's roles all start with its prefix; the suffix names each role.
    resources = ["${local.arn_prefix_iam}:role/${local.prefix}-*"]
  }

  statement {
    sid       = "AttachOnlyTheTwoManagedPolicies"
    effect    = "Allow"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = ["${local.arn_prefix_iam}:role/${local.prefix}-*"] # the stack's roles, as above
    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values = [
        "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess",
        "arn:${local.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
      ]
    }
  }

  statement {
    sid     = "PassRolesToLambda"
    effect  = "Allow"
    actions = ["iam:PassRole"]
    resources = [
      aws_iam_role.sync.arn,
      aws_iam_role.read.arn,
    ]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["lambda.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassRoleToScheduler"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.scheduler.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["scheduler.amazonaws.com"]
    }
  }

  statement {
    sid       = "PassRoleToApiGateway"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = ["${local.arn_prefix_iam}:role/${local.prefix}-apigw-cloudwatch"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["apigateway.amazonaws.com"]
    }
  }

  statement {
    sid    = "ManageTheGitHubOidcProvider"
    effect = "Allow"
    actions = [
      "iam:CreateOpenIDConnectProvider",
      "iam:GetOpenIDConnectProvider",
      "iam:DeleteOpenIDConnectProvider",
      "iam:TagOpenIDConnectProvider",
      "iam:UntagOpenIDConnectProvider",
      "iam:UpdateOpenIDConnectProviderThumbprint",
      "iam:AddClientIDToOpenIDConnectProvider",
      "iam:RemoveClientIDFromOpenIDConnectProvider",
    ]
    resources = ["${local.arn_prefix_iam}:oidc-provider/${local.github_oidc_host}"]
  }

  statement {
    sid     = "ListUnscopableIdentities"
    effect  = "Allow"
    actions = ["iam:ListOpenIDConnectProviders"]
    # A list call has no resource to name: AWS requires "*".
    resources = ["*"]
  }

  statement {
    sid    = "ManageTheStacksFunctions"
    effect = "Allow"
    # Function, alias, version, permission, concurrency and event-invoke resources use
    # some 25 Lambda actions, all on these function ARNs (and their qualifiers).
    actions = ["lambda:*"]
    resources = [
      # The stack's functions and every version and alias of them.
      "arn:${local.partition}:lambda:${local.region}:${local.account_id}:function:${local.prefix}-*",
    ]
  }

  statement {
    sid    = "ManageRestApisKeysAndPlans"
    effect = "Allow"
    # Routes, methods, integrations, deployments, stages, keys and usage plans are each a
    # REST path under these collections, with Terraform using GET/POST/PUT/PATCH/DELETE.
    actions = ["apigateway:*"]
    # API ids are generated by AWS, so the paths below need wildcards; the account
    # setting and tags are single paths.
    resources = [
      "arn:${local.partition}:apigateway:${local.region}::/restapis",
      "arn:${local.partition}:apigateway:${local.region}::/restapis/*",
      "arn:${local.partition}:apigateway:${local.region}::/apikeys",
      "arn:${local.partition}:apigateway:${local.region}::/apikeys/*",
      "arn:${local.partition}:apigateway:${local.region}::/usageplans",
      "arn:${local.partition}:apigateway:${local.region}::/usageplans/*",
      "arn:${local.partition}:apigateway:${local.region}::/account",
      "arn:${local.partition}:apigateway:${local.region}::/tags/*",
    ]
  }

  statement {
    sid    = "ManageTheStacksLogGroups"
    effect = "Allow"
    actions = [
      "logs:CreateLogGroup",
      "logs:DeleteLogGroup",
      "logs:PutRetentionPolicy",
      "logs:DeleteRetentionPolicy",
      "logs:AssociateKmsKey",
      "logs:DisassociateKmsKey",
      "logs:TagResource",
      "logs:UntagResource",
      "logs:ListTagsForResource",
      "logs:TagLogGroup",
      "logs:ListTagsLogGroup",
    ]
    resources = [
      "${local.arn_prefix_logs}:log-group:${local.sync_log_group_name}",
      "${local.arn_prefix_logs}:log-group:${local.read_log_group_name}",
      "${local.arn_prefix_logs}:log-group:${local.api_access_log_group_name}",
      "${local.arn_prefix_logs}:log-group:${local.api_execution_log_group_name}",
    ]
  }

  statement {
    sid    = "DescribeUnscopableMonitoring"
    effect = "Allow"
    actions = [
      "logs:DescribeLogGroups",
      "cloudwatch:DescribeAlarms",
    ]
    # Describe calls that list across the account: AWS requires "*".
    resources = ["*"]
  }

  statement {
    sid    = "ManageTheStacksAlarms"
    effect = "Allow"
    actions = [
      "cloudwatch:PutMetricAlarm",
      "cloudwatch:DeleteAlarms",
      "cloudwatch:TagResource",
      "cloudwatch:UntagResource",
      "cloudwatch:ListTagsForResource",
    ]
    # Alarm names share the stack prefix.
    resources = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${local.prefix}-*"]
  }

  statement {
    sid    = "ManageTheStacksTopicQueueAndSchedules"
    effect = "Allow"
    # Topic and subscription attributes, queue attributes, schedules and their tags: all
    # actions, but only on names with the stack prefix.
    actions = ["sns:*", "sqs:*", "scheduler:*"]
    resources = [
      # The alerts topic and its subscriptions (topic ARN plus a subscription id).
      "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.prefix}-*",
      # The dead-letter queue.
      "arn:${local.partition}:sqs:${local.region}:${local.account_id}:${local.prefix}-*",
      # Both schedules, in the default group.
      "arn:${local.partition}:scheduler:${local.region}:${local.account_id}:schedule/default/${local.prefix}-*",
    ]
  }

  statement {
    sid    = "ManageTheStacksSecretsButNeverTheirValues"
    effect = "Allow"
    actions = [
      "secretsmanager:CreateSecret",
      "secretsmanager:DeleteSecret",
      "secretsmanager:DescribeSecret",
      "secretsmanager:UpdateSecret",
      "secretsmanager:GetResourcePolicy",
      "secretsmanager:PutResourcePolicy",
      "secretsmanager:DeleteResourcePolicy",
      "secretsmanager:TagResource",
      "secretsmanager:UntagResource",
      "secretsmanager:ListSecretVersionIds",
      "secretsmanager:RestoreSecret",
    ]
    # Secret ARNs end in a random suffix AWS appends to the name.
    resources = ["arn:${local.partition}:secretsmanager:${local.region}:${local.account_id}:secret:${local.prefix}/*"]
  }

  statement {
    sid     = "CreateTheStackKey"
    effect  = "Allow"
    actions = ["kms:CreateKey"]
    # A key's id does not exist before CreateKey: AWS requires "*". The tag conditions
    # allow only keys tagged as this stack's.
    resources = ["*"]
    dynamic "condition" {
      for_each = local.stack_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid     = "TagTheStackKeyOnCreation"
    effect  = "Allow"
    actions = ["kms:TagResource"]
    # Key ids are random; the tag conditions pick out this stack's key.
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]
    dynamic "condition" {
      for_each = local.stack_tags
      content {
        test     = "StringEquals"
        variable = "aws:RequestTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid    = "ManageTheStackKey"
    effect = "Allow"
    actions = [
      "kms:DescribeKey",
      "kms:GetKeyPolicy",
      "kms:PutKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:EnableKeyRotation",
      "kms:ListResourceTags",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateKeyDescription",
      "kms:ScheduleKeyDeletion",
      "kms:CreateAlias",
      "kms:UpdateAlias",
      "kms:DeleteAlias",
    ]
    # Key ids are random; the tag conditions pick out this stack's key.
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]
    dynamic "condition" {
      for_each = local.stack_tags
      content {
        test     = "StringEquals"
        variable = "aws:ResourceTag/${condition.key}"
        values   = [condition.value]
      }
    }
  }

  statement {
    sid       = "ManageTheStackKeyAlias"
    effect    = "Allow"
    actions   = ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"]
    resources = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:alias/${local.prefix}"]
  }

  statement {
    sid     = "ListUnscopableKeys"
    effect  = "Allow"
    actions = ["kms:ListAliases"]
    # A list call has no resource to name: AWS requires "*".
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "github_apply" {
  name   = "terraform-apply"
  role   = aws_iam_role.github_apply.id
  policy = data.aws_iam_policy_document.github_apply.json
}

# -------------------------------------------------------------------- deploy role

resource "aws_iam_role" "github_deploy" {
  name                 = "${local.prefix}-gha-deploy"
  description          = "GitHub Actions: upload code, publish a version, move the live aliases"
  assume_role_policy   = data.aws_iam_policy_document.github_main_assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "github_deploy" {
  statement {
    sid    = "PublishAndPromote"
    effect = "Allow"
    actions = [
      "lambda:GetFunction",
      "lambda:GetFunctionConfiguration",
      "lambda:UpdateFunctionCode",
      "lambda:PublishVersion",
      "lambda:ListVersionsByFunction",
      "lambda:GetAlias",
      "lambda:UpdateAlias",
    ]
    resources = [
      aws_lambda_function.sync.arn,
      aws_lambda_function.read.arn,
      # Qualified ARNs: the live alias and version numbers published by the workflow
      # itself, which cannot be known in advance.
      "${aws_lambda_function.sync.arn}:*",
      "${aws_lambda_function.read.arn}:*",
    ]
  }

  statement {
    # The post-deploy smoke test calls the API with the github_actions key, read here
    # (apigateway:GET with includeValue) rather than stored as a repository secret.
    sid       = "ReadTheSmokeTestKey"
    effect    = "Allow"
    actions   = ["apigateway:GET"]
    resources = ["arn:${local.partition}:apigateway:${local.region}::/apikeys/${aws_api_gateway_api_key.this["github_actions"].id}"]
  }
}

resource "aws_iam_role_policy" "github_deploy" {
  name   = "lambda-deploy"
  role   = aws_iam_role.github_deploy.id
  policy = data.aws_iam_policy_document.github_deploy.json
}
