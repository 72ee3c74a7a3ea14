# Runtime roles: one per function and one for the scheduler, each limited to exact ARNs.
# The GitHub Actions roles are in github_actions.tf.

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# ------------------------------------------------------------------- function roles

# What both functions need, each with its own log group. Each function's own document
# below starts from this one (source_policy_documents) and adds what only it may do.
data "aws_iam_policy_document" "function_shared" {
  for_each = toset(["sync", "read"])

  statement {
    # Without ListBucket, S3 answers a GET of a missing key (first sync, no stats.json
    # yet) with 403 instead of 404, and the code cannot tell "absent" from "forbidden".
    sid       = "ListTheDataBucket"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
  }

  statement {
    sid     = "WriteOwnLogs"
    effect  = "Allow"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    # Lambda names a new log stream for each execution environment, so the streams of
    # this one log group need a wildcard.
    resources = ["${aws_cloudwatch_log_group.this[each.key].arn}:log-stream:*"]
  }

  statement {
    sid     = "SendTraces"
    effect  = "Allow"
    actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    # X-Ray has no resource-level permissions: AWS requires "*" for these two actions.
    resources = ["*"]
  }
}

# ----------------------------------------------------------------------- sync role

resource "aws_iam_role" "sync" {
  name               = "${local.prefix}-sync"
  description        = "streakcore sync function: runner data read/write, OAuth secret, alerts"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "sync" {
  source_policy_documents = [data.aws_iam_policy_document.function_shared["sync"].json]

  statement {
    sid    = "ReadAndWriteTheDataObjects"
    effect = "Allow"
    actions = [
      "s3:GetObject",
      "s3:PutObject",
      # Large uploads of runs.duckdb are multipart; a failed one must be abortable.
      "s3:AbortMultipartUpload",
    ]
    resources = local.data_object_arns
  }

  statement {
    sid    = "ReadAndRotateTheOAuthTokens"
    effect = "Allow"
    actions = [
      "secretsmanager:GetSecretValue",
      "secretsmanager:PutSecretValue",
    ]
    resources = [aws_secretsmanager_secret.smashrun_oauth.arn]
  }

  statement {
    sid    = "UseTheStackKey"
    effect = "Allow"
    # Decrypt to read objects and secrets; GenerateDataKey to write them and to publish
    # to the encrypted topic.
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.this.arn]
  }

  statement {
    sid       = "PublishAlerts"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alerts.arn]
  }

  statement {
    sid       = "DeadLetterFailedRuns"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.sync_dead_letters.arn]
  }
}

resource "aws_iam_role_policy" "sync" {
  name   = "sync"
  role   = aws_iam_role.sync.id
  policy = data.aws_iam_policy_document.sync.json
}

# ----------------------------------------------------------------------- read role

resource "aws_iam_role" "read" {
  name               = "${local.prefix}-read"
  description        = "streakcore read function: reads runner data and the page token, nothing else"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

data "aws_iam_policy_document" "read" {
  source_policy_documents = [data.aws_iam_policy_document.function_shared["read"].json]

  statement {
    sid       = "ReadTheDataObjects"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = local.data_object_arns
  }

  statement {
    sid       = "DecryptWithTheStackKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }

  # The page's share token: read, never written (the runner rotates it from a laptop).
  statement {
    sid       = "ReadThePageToken"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.page_token.arn]
  }
}

resource "aws_iam_role_policy" "read" {
  name   = "read"
  role   = aws_iam_role.read.id
  policy = data.aws_iam_policy_document.read.json
}

# ------------------------------------------------------------------ scheduler role

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    # Confused-deputy guard: only schedules in this account may use the role.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.prefix}-scheduler"
  description        = "EventBridge Scheduler: invoke the sync function's live alias, dead-letter failures"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeTheLiveSyncAlias"
    effect    = "Allow"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_alias.sync_live.arn]
  }

  statement {
    sid       = "DeadLetterFailedDeliveries"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.sync_dead_letters.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "scheduler"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}
