variable "name" {
  type        = string
  description = "Name of the portal group, e.g. \"hcw-prod-portal\"."
}

variable "ami_id" {
  type        = string
  description = "Portal image: Node.js, the workspace-app package and its hcw-portal systemd unit reading /etc/hcw/hcw-portal.env, the AWS CLI and jq."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the portal servers."
  default     = "c7i.large"
}

variable "subnet_ids" {
  type        = list(string)
  description = "Portal subnets (network module, zone \"portal\")."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the portal servers (network module, role \"portal\")."
}

variable "min_size" {
  type        = number
  description = "Fewest portal servers."
  default     = 2
}

variable "max_size" {
  type        = number
  description = "Most portal servers."
  default     = 8
}

variable "desired_capacity" {
  type        = number
  description = "Portal servers to run now."
  default     = 2
}

variable "port" {
  type        = number
  description = "Port the portal listens on (PORTAL_PORT); must match the network module's portal_port and the internal load balancer's target_port."
  default     = 8080
}

variable "public_url" {
  type        = string
  description = "Address of the portal as the kiosk browser inside a desktop reaches it (PORTAL_PUBLIC_URL), e.g. https://portal.internal.example.jp."

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+(:[0-9]+)?/?$", var.public_url))
    error_message = "public_url must be an https:// address without a path."
  }
}

variable "target_group_arns" {
  type        = list(string)
  description = "Target groups of the internal load balancer to register portal servers in."

  validation {
    condition     = length(var.target_group_arns) > 0
    error_message = "Portal servers serve only through the internal load balancer; give its target group."
  }
}

variable "environment" {
  type        = map(string)
  description = "Extra non-secret portal settings (e.g. PORTAL_SESSION_IDLE_MINUTES)."
  default     = {}
}

variable "secret_environment" {
  type        = map(string)
  description = "Portal settings read from Secrets Manager: variable name to secret ARN."
  default     = {}
}

variable "generated_secrets" {
  type        = list(string)
  description = "Portal settings Terraform generates: the session secret shared by all portal servers and the hand-off secret shared with the brokers."
  default     = ["PORTAL_SESSION_SECRET", "PORTAL_HANDOFF_SECRET"]
}

variable "audit_archive_bucket_arn" {
  type        = string
  description = "Audit archive bucket the portal servers copy their audit archive to (write-only)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.audit_archive_bucket_arn))
    error_message = "audit_archive_bucket_arn must be an S3 bucket ARN."
  }
}

variable "audit_archive_kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the audit archive; the portal may only generate data keys with it, through S3."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for secrets, volumes and logs; null uses the AWS-managed keys."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep portal logs in CloudWatch Logs."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
