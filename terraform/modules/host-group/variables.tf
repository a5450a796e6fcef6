variable "name" {
  type        = string
  description = "Name of the group; also names its role, launch template, log group and secrets."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "service_name" {
  type        = string
  description = "systemd unit the image ships and user data starts once its environment file is written."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*$", var.service_name))
    error_message = "service_name must be a plain unit name such as hcw-broker."
  }
}

variable "ami_id" {
  type        = string
  description = "Image the hosts boot from; it must ship the service unit, the AWS CLI and jq."

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the hosts."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets to launch hosts in, one per availability zone."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Spread the group over at least two subnets (availability zones)."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the hosts (from the network module)."

  validation {
    condition     = length(var.security_group_ids) > 0
    error_message = "At least one security group is required; without one AWS would attach the VPC default."
  }
}

variable "min_size" {
  type        = number
  description = "Fewest hosts the group keeps."

  validation {
    condition     = var.min_size >= 0
    error_message = "min_size cannot be negative."
  }
}

variable "max_size" {
  type        = number
  description = "Most hosts the group may grow to."

  validation {
    condition     = var.max_size >= var.min_size && var.max_size >= 1
    error_message = "max_size must be at least 1 and at least min_size."
  }
}

variable "desired_capacity" {
  type        = number
  description = "Hosts to run now, between min_size and max_size."

  validation {
    condition     = var.desired_capacity >= var.min_size && var.desired_capacity <= var.max_size
    error_message = "desired_capacity must lie between min_size and max_size."
  }
}

variable "target_group_arns" {
  type        = list(string)
  description = "Load balancer target groups to register hosts in; when set, the load balancer's health check also decides replacement."
  default     = []
}

variable "environment" {
  type        = map(string)
  description = "Plain, non-secret settings written to the service's environment file (host names, ports, group names)."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", key))])
    error_message = "environment keys must be upper-case variable names."
  }

  validation {
    condition     = alltrue([for key in keys(var.environment) : !can(regex("(PASSWORD|SECRET|TOKEN|_KEY$)", key))])
    error_message = "A setting named like a secret belongs in secret_environment or the config secret, never in user data."
  }

  validation {
    condition     = alltrue([for value in values(var.environment) : !can(regex("[\\n']", value))])
    error_message = "environment values must be single-line and free of single quotes."
  }
}

variable "secret_environment" {
  type        = map(string)
  description = "Settings whose values live in Secrets Manager: variable name to the ARN of a secret holding a single-line string. The role may read exactly these secrets."
  default     = {}

  validation {
    condition     = alltrue([for key in keys(var.secret_environment) : can(regex("^[A-Z][A-Z0-9_]*$", key))])
    error_message = "secret_environment keys must be upper-case variable names."
  }
}

variable "generated_secrets" {
  type        = list(string)
  description = "Variable names whose values Terraform generates once (48 random characters) and keeps in Secrets Manager, e.g. session secrets; other groups can be given their ARNs."
  default     = []

  validation {
    condition     = alltrue([for key in var.generated_secrets : can(regex("^[A-Z][A-Z0-9_]*$", key))])
    error_message = "generated_secrets must be upper-case variable names."
  }
}

variable "internal_certificate" {
  type = object({
    certificate_authority_arn = string
    usage                     = string
    uri                       = string
    validity_days             = optional(number, 30)
  })
  description = "A certificate of the internal CA the service shows inside the VPC, made at boot for a key the host makes itself: usage \"client\" or \"server\", uri naming whom it speaks for (e.g. urn:hcw:service:broker). Written to /etc/<service_name>/ as <service_name>.crt, <service_name>.key (readable by the service's group) and internal-ca.crt. Null for none."
  default     = null

  validation {
    condition     = var.internal_certificate == null || contains(["client", "server"], try(var.internal_certificate.usage, ""))
    error_message = "internal_certificate.usage must be client or server."
  }

  validation {
    condition     = var.internal_certificate == null || can(regex("^urn:hcw:[a-z]+:[A-Za-z0-9._-]+$", try(var.internal_certificate.uri, "")))
    error_message = "internal_certificate.uri must look like urn:hcw:service:broker."
  }
}

variable "inline_policies" {
  type        = map(string)
  description = "Extra IAM policy documents (name to JSON) the role of this group needs beyond reading its own configuration and writing its logs."
  default     = {}
}

variable "audit_archive_upload" {
  type = object({
    bucket = string
    dir    = string
  })
  description = "Where the service keeps its audit archive on the host (dir), and the object-lock bucket a timer copies each new or changed file to every five minutes, under <service>/<instance id>/; null uploads nothing."
  default     = null

  validation {
    condition     = var.audit_archive_upload == null || can(regex("^/[A-Za-z0-9._/-]+$", try(var.audit_archive_upload.dir, "")))
    error_message = "audit_archive_upload.dir must be an absolute path."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for the secrets, root volumes and log group; null uses the AWS-managed keys."
  default     = null
}

variable "root_volume_size_gb" {
  type        = number
  description = "Size of the encrypted root volume."
  default     = 30

  validation {
    condition     = var.root_volume_size_gb >= 8 && var.root_volume_size_gb <= 1024
    error_message = "root_volume_size_gb must be between 8 and 1024."
  }
}

variable "health_check_grace_period_seconds" {
  type        = number
  description = "Seconds after launch before health checks may mark a host unhealthy."
  default     = 300

  validation {
    condition     = var.health_check_grace_period_seconds >= 0 && var.health_check_grace_period_seconds <= 7200
    error_message = "health_check_grace_period_seconds must be between 0 and 7200."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep the service's logs in CloudWatch Logs."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 90, 365, 1827)."
  }
}

variable "enable_session_manager" {
  type        = bool
  description = "Attach AWS's managed Session Manager policy for shell access without SSH. Off by default: that policy reads every SSM parameter, and hosts are replaced rather than logged into."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource and propagated to the hosts."
  default     = {}
}
