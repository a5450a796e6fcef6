locals {
  postgresql_family = "postgres${split(".", var.postgresql_engine_version)[0]}"
}

# ---- Redis: sessions, leases, one-time tokens, socket.io adapter, portal live updates ----

# ElastiCache accepts only some punctuation in an AUTH token; the value lives in Secrets Manager, where
# operators and hosts read it, and in Terraform state, which must therefore be encrypted.
resource "random_password" "redis_auth_token" {
  length           = 64
  special          = true
  override_special = "!&#$^<>-"
}

resource "aws_secretsmanager_secret" "redis_auth_token" {
  name                    = "${var.name}/redis-auth-token"
  description             = "AUTH token of the ${var.name} Redis replication group"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_auth_token" {
  secret_id     = aws_secretsmanager_secret.redis_auth_token.id
  secret_string = random_password.redis_auth_token.result
}

resource "aws_elasticache_subnet_group" "this" {
  name       = "${var.name}-redis"
  subnet_ids = var.subnet_ids

  tags = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  replication_group_id = "${var.name}-redis"
  description          = "Sessions, leases and live updates of ${var.name}"
  engine               = "redis"
  engine_version       = var.redis_engine_version
  node_type            = var.redis_node_type
  port                 = var.redis_port
  num_cache_clusters   = var.redis_node_count
  subnet_group_name    = aws_elasticache_subnet_group.this.name
  security_group_ids   = var.redis_security_group_ids

  automatic_failover_enabled = var.redis_node_count > 1
  multi_az_enabled           = var.redis_node_count > 1

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = aws_secretsmanager_secret_version.redis_auth_token.secret_string
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.redis_snapshot_retention_days
  maintenance_window         = var.maintenance_window
  auto_minor_version_upgrade = true
  apply_immediately          = var.apply_immediately

  tags = var.tags
}

# ---- PostgreSQL: audit trail (broker) and portal data ----

resource "aws_db_subnet_group" "this" {
  name       = "${var.name}-postgresql"
  subnet_ids = var.subnet_ids

  tags = var.tags
}

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.name}-${local.postgresql_family}-"
  family      = local.postgresql_family

  # No plaintext connection, even from inside the VPC.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Who connected and when, as the database sees it, alongside the application's own audit trail.
  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  tags = var.tags

  # A new major version needs a new family; the new group must exist before the instance moves to it.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_instance" "this" {
  identifier     = "${var.name}-postgresql"
  engine         = "postgres"
  engine_version = var.postgresql_engine_version
  instance_class = var.postgresql_instance_class
  port           = var.postgresql_port
  db_name        = var.postgresql_database_name

  # RDS generates the administrator password, keeps it in Secrets Manager and rotates it; it never
  # passes through Terraform.
  username                      = var.postgresql_master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  allocated_storage     = var.postgresql_allocated_storage_gb
  max_allocated_storage = var.postgresql_max_allocated_storage_gb
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = var.postgresql_multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.postgresql_security_group_ids
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  iam_database_authentication_enabled = true

  backup_retention_period   = var.postgresql_backup_retention_days
  backup_window             = var.postgresql_backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-postgresql-final"

  auto_minor_version_upgrade      = true
  allow_major_version_upgrade     = false
  apply_immediately               = var.apply_immediately
  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]
  performance_insights_enabled    = true
  performance_insights_kms_key_id = var.kms_key_arn

  tags = var.tags
}
