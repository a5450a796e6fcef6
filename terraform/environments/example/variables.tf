variable "region" {
  type        = string
  description = "AWS region; Tokyo by default, where the practitioners and their data are."
  default     = "ap-northeast-1"
}

variable "aws_account_id" {
  type        = string
  description = "The only AWS account this environment may be applied to (a guard against the wrong credentials)."

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "name" {
  type        = string
  description = "Prefix of every resource name; short, because load balancer names are limited to 32 characters."
  default     = "hcw-example"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.name))
    error_message = "name must be 2-16 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zones to spread every zone over."
  default     = ["ap-northeast-1a", "ap-northeast-1c", "ap-northeast-1d"]
}

variable "vpc_cidr" {
  type        = string
  description = "IPv4 range of the VPC."
  default     = "10.40.0.0/16"
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway instead of one per availability zone (for test environments)."
  default     = false
}

variable "vendor_endpoints" {
  type = list(object({
    cidr        = string
    description = string
  }))
  description = "Vendor collaboration systems desktops and portal servers may reach on HTTPS (the only internet destinations of the desktops)."
  default     = []
}

variable "egress_proxy" {
  type = object({
    security_group_id = string
    port              = number
  })
  description = "Optional filtering egress proxy for the desktops; null when there is none."
  default     = null
}

variable "broker_certificate_arn" {
  type        = string
  description = "ACM certificate of the public address practitioners open (e.g. workspace.example.jp)."
}

variable "portal_certificate_arn" {
  type        = string
  description = "ACM certificate of the portal's internal address."
}

variable "portal_public_url" {
  type        = string
  description = "Address of the portal as the kiosk browser reaches it, e.g. https://portal.internal.example.jp (a private DNS name for the internal load balancer)."
}

variable "broker_ami_id" {
  type        = string
  description = "Image of the brokers."
}

variable "portal_ami_id" {
  type        = string
  description = "Image of the portal servers."
}

variable "desktop_ami_id" {
  type        = string
  description = "Desktop image built by the Packer template in vdi-images/."
}

variable "desktop_image_version" {
  type        = string
  description = "Version label of the desktop image, shown to administrators."
  default     = "unknown"
}

variable "desktop_min_size" {
  type        = number
  description = "Fewest running desktop hosts."
  default     = 2
}

variable "desktop_max_size" {
  type        = number
  description = "Most running desktop hosts."
  default     = 20
}

variable "desktop_desired_capacity" {
  type        = number
  description = "Running desktop hosts at creation (the idle-host alarms take over afterwards)."
  default     = 2
}

variable "desktop_warm_pool_min_size" {
  type        = number
  description = "Stopped, pre-initialised desktop hosts kept ready for logins."
  default     = 2
}

variable "postgresql_multi_az" {
  type        = bool
  description = "Keep a PostgreSQL standby in another availability zone."
  default     = true
}

variable "audit_bucket_name" {
  type        = string
  description = "Globally unique name of the audit archive bucket."
}

variable "audit_reader_role_arns" {
  type        = list(string)
  description = "Auditor roles that may read the audit archive."
}

variable "audit_retention_days" {
  type        = number
  description = "Days each audit archive object stays locked in compliance mode."
  default     = 1827
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for secrets, volumes, logs and data stores; null uses the AWS-managed keys."
  default     = null
}

variable "load_balancer_access_logs_bucket" {
  type        = string
  description = "S3 bucket for the load balancers' access logs; null disables them."
  default     = null
}

variable "web_acl_arn" {
  type        = string
  description = "WAF web ACL for the public load balancer; null attaches none."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags every resource carries (applied through the provider's default tags)."
  default     = { Project = "hcw", Environment = "example" }
}
