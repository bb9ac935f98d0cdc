provider "aws" {
  region = var.aws_region

  # The ownership tag (and the inventory's platform tags) on every resource that takes tags.
  default_tags {
    tags = var.tags
  }

  # An endpoint override per service (an S3-compatible or local AWS endpoint); null = AWS's own endpoints.
  endpoints {
    applicationautoscaling = var.aws_endpoint_url
    cloudfront             = var.aws_endpoint_url
    cloudtrail             = var.aws_endpoint_url
    cloudwatch             = var.aws_endpoint_url
    cloudwatchlogs         = var.aws_endpoint_url
    ec2                    = var.aws_endpoint_url
    ecs                    = var.aws_endpoint_url
    elasticache            = var.aws_endpoint_url
    elbv2                  = var.aws_endpoint_url
    iam                    = var.aws_endpoint_url
    kms                    = var.aws_endpoint_url
    rds                    = var.aws_endpoint_url
    s3                     = var.aws_endpoint_url
    secretsmanager         = var.aws_endpoint_url
    sns                    = var.aws_endpoint_url
    ssm                    = var.aws_endpoint_url
    sts                    = var.aws_endpoint_url
  }

  # Bucket names as a path (http://endpoint/bucket) when an endpoint override has no per-bucket host names.
  s3_use_path_style = var.aws_endpoint_url != null
}
