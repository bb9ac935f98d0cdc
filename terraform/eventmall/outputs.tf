output "cloudfront_domain_name" {
  description = "Domain name of the CloudFront distribution."
  value       = aws_cloudfront_distribution.front.domain_name
}

output "cloudfront_distribution_id" {
  description = "Id of the CloudFront distribution."
  value       = aws_cloudfront_distribution.front.id
}

output "assets_bucket" {
  description = "Private bucket of the static assets (served through CloudFront only)."
  value       = module.front_bucket.id
}

output "alb_dns_name" {
  description = "DNS name of the internet-facing load balancer."
  value       = aws_lb.web.dns_name
}

output "ecs_cluster_name" {
  description = "ECS cluster of the web service."
  value       = aws_ecs_cluster.mall.name
}

output "ecs_service_name" {
  description = "ECS service of the web tasks."
  value       = aws_ecs_service.web.name
}

output "memcached_endpoint" {
  description = "Configuration endpoint of the Memcached cluster (host:port)."
  value       = aws_elasticache_cluster.mall.configuration_endpoint
}

output "database_endpoint" {
  description = "Writer endpoint of the Aurora cluster."
  value       = aws_rds_cluster.mall.endpoint
}

output "database_reader_endpoint" {
  description = "Reader endpoint of the Aurora cluster."
  value       = aws_rds_cluster.mall.reader_endpoint
}

output "database_secret_arn" {
  description = "Secrets Manager secret holding the Aurora master credentials (managed by RDS)."
  value       = aws_rds_cluster.mall.master_user_secret[0].secret_arn
}

output "bastion_instance_id" {
  description = "Instance id of the bastion (aws ssm start-session --target <id>)."
  value       = aws_instance.bastion.id
}

output "trail_bucket" {
  description = "Bucket CloudTrail writes to."
  value       = module.trail_bucket.id
}
