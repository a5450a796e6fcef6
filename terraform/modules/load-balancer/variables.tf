variable "name" {
  type        = string
  description = "Name of the load balancer and prefix of its target group (at most 26 characters, AWS allows 32 for both)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,25}$", var.name))
    error_message = "name must be 2-26 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "internal" {
  type        = bool
  description = "true for a load balancer reachable only inside the VPC (the portal's), false for the public one in front of the brokers."
  default     = false
}

variable "vpc_id" {
  type        = string
  description = "VPC of the targets."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the load balancer, in at least two availability zones."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An application load balancer needs subnets in at least two availability zones."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the load balancer (from the network module)."

  validation {
    condition     = length(var.security_group_ids) > 0
    error_message = "At least one security group is required; without one AWS would attach the VPC default."
  }
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate served by the HTTPS listener."

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  type        = string
  description = "TLS policy of the HTTPS listener; the default allows TLS 1.2 and 1.3 only."
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
}

variable "target_port" {
  type        = number
  description = "Port the targets listen on."

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535
    error_message = "target_port must be a TCP port."
  }
}

variable "target_protocol" {
  type        = string
  description = "Protocol from the load balancer to the targets. TLS from the device ends at the load balancer; choose HTTPS only when the service terminates TLS itself."
  default     = "HTTP"

  validation {
    condition     = contains(["HTTP", "HTTPS"], var.target_protocol)
    error_message = "target_protocol must be HTTP or HTTPS."
  }
}

variable "health_check_path" {
  type        = string
  description = "Path the load balancer polls on every target; a target answering anything but 200 gets no new connections."
  default     = "/healthz"

  validation {
    condition     = startswith(var.health_check_path, "/")
    error_message = "health_check_path must start with /."
  }
}

variable "idle_timeout_seconds" {
  type        = number
  description = "Seconds a connection may stay silent before the load balancer closes it. Guacamole tunnels are long-lived WebSockets kept alive by pings, so this is far above the AWS default of 60."
  default     = 3600

  validation {
    condition     = var.idle_timeout_seconds >= 60 && var.idle_timeout_seconds <= 4000
    error_message = "idle_timeout_seconds must be between 60 and 4000."
  }
}

variable "deregistration_delay_seconds" {
  type        = number
  description = "Seconds a target being removed keeps its open connections, so a scale-in does not cut live desktop sessions at once."
  default     = 900

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be between 0 and 3600."
  }
}

variable "redirect_http_to_https" {
  type        = bool
  description = "Add a port 80 listener that only redirects to HTTPS (for people typing the address)."
  default     = true
}

variable "access_logs_bucket" {
  type        = string
  description = "S3 bucket for access logs; null disables them."
  default     = null
}

variable "web_acl_arn" {
  type        = string
  description = "WAF web ACL to attach (rate limiting, managed rules); null attaches none."
  default     = null
}

variable "enable_deletion_protection" {
  type        = bool
  description = "Refuse to delete the load balancer until this is turned off."
  default     = true
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
