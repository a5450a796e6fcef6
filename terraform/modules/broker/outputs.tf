output "autoscaling_group_name" {
  description = "Name of the broker autoscaling group."
  value       = module.hosts.autoscaling_group_name
}

output "autoscaling_group_arn" {
  description = "ARN of the broker autoscaling group."
  value       = module.hosts.autoscaling_group_arn
}

output "role_arn" {
  description = "ARN of the brokers' IAM role (the audit archive admits it as its writer)."
  value       = module.hosts.role_arn
}

output "role_name" {
  description = "Name of the brokers' IAM role."
  value       = module.hosts.role_name
}

output "config_secret_arn" {
  description = "Secret to fill with the broker's configuration (JSON object: database and Redis URLs, SAML settings, ...)."
  value       = module.hosts.config_secret_arn
}

output "generated_secret_arns" {
  description = "ARNs of the secrets Terraform generated for the brokers, by variable name."
  value       = module.hosts.generated_secret_arns
}

output "log_group_name" {
  description = "CloudWatch Logs group of the brokers."
  value       = module.hosts.log_group_name
}

output "config_secret_settings" {
  description = "Settings an operator puts into the config secret (a flat JSON object) before the first host boots; a *_FILE setting as \"base64:\" and the file's content."
  value       = local.config_secret_settings
}
