output "autoscaling_group_name" {
  description = "Name of the portal autoscaling group."
  value       = module.hosts.autoscaling_group_name
}

output "role_arn" {
  description = "ARN of the portal servers' IAM role."
  value       = module.hosts.role_arn
}

output "config_secret_arn" {
  description = "Secret to fill with the portal's configuration (JSON object with PORTAL_DATABASE_URL and PORTAL_REDIS_URL)."
  value       = module.hosts.config_secret_arn
}

output "generated_secret_arns" {
  description = "ARNs of the generated portal secrets, by variable name; PORTAL_HANDOFF_SECRET is also given to the brokers."
  value       = module.hosts.generated_secret_arns
}

output "log_group_name" {
  description = "CloudWatch Logs group of the portal servers."
  value       = module.hosts.log_group_name
}

output "config_secret_settings" {
  description = "Settings an operator puts into the config secret (a flat JSON object) before the first host boots; a *_FILE setting as \"base64:\" and the file's content."
  value       = local.config_secret_settings
}
