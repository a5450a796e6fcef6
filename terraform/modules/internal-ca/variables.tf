variable "name" {
  type        = string
  description = "Name of the CA, e.g. \"hcw-prod-internal-ca\" (its Name tag)."
}

variable "common_name" {
  type        = string
  description = "Common name of the CA's certificate."
  default     = "Home-care workspace internal CA"
}

variable "organization" {
  type        = string
  description = "Organisation named in the CA's certificate (the district medical association or the city)."
  default     = "Home-care workspace"
}

variable "validity_years" {
  type        = number
  description = "Lifetime of the CA's own certificate, in years; hosts' certificates are issued for far less."
  default     = 10

  validation {
    condition     = var.validity_years >= 1 && var.validity_years <= 20
    error_message = "validity_years must be between 1 and 20."
  }
}

variable "usage_mode" {
  type        = string
  description = "GENERAL_PURPOSE, or SHORT_LIVED_CERTIFICATE (cheaper; every certificate then lives at most seven days, so hosts must be replaced or renew within that)."
  default     = "GENERAL_PURPOSE"

  validation {
    condition     = contains(["GENERAL_PURPOSE", "SHORT_LIVED_CERTIFICATE"], var.usage_mode)
    error_message = "usage_mode must be GENERAL_PURPOSE or SHORT_LIVED_CERTIFICATE."
  }
}

variable "permanent_deletion_time_in_days" {
  type        = number
  description = "Days a deleted CA can still be restored."
  default     = 30

  validation {
    condition     = var.permanent_deletion_time_in_days >= 7 && var.permanent_deletion_time_in_days <= 30
    error_message = "permanent_deletion_time_in_days must be between 7 and 30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
