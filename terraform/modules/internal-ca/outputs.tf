output "certificate_authority_arn" {
  description = "ARN of the internal CA; give it to the modules whose hosts need certificates (desktop-pool, broker)."
  value       = aws_acmpca_certificate_authority.this.arn
}

output "certificate_pem" {
  description = "The CA's certificate (PEM), which every party of an internal link verifies the other against."
  value       = aws_acmpca_certificate.root.certificate
}
