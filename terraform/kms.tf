# One customer-managed key per environment encrypts the data bucket, both secrets, the
# alerts topic and the log groups. A CMK (about $1 a month) is needed anyway: CloudWatch
# alarms cannot publish to an SNS topic encrypted with the AWS-managed aws/sns key, whose
# policy cannot be changed to let CloudWatch in. With one key, every read of runner data
# also shows up in CloudTrail as a kms:Decrypt by a named role.

data "aws_iam_policy_document" "kms_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the root statement is the AWS default that delegates to IAM so the key cannot become unmanageable.
  #checkov:skip=CKV_AWS_111:Same root delegation statement; write access is then granted per role in iam.tf on this key's ARN.
  #checkov:skip=CKV_AWS_356:In a key policy "*" can only mean the key the policy is attached to.
  statement {
    sid    = "AccountAdministersKeyThroughIam"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
    # kms:* for the account root is AWS's default key policy: without it only this policy
    # could grant access and a mistake would lock the key for good.
    actions = ["kms:*"]
    # A key policy's "*" resource is the key itself (AWS requires "*" here).
    resources = ["*"]
  }

  statement {
    sid    = "CloudWatchLogsEncryptsOurLogGroups"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:DescribeKey",
    ]
    # A key policy's "*" resource is the key itself (AWS requires "*" here).
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.sync_log_group_name}",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.read_log_group_name}",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.api_access_log_group_name}",
        "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.api_execution_log_group_name}",
      ]
    }
  }

  statement {
    sid    = "CloudWatchAlarmsPublishToEncryptedTopic"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    actions = ["kms:Decrypt", "kms:GenerateDataKey"]
    # A key policy's "*" resource is the key itself (AWS requires "*" here).
    resources = ["*"]
    # No source condition: CloudWatch's calls to KMS carry none that AWS documents, and a
    # condition that never matches would silently drop every alarm notification.
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.prefix}: runner data, secrets, alerts and logs"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.prefix}"
  target_key_id = aws_kms_key.this.key_id
}
