provider "aws" {
  region              = var.region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = var.tags
  }
}

locals {
  broker_port        = 8080
  portal_port        = 8080
  desktop_agent_port = 8700
}

module "network" {
  source = "../../modules/network"

  name               = var.name
  cidr_block         = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
  broker_port        = local.broker_port
  portal_port        = local.portal_port
  desktop_agent_port = local.desktop_agent_port
  vendor_endpoints   = var.vendor_endpoints
  egress_proxy       = var.egress_proxy
  kms_key_arn        = var.kms_key_arn
}

module "public_load_balancer" {
  source = "../../modules/load-balancer"

  name               = "${var.name}-lb"
  internal           = false
  vpc_id             = module.network.vpc_id
  subnet_ids         = module.network.subnet_ids["public"]
  security_group_ids = [module.network.security_group_ids["lb"]]
  certificate_arn    = var.broker_certificate_arn
  target_port        = local.broker_port
  # Readiness, not liveness: 200 while ready or degraded (a pool with no desktop to give), 503 when a
  # broker cannot serve (Redis or PostgreSQL unreachable). The public answer is one word.
  health_check_path  = "/readyz"
  access_logs_bucket = var.load_balancer_access_logs_bucket
  web_acl_arn        = var.web_acl_arn
}

module "portal_load_balancer" {
  source = "../../modules/load-balancer"

  name                   = "${var.name}-portal"
  internal               = true
  vpc_id                 = module.network.vpc_id
  subnet_ids             = module.network.subnet_ids["portal"]
  security_group_ids     = [module.network.security_group_ids["portal_lb"]]
  certificate_arn        = var.portal_certificate_arn
  target_port            = local.portal_port
  redirect_http_to_https = false
  access_logs_bucket     = var.load_balancer_access_logs_bucket
}

module "data" {
  source = "../../modules/data"

  name                          = var.name
  subnet_ids                    = module.network.subnet_ids["data"]
  redis_security_group_ids      = [module.network.security_group_ids["redis"]]
  postgresql_security_group_ids = [module.network.security_group_ids["postgresql"]]
  postgresql_multi_az           = var.postgresql_multi_az
  kms_key_arn                   = var.kms_key_arn
}

module "audit_archive" {
  source = "../../modules/audit-archive"

  bucket_name      = var.audit_bucket_name
  retention_days   = var.audit_retention_days
  writer_role_arns = [module.broker.role_arn, module.portal.role_arn]
  reader_role_arns = var.audit_reader_role_arns
  kms_key_arn      = var.kms_key_arn
}

# The CA of the links the workspace terminates itself: brokers to desktop agents (mutual TLS) and to the
# guacd beside each desktop.
module "internal_ca" {
  source = "../../modules/internal-ca"

  name = "${var.name}-internal-ca"
}

module "desktop_pool" {
  source = "../../modules/desktop-pool"

  name               = "${var.name}-desktops"
  ami_id             = var.desktop_ami_id
  image_version      = var.desktop_image_version
  subnet_ids         = module.network.subnet_ids["desktops"]
  security_group_ids = [module.network.security_group_ids["desktops"]]
  min_size           = var.desktop_min_size
  max_size           = var.desktop_max_size
  desired_capacity   = var.desktop_desired_capacity
  warm_pool          = { min_size = var.desktop_warm_pool_min_size }
  agent_port         = local.desktop_agent_port
  internal_ca_arn    = module.internal_ca.certificate_authority_arn
  kms_key_arn        = var.kms_key_arn
}

module "portal" {
  source = "../../modules/portal"

  name               = "${var.name}-portal"
  ami_id             = var.portal_ami_id
  subnet_ids         = module.network.subnet_ids["portal"]
  security_group_ids = [module.network.security_group_ids["portal"]]
  port               = local.portal_port
  public_url         = var.portal_public_url
  target_group_arns  = [module.portal_load_balancer.target_group_arn]
  kms_key_arn        = var.kms_key_arn

  audit_archive_bucket_arn  = module.audit_archive.bucket_arn
  audit_archive_kms_key_arn = module.audit_archive.kms_key_arn
}

module "broker" {
  source = "../../modules/broker"

  name               = "${var.name}-broker"
  ami_id             = var.broker_ami_id
  subnet_ids         = module.network.subnet_ids["broker"]
  security_group_ids = [module.network.security_group_ids["broker"]]
  port               = local.broker_port
  target_group_arns  = [module.public_load_balancer.target_group_arn]

  desktop_pool_autoscaling_group_arn = module.desktop_pool.autoscaling_group_arn
  desktop_pool_metric_namespace      = module.desktop_pool.metric_namespace
  audit_archive_bucket_arn           = module.audit_archive.bucket_arn
  audit_archive_kms_key_arn          = module.audit_archive.kms_key_arn
  internal_ca_arn                    = module.internal_ca.certificate_authority_arn

  # Redis's and PostgreSQL's addresses and credentials go into the URLs an operator writes into the
  # broker's config secret (see the broker module's README); here only what Terraform knows by itself.
  environment = {
    PORTAL_INTERNAL_URL = var.portal_public_url
    # The load balancers sit inside the VPC; the broker takes their X-Forwarded-For, nobody else's.
    BROKER_TRUST_PROXY = module.network.vpc_cidr_block
  }
  secret_environment = {
    PORTAL_HANDOFF_SECRET = module.portal.generated_secret_arns["PORTAL_HANDOFF_SECRET"]
  }
  kms_key_arn = var.kms_key_arn
}
