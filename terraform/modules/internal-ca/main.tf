data "aws_partition" "current" {}

# The internal CA of the deployment: every link inside the VPC that the workspace itself terminates is TLS
# verified against it (brokers to desktop agents and to the guacd beside each desktop), and each party's
# certificate names who it is (docs/decisions/0021-internal-tls-and-service-credentials.md). Its key never
# leaves AWS Private CA; hosts make their own keys and ask it for certificates with their instance role.
resource "aws_acmpca_certificate_authority" "this" {
  type                            = "ROOT"
  usage_mode                      = var.usage_mode
  permanent_deletion_time_in_days = var.permanent_deletion_time_in_days

  certificate_authority_configuration {
    key_algorithm     = "EC_prime256v1"
    signing_algorithm = "SHA256WITHECDSA"

    subject {
      common_name  = var.common_name
      organization = var.organization
    }
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_acmpca_certificate" "root" {
  certificate_authority_arn   = aws_acmpca_certificate_authority.this.arn
  certificate_signing_request = aws_acmpca_certificate_authority.this.certificate_signing_request
  signing_algorithm           = "SHA256WITHECDSA"
  template_arn                = "arn:${data.aws_partition.current.partition}:acm-pca:::template/RootCACertificate/V1"

  validity {
    type  = "YEARS"
    value = var.validity_years
  }
}

resource "aws_acmpca_certificate_authority_certificate" "this" {
  certificate_authority_arn = aws_acmpca_certificate_authority.this.arn
  certificate               = aws_acmpca_certificate.root.certificate
  certificate_chain         = aws_acmpca_certificate.root.certificate_chain
}
