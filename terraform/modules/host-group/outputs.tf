output "autoscaling_group_name" {
  description = "Name of the autoscaling group."
  value       = aws_autoscaling_group.this.name
}

output "autoscaling_group_arn" {
  description = "ARN of the autoscaling group, for scoping other roles' permissions to it."
  value       = aws_autoscaling_group.this.arn
}

output "launch_template_id" {
  description = "ID of the launch template."
  value       = aws_launch_template.this.id
}

output "role_name" {
  description = "Name of the hosts' IAM role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the hosts' IAM role, for resource policies that admit it."
  value       = aws_iam_role.this.arn
}

output "config_secret_arn" {
  description = "ARN of the secret operators fill with the service's configuration (JSON object)."
  value       = aws_secretsmanager_secret.config.arn
}

output "generated_secret_arns" {
  description = "ARNs of the generated secrets, by variable name, to share with the groups that must know them."
  value       = { for key, secret in aws_secretsmanager_secret.generated : key => secret.arn }
}

output "log_group_name" {
  description = "CloudWatch Logs group the hosts write to."
  value       = aws_cloudwatch_log_group.this.name
}
