variable "name" {
  type        = string
  description = "Name of the broker group, e.g. \"hcw-prod-broker\"."
}

variable "ami_id" {
  type        = string
  description = "Broker image: Node.js, the broker package and its hcw-broker systemd unit reading /etc/hcw/hcw-broker.env, ClamAV (clamav-daemon and clamav-freshclam, enabled) for what devices send, the AWS CLI and jq."
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the brokers."
  default     = "c7i.large"
}

variable "subnet_ids" {
  type        = list(string)
  description = "Broker subnets (network module, zone \"broker\")."
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the brokers (network module, role \"broker\")."
}

variable "min_size" {
  type        = number
  description = "Fewest brokers; two or more so one can fail or be replaced without an outage."
  default     = 2
}

variable "max_size" {
  type        = number
  description = "Most brokers."
  default     = 8
}

variable "desired_capacity" {
  type        = number
  description = "Brokers to run now."
  default     = 2
}

variable "port" {
  type        = number
  description = "Port the broker listens on; must match the network module's broker_port and the load balancer's target_port."
  default     = 8080
}

variable "target_group_arns" {
  type        = list(string)
  description = "Target groups of the public load balancer to register brokers in."

  validation {
    condition     = length(var.target_group_arns) > 0
    error_message = "Brokers serve only through the load balancer; give its target group."
  }
}

variable "internal_ca_arn" {
  type        = string
  description = "ARN of the internal CA (internal-ca module): each broker asks it at boot for a client certificate naming the broker, which the desktop agents require, and verifies the agents and the guacd beside each desktop against it."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:[0-9]{12}:certificate-authority/[0-9a-f-]+$", var.internal_ca_arn))
    error_message = "internal_ca_arn must be the ARN of an AWS Private CA certificate authority."
  }
}

variable "desktop_pool_autoscaling_group_arn" {
  type        = string
  description = "ARN of the desktop pool; the broker may protect leased hosts from scale-in and terminate a host when its lease ends, in this group only."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:autoscaling:", var.desktop_pool_autoscaling_group_arn))
    error_message = "desktop_pool_autoscaling_group_arn must be an autoscaling group ARN."
  }
}

variable "desktop_pool_metric_namespace" {
  type        = string
  description = "CloudWatch namespace of the idle-host metric the broker publishes and the desktop pool scales on; the broker may publish in this namespace only."
  default     = "HCW/Desktops"
}

variable "audit_archive_bucket_arn" {
  type        = string
  description = "Audit archive bucket the broker exports the hash-chained audit trail to (write-only)."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.audit_archive_bucket_arn))
    error_message = "audit_archive_bucket_arn must be an S3 bucket ARN."
  }
}

variable "audit_archive_kms_key_arn" {
  type        = string
  description = "KMS key that encrypts the audit archive; the broker may only generate data keys with it, through S3."
}

variable "environment" {
  type        = map(string)
  description = "Extra non-secret broker settings (e.g. Redis and PostgreSQL host names)."
  default     = {}
}

variable "secret_environment" {
  type        = map(string)
  description = "Broker settings read from Secrets Manager: variable name to secret ARN (e.g. the portal hand-off secret)."
  default     = {}
}

variable "generated_secrets" {
  type        = list(string)
  description = "Broker settings Terraform generates and shares among all brokers, so any broker can serve any request."
  default     = ["BROKER_SESSION_SECRET"]
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for secrets, volumes and logs; null uses the AWS-managed keys."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep broker logs in CloudWatch Logs."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
