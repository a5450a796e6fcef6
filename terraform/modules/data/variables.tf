variable "name" {
  type        = string
  description = "Prefix of the data stores' names, e.g. \"hcw-prod\"."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Data subnets (network module, zone \"data\"), in at least two availability zones."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "Managed Redis and PostgreSQL need subnets in at least two availability zones."
  }
}

variable "redis_security_group_ids" {
  type        = list(string)
  description = "Security groups of Redis (network module, role \"redis\")."
}

variable "postgresql_security_group_ids" {
  type        = list(string)
  description = "Security groups of PostgreSQL (network module, role \"postgresql\")."
}

variable "kms_key_arn" {
  type        = string
  description = "Customer-managed KMS key for data at rest, snapshots and the generated secrets; null uses the AWS-managed keys."
  default     = null
}

variable "redis_node_type" {
  type        = string
  description = "ElastiCache node type."
  default     = "cache.r7g.large"

  validation {
    condition     = startswith(var.redis_node_type, "cache.")
    error_message = "redis_node_type must be an ElastiCache node type (cache.*)."
  }
}

variable "redis_engine_version" {
  type        = string
  description = "Redis OSS engine version (7.x: major and minor)."
  default     = "7.1"
}

variable "redis_port" {
  type        = number
  description = "Port of Redis; must match the network module's redis_port."
  default     = 6379
}

variable "redis_node_count" {
  type        = number
  description = "Nodes in the replication group: one primary plus replicas. Two or more turn on automatic fail-over across availability zones."
  default     = 2

  validation {
    condition     = var.redis_node_count >= 1 && var.redis_node_count <= 6
    error_message = "redis_node_count must be between 1 and 6."
  }
}

variable "redis_snapshot_retention_days" {
  type        = number
  description = "Days of daily Redis snapshots to keep (0 turns them off; sessions and leases can be rebuilt, so few are needed)."
  default     = 1

  validation {
    condition     = var.redis_snapshot_retention_days >= 0 && var.redis_snapshot_retention_days <= 35
    error_message = "redis_snapshot_retention_days must be between 0 and 35."
  }
}

variable "postgresql_engine_version" {
  type        = string
  description = "PostgreSQL major version (or major.minor)."
  default     = "16"

  validation {
    condition     = can(regex("^[0-9]{2}(\\.[0-9]+)?$", var.postgresql_engine_version))
    error_message = "postgresql_engine_version must look like 16 or 16.4."
  }
}

variable "postgresql_instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.r7g.large"

  validation {
    condition     = startswith(var.postgresql_instance_class, "db.")
    error_message = "postgresql_instance_class must be an RDS instance class (db.*)."
  }
}

variable "postgresql_port" {
  type        = number
  description = "Port of PostgreSQL; must match the network module's postgresql_port."
  default     = 5432
}

variable "postgresql_allocated_storage_gb" {
  type        = number
  description = "Initial storage of the database."
  default     = 100

  validation {
    condition     = var.postgresql_allocated_storage_gb >= 20
    error_message = "postgresql_allocated_storage_gb must be at least 20."
  }
}

variable "postgresql_max_allocated_storage_gb" {
  type        = number
  description = "Ceiling for storage autoscaling; the audit trail and timeline only grow."
  default     = 1000

  validation {
    condition     = var.postgresql_max_allocated_storage_gb >= var.postgresql_allocated_storage_gb
    error_message = "postgresql_max_allocated_storage_gb must be at least postgresql_allocated_storage_gb."
  }
}

variable "postgresql_multi_az" {
  type        = bool
  description = "Keep a synchronous standby in another availability zone (production: true)."
  default     = true
}

variable "postgresql_database_name" {
  type        = string
  description = "Database created with the instance."
  default     = "hcw"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.postgresql_database_name))
    error_message = "postgresql_database_name must be a lowercase PostgreSQL identifier."
  }
}

variable "postgresql_master_username" {
  type        = string
  description = "Administrator login. Its password is generated and rotated by RDS in Secrets Manager; the applications use their own, narrower roles."
  default     = "hcw_admin"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.postgresql_master_username)) && !contains(["postgres", "admin", "rdsadmin"], var.postgresql_master_username)
    error_message = "postgresql_master_username must be a short lowercase identifier other than postgres, admin or rdsadmin."
  }
}

variable "postgresql_backup_retention_days" {
  type        = number
  description = "Days of automated backups and point-in-time recovery."
  default     = 14

  validation {
    condition     = var.postgresql_backup_retention_days >= 7 && var.postgresql_backup_retention_days <= 35
    error_message = "postgresql_backup_retention_days must be between 7 and 35: patient data needs at least a week of recovery points."
  }
}

variable "postgresql_backup_window" {
  type        = string
  description = "Daily backup window in UTC (the default is 03:00-04:00 in Tokyo)."
  default     = "18:00-19:00"
}

variable "maintenance_window" {
  type        = string
  description = "Weekly maintenance window in UTC for both stores (the default is Monday 04:00-05:00 in Tokyo)."
  default     = "sun:19:00-sun:20:00"
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the database until this is turned off."
  default     = true
}

variable "apply_immediately" {
  type        = bool
  description = "Apply changes at once rather than in the maintenance window."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
