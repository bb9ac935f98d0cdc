terraform {
  # 1.11: S3 native state locking (use_lockfile) without DynamoDB.
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Partial configuration: bucket, key, region and use_lockfile come from the terraform_backend role
  # (community.general.terraform backend_config).
  backend "s3" {}
}
