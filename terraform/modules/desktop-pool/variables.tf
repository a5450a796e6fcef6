variable "name" {
  type        = string
  description = "Name of the desktop pool; also names its role, launch template and log group."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "ami_id" {
  type        = string
  description = "Desktop image built by the Packer template in vdi-images/ (Xvnc, window manager, locked-down kiosk browser, the hcw-desktop-agent unit, the AWS CLI and openssl) with guacd added beside them (a current release, as the guacd image had)."

  validation {
    condition     = can(regex("^ami-[0-9a-f]{8,17}$", var.ami_id))
    error_message = "ami_id must look like ami-0123456789abcdef0."
  }
}

variable "image_version" {
  type        = string
  description = "Version label of the image, reported by the agent (IMAGE_VERSION) so administrators see which hosts still run an old image."
  default     = "unknown"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,64}$", var.image_version))
    error_message = "image_version must be 1-64 letters, digits, dots, hyphens or underscores."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the desktop hosts."
  default     = "m7i.large"
}

variable "subnet_ids" {
  type        = list(string)
  description = "Desktop subnets (network module, zone \"desktops\"); hosts get no public address."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Spread the pool over at least two subnets (availability zones)."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the desktop hosts (network module, role \"desktops\")."

  validation {
    condition     = length(var.security_group_ids) > 0
    error_message = "At least one security group is required; without one AWS would attach the VPC default."
  }
}

variable "min_size" {
  type        = number
  description = "Fewest running desktop hosts."
  default     = 2

  validation {
    condition     = var.min_size >= 0
    error_message = "min_size cannot be negative."
  }
}

variable "max_size" {
  type        = number
  description = "Most running desktop hosts (plan for the peak of concurrent sessions)."
  default     = 100

  validation {
    condition     = var.max_size >= var.min_size && var.max_size >= 1
    error_message = "max_size must be at least 1 and at least min_size."
  }
}

variable "desired_capacity" {
  type        = number
  description = "Running desktop hosts at creation; afterwards the idle-host alarms move it and Terraform leaves it alone."
  default     = 4

  validation {
    condition     = var.desired_capacity >= var.min_size && var.desired_capacity <= var.max_size
    error_message = "desired_capacity must lie between min_size and max_size."
  }
}

variable "warm_pool" {
  type = object({
    min_size                    = number
    max_group_prepared_capacity = optional(number)
    pool_state                  = optional(string, "Stopped")
  })
  description = "Pre-initialised hosts kept beside the pool so a login gets a desktop in seconds rather than a full boot. Stopped hosts cost only their volumes."
  default     = { min_size = 4 }

  validation {
    condition     = contains(["Stopped", "Running", "Hibernated"], var.warm_pool.pool_state)
    error_message = "warm_pool.pool_state must be Stopped, Running or Hibernated."
  }

  validation {
    condition     = var.warm_pool.min_size >= 0
    error_message = "warm_pool.min_size cannot be negative."
  }
}

variable "idle_scaling" {
  type = object({
    metric_namespace = optional(string, "HCW/Desktops")
    metric_name      = optional(string, "IdleHosts")
    min_idle_hosts   = number
    max_idle_hosts   = number
    step             = optional(number, 2)
    cooldown_seconds = optional(number, 300)
  })
  description = "Scaling on the brokers' idle-host metric (dimension AutoScalingGroupName): add hosts when fewer than min_idle_hosts are free, remove hosts when more than max_idle_hosts stay free."
  default     = { min_idle_hosts = 2, max_idle_hosts = 10 }

  validation {
    condition     = var.idle_scaling.min_idle_hosts >= 0 && var.idle_scaling.max_idle_hosts > var.idle_scaling.min_idle_hosts
    error_message = "idle_scaling.max_idle_hosts must be greater than min_idle_hosts, and both non-negative."
  }

  validation {
    condition     = var.idle_scaling.step >= 1
    error_message = "idle_scaling.step must be at least 1."
  }
}

variable "agent_port" {
  type        = number
  description = "Port of the desktop agent API (AGENT_PORT), mutual TLS; must match the network module's desktop_agent_port."
  default     = 8700
}

variable "guacd_port" {
  type        = number
  description = "Port of the guacd beside each desktop (TLS, for the brokers); must match the network module's guacd_port."
  default     = 4822

  validation {
    condition     = var.guacd_port >= 1 && var.guacd_port <= 65535
    error_message = "guacd_port must be a TCP port."
  }
}

variable "internal_ca_arn" {
  type        = string
  description = "ARN of the internal CA (internal-ca module) each host asks, at first boot, for its agent's certificate (naming the desktop) and its guacd's."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm-pca:[a-z0-9-]+:[0-9]{12}:certificate-authority/[0-9a-f-]+$", var.internal_ca_arn))
    error_message = "internal_ca_arn must be the ARN of an AWS Private CA certificate authority."
  }
}

variable "certificate_validity_days" {
  type        = number
  description = "Lifetime of a host's certificates; a host kept longer (in the warm pool) stops being leased and is replaced. At most 7 with a short-lived CA."
  default     = 30

  validation {
    condition     = var.certificate_validity_days >= 1 && var.certificate_validity_days <= 397
    error_message = "certificate_validity_days must be between 1 and 397."
  }
}

variable "display_number" {
  type        = number
  description = "X display of the session (DESKTOP_DISPLAY); its VNC port, 5900 plus this number, listens on the host's loopback for the guacd beside it."
  default     = 1

  validation {
    condition     = var.display_number >= 0 && var.display_number <= 99
    error_message = "display_number must be between 0 and 99."
  }
}

variable "root_volume_size_gb" {
  type        = number
  description = "Size of the encrypted root volume."
  default     = 40

  validation {
    condition     = var.root_volume_size_gb >= 8 && var.root_volume_size_gb <= 1024
    error_message = "root_volume_size_gb must be between 8 and 1024."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for the root volumes and log group; null uses the AWS-managed keys."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Days to keep desktop agent logs in CloudWatch Logs."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 90, 365, 1827)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource and propagated to the hosts."
  default     = {}
}
