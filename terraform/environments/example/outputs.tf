output "public_load_balancer_dns_name" {
  description = "Point the practitioners' address (e.g. workspace.example.jp) at this name with an alias record."
  value       = module.public_load_balancer.dns_name
}

output "portal_load_balancer_dns_name" {
  description = "Point the portal's private DNS name at this internal load balancer."
  value       = module.portal_load_balancer.dns_name
}

output "nat_public_ips" {
  description = "Addresses the portal and desktops reach vendor systems from, for vendors that allow-list callers."
  value       = module.network.nat_public_ips
}

output "config_secret_arns" {
  description = "Secrets to fill with each service's configuration (JSON objects) before the hosts can start."
  value = {
    broker = module.broker.config_secret_arn
    portal = module.portal.config_secret_arn
  }
}

output "redis_auth_token_secret_arn" {
  description = "Secret holding the Redis AUTH token, to build the services' Redis URLs from."
  value       = module.data.redis_auth_token_secret_arn
}

output "postgresql_master_user_secret_arn" {
  description = "RDS-managed secret of the database administrator, for migrations and creating application roles."
  value       = module.data.postgresql_master_user_secret_arn
}

output "audit_archive_bucket_name" {
  description = "Bucket receiving the audit trail export."
  value       = module.audit_archive.bucket_name
}

output "desktop_pool_autoscaling_group_name" {
  description = "Autoscaling group of the desktop pool."
  value       = module.desktop_pool.autoscaling_group_name
}

output "redis_address" {
  description = "Redis primary endpoint and port, for the rediss:// URLs an operator writes into the broker's and the portal's config secrets."
  value       = "${module.data.redis_primary_endpoint}:${module.data.redis_port}"
}

output "postgresql_endpoint" {
  description = "PostgreSQL address, port and database, for the postgres:// URLs (sslmode=verify-full) an operator writes into the config secrets."
  value       = "${module.data.postgresql_address}:${module.data.postgresql_port}/${module.data.postgresql_database_name}"
}

output "config_secret_settings" {
  description = "Per service, the settings an operator puts into its config secret before the first host boots."
  value = {
    broker = module.broker.config_secret_settings
    portal = module.portal.config_secret_settings
  }
}
