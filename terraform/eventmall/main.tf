data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # Bucket names are global: the account id keeps them unique.
  front_bucket = "${var.name}-front-${local.account_id}"
  trail_bucket = "${var.name}-trail-${local.account_id}"
  trail_name   = "${var.name}-trail"
  trail_arn    = "arn:${local.partition}:cloudtrail:${var.aws_region}:${local.account_id}:trail/${local.trail_name}"
  log_group    = "/eventmall/${var.name}"
}

# One customer managed key for the stack's data at rest: logs, the trail, the database and its secret.
resource "aws_kms_key" "stack" {
  description         = "${var.name}: logs, trail, database"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "stack" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.stack.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:in a key policy the resource "*" is this key only
  #checkov:skip=CKV_AWS_356:in a key policy the resource "*" is this key only
  #checkov:skip=CKV_AWS_109:the account root statement is AWS's default key policy, delegating to IAM
  statement {
    sid       = "Account"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:${local.log_group}*"]
    }
  }
  statement {
    sid       = "CloudTrail"
    actions   = ["kms:GenerateDataKey*", "kms:DescribeKey"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.trail_arn]
    }
  }
}
