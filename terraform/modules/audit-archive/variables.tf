variable "bucket_name" {
  type        = string
  description = "Globally unique name of the archive bucket."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "retention_days" {
  type        = number
  description = "Days every archived object is locked in compliance mode: nobody, the account root included, can delete or overwrite it before then, and the period cannot be shortened."
  default     = 1827

  validation {
    condition     = var.retention_days >= 365 && var.retention_days <= 36500
    error_message = "retention_days must be between 365 (one year) and 36500."
  }
}

variable "writer_role_arns" {
  type        = list(string)
  description = "IAM roles that may add objects (the brokers' role). Nobody else may write."

  validation {
    condition     = length(var.writer_role_arns) > 0 && alltrue([for arn in var.writer_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", arn))])
    error_message = "writer_role_arns must list at least one IAM role ARN."
  }
}

variable "reader_role_arns" {
  type        = list(string)
  description = "IAM roles that may read the archive (auditors). Nobody else may read, administrators included."

  validation {
    condition     = length(var.reader_role_arns) > 0 && alltrue([for arn in var.reader_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", arn))])
    error_message = "reader_role_arns must list at least one IAM role ARN."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "KMS key encrypting the archive; null creates a dedicated key with yearly rotation."
  default     = null
}

variable "transition_to_glacier_after_days" {
  type        = number
  description = "Days after which objects move to S3 Glacier Flexible Retrieval (still locked); null keeps them in S3 Standard."
  default     = 90

  validation {
    condition     = var.transition_to_glacier_after_days == null || try(var.transition_to_glacier_after_days >= 30, false)
    error_message = "transition_to_glacier_after_days must be at least 30, or null."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
