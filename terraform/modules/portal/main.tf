# The portal (workspace-app server) behind the internal load balancer. Its database and Redis URLs carry
# credentials, so they go into the config secret; everything here is either plain or generated.
locals {
  # What only an operator can give the portal: put in the config secret (output config_secret_arn) as a
  # flat JSON object; a *_FILE setting carries the file itself, as "base64:" and its content (see host-group).
  config_secret_settings = [
    "PORTAL_DATABASE_URL",
    "PORTAL_REDIS_URL",
    "PORTAL_CONNECTORS",
    "AUDIT_CHECKPOINT_KEY_FILE",
  ]
}

data "aws_region" "current" {}

# Put only: the portal can neither read back nor delete the audit archive it copies to the bucket.
data "aws_iam_policy_document" "portal" {
  statement {
    sid       = "AppendAuditArchive"
    actions   = ["s3:PutObject"]
    resources = ["${var.audit_archive_bucket_arn}/*"]
  }

  statement {
    sid       = "EncryptAuditArchive"
    actions   = ["kms:GenerateDataKey"]
    resources = [var.audit_archive_kms_key_arn]

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${data.aws_region.current.region}.amazonaws.com"]
    }
  }
}

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
    AUDIT_ARCHIVE_DIR = "/var/lib/hcw-portal/audit-archive"
  }, var.environment)
  secret_environment = var.secret_environment
  generated_secrets  = var.generated_secrets
  inline_policies    = { "archive-audit" = data.aws_iam_policy_document.portal.json }
  audit_archive_upload = {
    bucket = element(split(":::", var.audit_archive_bucket_arn), 1)
    dir    = "/var/lib/hcw-portal/audit-archive"
  }

  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
