data "aws_region" "current" {}

# What a broker may do besides reading its own configuration and getting its certificate: find desktop hosts
# (each with the guacd beside it), lease and recycle desktops of its own pool, report the pool's idle hosts,
# and append to the audit archive.
data "aws_iam_policy_document" "broker" {
  # These read-only EC2 and Auto Scaling calls cannot be limited to particular resources.
  statement {
    sid       = "DiscoverHosts"
    actions   = ["autoscaling:DescribeAutoScalingGroups", "autoscaling:DescribeAutoScalingInstances", "ec2:DescribeInstances"]
    resources = ["*"]
  }

  statement {
    sid       = "LeaseAndRecycleDesktops"
    actions   = ["autoscaling:SetInstanceProtection", "autoscaling:TerminateInstanceInAutoScalingGroup"]
    resources = [var.desktop_pool_autoscaling_group_arn]
  }

  statement {
    sid       = "PublishPoolMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = [var.desktop_pool_metric_namespace]
    }
  }

  # Put only: the broker can neither read back nor delete what it archived.
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

locals {
  # What only an operator can give the broker (addresses with credentials, the IdP, keys shared by every
  # broker, the pools): put in the config secret (output config_secret_arn) as a flat JSON object. A *_FILE
  # setting carries the file itself, as "base64:" and its content (see host-group).
  config_secret_settings = [
    "BROKER_PUBLIC_URL",
    "BROKER_REDIS_URL",
    "BROKER_DATABASE_URL",
    "BROKER_TUNNEL_KEY",
    "BROKER_SECRETS_KEY",
    "SAML_IDP_SSO_URL",
    "SAML_IDP_SLO_URL",
    "SAML_IDP_ENTITY_ID",
    "SAML_IDP_CERT_FILE",
    "SAML_SP_KEY_FILE",
    "SAML_SP_CERT_FILE",
    "POOLS",
    "AUDIT_CHECKPOINT_KEY_FILE",
  ]
}

module "hosts" {
  source = "../host-group"

  name               = var.name
  service_name       = "hcw-broker"
  ami_id             = var.ami_id
  instance_type      = var.instance_type
  subnet_ids         = var.subnet_ids
  security_group_ids = var.security_group_ids
  min_size           = var.min_size
  max_size           = var.max_size
  desired_capacity   = var.desired_capacity
  target_group_arns  = var.target_group_arns

  environment = merge({
    BROKER_ENV  = "production"
    BROKER_HOST = "0.0.0.0"
    BROKER_PORT = tostring(var.port)
    # The audit archive on the host, which the broker writes and signs; host-group copies it to the bucket.
    AUDIT_ARCHIVE_DIR = "/var/lib/hcw-broker/audit-archive"
    # The broker's client certificate, which the desktop agents require, and the CA it verifies them
    # and the guacd beside each desktop against (host-group makes them at boot).
    BROKER_INTERNAL_CA_FILE = "/etc/hcw-broker/internal-ca.crt"
    BROKER_TLS_CERT_FILE    = "/etc/hcw-broker/hcw-broker.crt"
    BROKER_TLS_KEY_FILE     = "/etc/hcw-broker/hcw-broker.key"
    # Photos and PDFs from devices are scanned by the image's clamd on its local socket; freshclam on the host
    # keeps its signatures current (the NAT gateway gives it the way out).
    UPLOAD_SCANNER = "/run/clamav/clamd.ctl"
  }, var.environment)
  audit_archive_upload = {
    bucket = element(split(":::", var.audit_archive_bucket_arn), 1)
    dir    = "/var/lib/hcw-broker/audit-archive"
  }
  internal_certificate = {
    certificate_authority_arn = var.internal_ca_arn
    usage                     = "client"
    uri                       = "urn:hcw:service:broker"
  }
  secret_environment = var.secret_environment
  generated_secrets  = var.generated_secrets
  inline_policies    = { "lease-desktops-and-archive-audit" = data.aws_iam_policy_document.broker.json }

  kms_key_arn        = var.kms_key_arn
  log_retention_days = var.log_retention_days
  tags               = var.tags
}
