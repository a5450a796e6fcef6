variable "name" {
  type        = string
  description = "Name of the guacd group, e.g. \"hcw-prod-guacd\"."
}

variable "ami_id" {
  type        = string
  description = "guacd image: guacd with its VNC plugin, a guacd systemd unit reading /etc/hcw/guacd.env, the AWS CLI and jq."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the guacd hosts; guacd encodes every desktop's screen, so it wants CPU."
  default     = "c7i.xlarge"
}

variable "subnet_ids" {
  type        = list(string)
  description = "guacd subnets (network module, zone \"guacd\")."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the guacd hosts (network module, role \"guacd\")."
}

variable "min_size" {
  type        = number
  description = "Fewest guacd hosts; two or more so a lease always finds one."
  default     = 2
}

variable "max_size" {
  type        = number
  description = "Most guacd hosts."
  default     = 10
}

variable "desired_capacity" {
  type        = number
  description = "guacd hosts to run now."
  default     = 2
}

variable "port" {
  type        = number
  description = "Port guacd listens on; must match the network module's guacd_port."
  default     = 4822

  validation {
    condition     = var.port >= 1 && var.port <= 65535
    error_message = "port must be a TCP port."
  }
}

variable "environment" {
  type        = map(string)
  description = "Extra non-secret guacd settings (e.g. GUACD_LOG_LEVEL)."
  default     = {}
}

variable "secret_environment" {
  type        = map(string)
  description = "guacd settings read from Secrets Manager: variable name to secret ARN (e.g. a TLS key for the broker link)."
  default     = {}
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for secrets, volumes and logs; null uses the AWS-managed keys."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep guacd logs in CloudWatch Logs."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
