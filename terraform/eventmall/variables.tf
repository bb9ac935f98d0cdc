variable "name" {
  description = "Prefix of every resource name (the eventmall role passes <platform_name>-mall)."
  type        = string

  validation {
    # Load balancer and target group names are limited to 32 characters; "-tg" is the longest suffix.
    condition     = can(regex("^[a-z][a-z0-9-]{0,27}[a-z0-9]$", var.name))
    error_message = "name must be 2-29 characters of lowercase letters, digits and '-'."
  }
}

variable "aws_region" {
  description = "AWS region of the stack."
  type        = string
}

variable "aws_endpoint_url" {
  description = "One endpoint for every AWS service the stack uses (a local AWS endpoint); null = AWS's own."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource (default_tags): the platform's tags with the ownership tag."
  type        = map(string)
}

variable "vpc_id" {
  description = "The platform VPC (vpc_outputs.vpc_id)."
  type        = string
}

variable "public_subnet_ids" {
  description = "Public subnets of the platform VPC, one per AZ: the load balancer."
  type        = list(string)
}

variable "app_subnet_ids" {
  description = "Private app subnets of the platform VPC: the Fargate tasks and the bastion."
  type        = list(string)
}

variable "data_subnet_ids" {
  description = "Private data subnets of the platform VPC: Aurora and ElastiCache."
  type        = list(string)
}

variable "container_image" {
  description = "Image of the mall's web service (an ECR repository URI with a tag)."
  type        = string
}

variable "container_port" {
  description = "Port the container listens on."
  type        = number
  default     = 8080
}

variable "task_cpu" {
  description = "Fargate task CPU units."
  type        = number
  default     = 256
}

variable "task_memory" {
  description = "Fargate task memory (MiB)."
  type        = number
  default     = 512
}

variable "desired_count" {
  description = "Tasks the service starts with (auto scaling moves it between min_count and max_count)."
  type        = number
  default     = 2
}

variable "min_count" {
  description = "Fewest tasks auto scaling keeps."
  type        = number
  default     = 2
}

variable "max_count" {
  description = "Most tasks auto scaling starts."
  type        = number
  default     = 6

  validation {
    condition     = var.max_count >= var.min_count && var.desired_count <= var.max_count && var.desired_count >= var.min_count
    error_message = "min_count <= desired_count <= max_count is required."
  }
}

variable "cpu_target" {
  description = "Average service CPU utilisation (percent) target tracking keeps."
  type        = number
  default     = 60
}

variable "cache_node_type" {
  description = "ElastiCache Memcached node type."
  type        = string
  default     = "cache.t4g.micro"
}

variable "cache_node_count" {
  description = "Memcached nodes (spread over the data subnets' AZs)."
  type        = number
  default     = 2
}

variable "aurora_instance_class" {
  description = "Aurora MySQL instance class."
  type        = string
  default     = "db.t4g.medium"
}

variable "aurora_instance_count" {
  description = "Aurora instances (the first is the writer, the others readers)."
  type        = number
  default     = 2
}

variable "aurora_engine_version" {
  description = "Aurora MySQL engine version."
  type        = string
  default     = "8.0.mysql_aurora.3.08.0"
}

variable "database_name" {
  description = "Name of the mall's database."
  type        = string
  default     = "eventmall"
}

variable "deletion_protection" {
  description = "Deletion protection of Aurora and the load balancer (true in production)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days Aurora keeps automated backups."
  type        = number
  default     = 7
}

variable "bastion_instance_type" {
  description = "Instance type of the SSM bastion."
  type        = string
  default     = "t3.micro"
}

variable "bastion_ami_id" {
  description = "AMI of the bastion; empty = the latest Amazon Linux 2023 (which runs the SSM agent)."
  type        = string
  default     = ""
}

variable "log_retention_days" {
  description = "Days CloudWatch Logs keeps the tasks' and the trail's logs."
  type        = number
  default     = 365
}

variable "domain_name" {
  description = "Domain the CloudFront distribution answers to; empty = its cloudfront.net name only."
  type        = string
  default     = ""
}

variable "certificate_arn" {
  description = "ACM certificate (us-east-1) for domain_name; required with a domain."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || var.certificate_arn != ""
    error_message = "certificate_arn is required when domain_name is set."
  }
}

variable "alb_certificate_arn" {
  description = "ACM certificate of the load balancer's HTTPS listener; empty = HTTP only (CloudFront's origin)."
  type        = string
  default     = ""
}
