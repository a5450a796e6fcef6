# guacd needs no AWS permission beyond reading its own configuration and writing its logs, which the
# host group grants; brokers find these hosts through the autoscaling group.
module "hosts" {
  source = "../host-group"

  name               = var.name
  service_name       = "guacd"
  ami_id             = var.ami_id
  instance_type      = var.instance_type
  subnet_ids         = var.subnet_ids
  security_group_ids = var.security_group_ids
  min_size           = var.min_size
  max_size           = var.max_size
  desired_capacity   = var.desired_capacity

  environment = merge({
    GUACD_BIND_HOST = "0.0.0.0"
    GUACD_PORT      = tostring(var.port)
  }, var.environment)
  secret_environment = var.secret_environment

  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
