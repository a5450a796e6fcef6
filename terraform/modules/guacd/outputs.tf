output "autoscaling_group_name" {
  description = "Name of the guacd autoscaling group (the brokers discover guacd hosts through it)."
  value       = module.hosts.autoscaling_group_name
}

output "autoscaling_group_arn" {
  description = "ARN of the guacd autoscaling group."
  value       = module.hosts.autoscaling_group_arn
}

output "role_arn" {
  description = "ARN of the guacd hosts' IAM role."
  value       = module.hosts.role_arn
}

output "config_secret_arn" {
  description = "Secret to fill with guacd's configuration (JSON object), e.g. its TLS certificate and key."
  value       = module.hosts.config_secret_arn
}

output "log_group_name" {
  description = "CloudWatch Logs group of the guacd hosts."
  value       = module.hosts.log_group_name
}
