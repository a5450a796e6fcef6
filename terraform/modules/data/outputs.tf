output "redis_primary_endpoint" {
  description = "Host name of the Redis primary (connect with TLS: rediss://)."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "redis_reader_endpoint" {
  description = "Host name spreading reads over the Redis replicas."
  value       = aws_elasticache_replication_group.this.reader_endpoint_address
}

output "redis_port" {
  description = "Port of Redis."
  value       = aws_elasticache_replication_group.this.port
}

output "redis_auth_token_secret_arn" {
  description = "ARN of the secret holding the Redis AUTH token."
  value       = aws_secretsmanager_secret.redis_auth_token.arn
}

output "postgresql_address" {
  description = "Host name of PostgreSQL (connect with sslmode=verify-full)."
  value       = aws_db_instance.this.address
}

output "postgresql_port" {
  description = "Port of PostgreSQL."
  value       = aws_db_instance.this.port
}

output "postgresql_database_name" {
  description = "Database created with the instance."
  value       = aws_db_instance.this.db_name
}

output "postgresql_master_user_secret_arn" {
  description = "ARN of the RDS-managed secret with the administrator password (for migrations and creating application roles only)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "postgresql_resource_id" {
  description = "Resource ID of the instance, for IAM database authentication policies (rds-db:connect)."
  value       = aws_db_instance.this.resource_id
}
