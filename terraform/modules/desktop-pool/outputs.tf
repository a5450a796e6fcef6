output "autoscaling_group_name" {
  description = "Name of the desktop pool's autoscaling group (the brokers lease hosts from it)."
  value       = aws_autoscaling_group.this.name
}

output "autoscaling_group_arn" {
  description = "ARN of the desktop pool's autoscaling group, to scope the brokers' lease permissions to it."
  value       = aws_autoscaling_group.this.arn
}

output "metric_namespace" {
  description = "CloudWatch namespace the brokers must publish the idle-host metric in."
  value       = var.idle_scaling.metric_namespace
}

output "role_arn" {
  description = "ARN of the desktop hosts' IAM role."
  value       = aws_iam_role.this.arn
}

output "launch_template_id" {
  description = "ID of the desktop launch template."
  value       = aws_launch_template.this.id
}

output "log_group_name" {
  description = "CloudWatch Logs group of the desktop agents."
  value       = aws_cloudwatch_log_group.this.name
}
