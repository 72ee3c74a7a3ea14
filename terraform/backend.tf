# Partial configuration: the state bucket, key and region differ per environment and are
# passed by `terraform init -backend-config=...` (see README.md, "Bootstrap").
terraform {
  backend "s3" {
    encrypt = true
    # S3's native lock file replaces the DynamoDB lock table.
    use_lockfile = true
  }
}
