output "bucket_name" {
  description = "Name of the archive bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the archive bucket, for the writers' and readers' IAM policies."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the archive; writers need kms:GenerateDataKey on it, readers kms:Decrypt."
  value       = local.kms_key_arn
}

output "retention_days" {
  description = "Days each archived object stays locked in compliance mode."
  value       = var.retention_days
}
