# The data tier in the private data subnets: Memcached for sessions and catalogue pages, Aurora MySQL for orders.

resource "aws_elasticache_subnet_group" "mall" {
  name       = var.name
  subnet_ids = var.data_subnet_ids
}

resource "aws_elasticache_cluster" "mall" {
  cluster_id           = var.name
  engine               = "memcached"
  node_type            = var.cache_node_type
  num_cache_nodes      = var.cache_node_count
  az_mode              = var.cache_node_count > 1 ? "cross-az" : "single-az"
  parameter_group_name = "default.memcached1.6"
  port                 = 11211
  subnet_group_name    = aws_elasticache_subnet_group.mall.name
  security_group_ids   = [aws_security_group.cache.id]
}

resource "aws_db_subnet_group" "mall" {
  name       = var.name
  subnet_ids = var.data_subnet_ids
}

resource "aws_rds_cluster" "mall" {
  #checkov:skip=CKV_AWS_139:deletion protection is var.deletion_protection (true by default, off for throwaway environments)
  #checkov:skip=CKV2_AWS_8:AWS Backup plans are the account's; Aurora keeps automated backups for backup_retention_days
  cluster_identifier                  = var.name
  engine                              = "aurora-mysql"
  engine_version                      = var.aurora_engine_version
  database_name                       = var.database_name
  master_username                     = "mall_admin"
  manage_master_user_password         = true
  master_user_secret_kms_key_id       = aws_kms_key.stack.key_id
  db_subnet_group_name                = aws_db_subnet_group.mall.name
  vpc_security_group_ids              = [aws_security_group.database.id]
  storage_encrypted                   = true
  kms_key_id                          = aws_kms_key.stack.arn
  iam_database_authentication_enabled = true
  backup_retention_period             = var.backup_retention_days
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = !var.deletion_protection
  final_snapshot_identifier           = var.deletion_protection ? "${var.name}-final" : null
  enabled_cloudwatch_logs_exports     = ["audit", "error", "slowquery"]
  backtrack_window                    = 86400
}

resource "aws_rds_cluster_instance" "mall" {
  count                        = var.aurora_instance_count
  identifier                   = "${var.name}-${count.index}"
  cluster_identifier           = aws_rds_cluster.mall.id
  engine                       = aws_rds_cluster.mall.engine
  engine_version               = aws_rds_cluster.mall.engine_version
  instance_class               = var.aurora_instance_class
  db_subnet_group_name         = aws_db_subnet_group.mall.name
  publicly_accessible          = false
  auto_minor_version_upgrade   = true
  performance_insights_enabled = true
  #checkov:skip=CKV_AWS_118:enhanced monitoring needs a monitoring role per account; Performance Insights and the log exports cover the database
  performance_insights_kms_key_id = aws_kms_key.stack.arn
}
