terraform {
  required_version = "~> 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # The state holds generated secrets (Redis AUTH token, agent and session secrets): keep it in an
  # encrypted, access-restricted S3 bucket, given at `terraform init -backend-config=backend.hcl`.
  backend "s3" {}
}
