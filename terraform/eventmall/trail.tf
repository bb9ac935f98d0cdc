# CloudTrail of the account's management events, into a bucket of its own and CloudWatch Logs.

module "trail_bucket" {
  source      = "./modules/private_bucket"
  name        = local.trail_bucket
  kms_key_arn = aws_kms_key.stack.arn
  policy_statements = [
    {
      Sid       = "CloudTrailAclCheck"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "s3:GetBucketAcl"
      Resource  = "arn:${local.partition}:s3:::${local.trail_bucket}"
      Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
    },
    {
      Sid       = "CloudTrailWrite"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "arn:${local.partition}:s3:::${local.trail_bucket}/AWSLogs/${local.account_id}/*"
      Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn, "s3:x-amz-acl" = "bucket-owner-full-control" } }
    },
  ]
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "${local.log_group}/trail"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.stack.arn
}

data "aws_iam_policy_document" "cloudtrail_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "trail" {
  name               = "${var.name}-trail"
  assume_role_policy = data.aws_iam_policy_document.cloudtrail_trust.json
}

data "aws_iam_policy_document" "trail_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.trail.arn}:*"]
  }
}

resource "aws_iam_role_policy" "trail_logs" {
  name   = "cloudwatch-logs"
  role   = aws_iam_role.trail.id
  policy = data.aws_iam_policy_document.trail_logs.json
}

resource "aws_sns_topic" "trail" {
  name              = "${var.name}-trail"
  kms_master_key_id = aws_kms_key.stack.id
}

data "aws_iam_policy_document" "trail_topic" {
  statement {
    sid       = "CloudTrailPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.trail.arn]
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

# CloudTrail refuses a topic it may not publish to (InsufficientSnsTopicPolicyException).
resource "aws_sns_topic_policy" "trail" {
  arn    = aws_sns_topic.trail.arn
  policy = data.aws_iam_policy_document.trail_topic.json
}

resource "aws_cloudtrail" "mall" {
  name                          = local.trail_name
  s3_bucket_name                = module.trail_bucket.id
  kms_key_id                    = aws_kms_key.stack.arn
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  cloud_watch_logs_group_arn    = "${aws_cloudwatch_log_group.trail.arn}:*"
  cloud_watch_logs_role_arn     = aws_iam_role.trail.arn
  sns_topic_name                = aws_sns_topic.trail.name

  depends_on = [module.trail_bucket, aws_sns_topic_policy.trail]
}
