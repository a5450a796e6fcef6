variable "name" {
  type        = string
  description = "Prefix for every resource name, e.g. \"hcw-prod\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cidr_block" {
  type        = string
  description = "IPv4 range of the VPC. A /16 gives /24 subnets to the small zones and /20 subnets to the desktops."
  default     = "10.40.0.0/16"

  validation {
    condition     = can(regex("^\\d+\\.\\d+\\.\\d+\\.\\d+/1[6-8]$", var.cidr_block)) && can(cidrhost(var.cidr_block, 0))
    error_message = "cidr_block must be a valid IPv4 range between /16 and /18."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones to spread every zone's subnets over (two or more, so one zone can fail)."

  validation {
    condition     = length(var.availability_zones) >= 2 && length(var.availability_zones) <= 4 && length(distinct(var.availability_zones)) == length(var.availability_zones)
    error_message = "availability_zones must list two to four distinct zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "Use one NAT gateway for all availability zones (cheaper, but egress of the portal and desktops then depends on one zone)."
  default     = false
}

variable "public_ingress_cidr_blocks" {
  type        = list(string)
  description = "IPv4 ranges allowed to reach the public load balancer. Practitioners connect from personal devices anywhere, hence the open default."
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.public_ingress_cidr_blocks) > 0 && alltrue([for cidr in var.public_ingress_cidr_blocks : can(cidrhost(cidr, 0))])
    error_message = "public_ingress_cidr_blocks must hold at least one valid IPv4 range."
  }
}

variable "broker_port" {
  type        = number
  description = "Port the brokers listen on behind the load balancer."
  default     = 8080

  validation {
    condition     = var.broker_port >= 1024 && var.broker_port <= 65535
    error_message = "broker_port must be an unprivileged port (1024-65535)."
  }
}

variable "portal_port" {
  type        = number
  description = "Port the portal servers listen on behind the internal load balancer."
  default     = 8080

  validation {
    condition     = var.portal_port >= 1024 && var.portal_port <= 65535
    error_message = "portal_port must be an unprivileged port (1024-65535)."
  }
}

variable "guacd_port" {
  type        = number
  description = "Port the guacd beside each desktop listens on (TLS) for the brokers."
  default     = 4822

  validation {
    condition     = var.guacd_port >= 1 && var.guacd_port <= 65535
    error_message = "guacd_port must be a TCP port."
  }
}

variable "desktop_agent_port" {
  type        = number
  description = "Port of the desktop agent API that the brokers call on each desktop host (mutual TLS)."
  default     = 8700

  validation {
    condition     = var.desktop_agent_port >= 1024 && var.desktop_agent_port <= 65535 && (var.desktop_agent_port < 5900 || var.desktop_agent_port > 5999)
    error_message = "desktop_agent_port must be an unprivileged port outside the VNC range."
  }
}

variable "redis_port" {
  type        = number
  description = "Port of the managed Redis."
  default     = 6379

  validation {
    condition     = var.redis_port >= 1024 && var.redis_port <= 65535
    error_message = "redis_port must be an unprivileged port (1024-65535)."
  }
}

variable "postgresql_port" {
  type        = number
  description = "Port of the managed PostgreSQL."
  default     = 5432

  validation {
    condition     = var.postgresql_port >= 1024 && var.postgresql_port <= 65535
    error_message = "postgresql_port must be an unprivileged port (1024-65535)."
  }
}

variable "vendor_endpoints" {
  type = list(object({
    cidr        = string
    description = string
  }))
  description = "Vendor collaboration systems (MCS, Kanamic, ...) that desktops and portal servers may reach on HTTPS. Nothing else on the internet is reachable from the desktops."
  default     = []

  validation {
    condition = alltrue([
      for endpoint in var.vendor_endpoints :
      can(regex("/(1[6-9]|2[0-9]|3[0-2])$", endpoint.cidr)) && can(cidrhost(endpoint.cidr, 0))
    ])
    error_message = "Every vendor endpoint must be a valid IPv4 range no wider than /16; an allow-list of the whole internet is not an allow-list."
  }

  validation {
    condition     = length(var.vendor_endpoints) <= 100
    error_message = "At most 100 vendor endpoints fit in one managed prefix list; use an egress proxy for more."
  }
}

variable "egress_proxy" {
  type = object({
    security_group_id = string
    port              = number
  })
  description = "Optional filtering egress proxy (allow-list by host name) that desktops may use in addition to the vendor endpoints. null when there is none."
  default     = null

  validation {
    condition     = var.egress_proxy == null || can(regex("^sg-[0-9a-f]+$", var.egress_proxy.security_group_id))
    error_message = "egress_proxy.security_group_id must be a security group id (sg-...)."
  }
}

variable "interface_endpoint_services" {
  type        = list(string)
  description = "AWS services reached through interface VPC endpoints, so hosts need no internet route to fetch secrets and certificates, ship logs or be discovered."
  default     = ["secretsmanager", "logs", "ec2", "autoscaling", "monitoring", "acm-pca"]

  validation {
    condition     = contains(var.interface_endpoint_services, "secretsmanager")
    error_message = "interface_endpoint_services must include secretsmanager: every host pulls its configuration from it at boot."
  }
}

variable "flow_log_retention_days" {
  type        = number
  description = "Days to keep VPC flow logs in CloudWatch Logs."
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a retention period CloudWatch Logs accepts (e.g. 90, 365, 1827)."
  }
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for the flow log group; null uses CloudWatch Logs' own encryption."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
