# The portal (workspace-app server) behind the internal load balancer. Its database and Redis URLs carry
# credentials, so they go into the config secret; everything here is either plain or generated.
module "hosts" {
  source = "../host-group"

  name               = var.name
  service_name       = "hcw-portal"
  ami_id             = var.ami_id
  instance_type      = var.instance_type
  subnet_ids         = var.subnet_ids
  security_group_ids = var.security_group_ids
  min_size           = var.min_size
  max_size           = var.max_size
  desired_capacity   = var.desired_capacity
  target_group_arns  = var.target_group_arns

  environment = merge({
    PORTAL_ENV        = "production"
    PORTAL_HOST       = "0.0.0.0"
    PORTAL_PORT       = tostring(var.port)
    PORTAL_PUBLIC_URL = trimsuffix(var.public_url, "/")
  }, var.environment)
  secret_environment = var.secret_environment
  generated_secrets  = var.generated_secrets

  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
