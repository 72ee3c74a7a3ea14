"""The data bucket: private, versioned, encrypted, TLS only, old versions cleaned up."""

from __future__ import annotations

from typing import Any

from terraform_hcl import block, blocks, expression, load_stack

from streakcore.usecases.documents import companion_keys

# Every object the code reads or writes next to the database: IAM must name each one.
CONTRACT_OBJECTS = ["runs.duckdb", *companion_keys("runs.duckdb")]


def bucket_part(kind: str) -> dict[str, Any]:
    body = load_stack().resource(kind, "data")
    assert expression(body["bucket"]) == "aws_s3_bucket.data.id"
    return body


def test_versioning_is_on() -> None:
    versioning = block(bucket_part("aws_s3_bucket_versioning"), "versioning_configuration")
    assert versioning["status"] == "Enabled"


def test_objects_are_encrypted_with_the_stack_key() -> None:
    rule = block(bucket_part("aws_s3_bucket_server_side_encryption_configuration"), "rule")
    default = block(rule, "apply_server_side_encryption_by_default")
    assert default["sse_algorithm"] == "aws:kms"
    assert expression(default["kms_master_key_id"]) == "aws_kms_key.this.arn"


def test_all_public_access_is_blocked() -> None:
    block_settings = bucket_part("aws_s3_bucket_public_access_block")
    for setting in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block_settings[setting] is True, setting


def test_bucket_owner_owns_every_object_and_acls_are_off() -> None:
    rule = block(bucket_part("aws_s3_bucket_ownership_controls"), "rule")
    assert rule["object_ownership"] == "BucketOwnerEnforced"


def test_bucket_policy_denies_every_request_without_tls() -> None:
    # Given the bucket policy document and the policy attached to the bucket
    stack = load_stack()
    attached = bucket_part("aws_s3_bucket_policy")
    document = stack.data_source("aws_iam_policy_document", "data_bucket")

    # When we find its Deny on insecure transport
    deny = [
        statement
        for statement in blocks(document, "statement")
        if statement["effect"] == "Deny"
        and block(statement, "condition")["variable"] == "aws:SecureTransport"
    ]

    # Then it covers every action on the bucket and its objects
    assert expression(attached["policy"]) == "data.aws_iam_policy_document.data_bucket.json"
    assert len(deny) == 1
    assert block(deny[0], "condition")["values"] == ["false"]
    assert deny[0]["actions"] == ["s3:*"]
    assert set(deny[0]["resources"]) == {
        "${aws_s3_bucket.data.arn}",
        "${aws_s3_bucket.data.arn}/*",
    }


def test_old_versions_go_after_30_days_and_stale_uploads_are_aborted() -> None:
    # Given the lifecycle rules
    rules = blocks(bucket_part("aws_s3_bucket_lifecycle_configuration"), "rule")
    enabled = [rule for rule in rules if rule["status"] == "Enabled"]

    # Then an enabled rule expires noncurrent versions at 30 days and aborts multipart uploads
    expiring = [rule for rule in enabled if "noncurrent_version_expiration" in rule]
    aborting = [rule for rule in enabled if "abort_incomplete_multipart_upload" in rule]
    assert [
        block(rule, "noncurrent_version_expiration")["noncurrent_days"] for rule in expiring
    ] == [30]
    assert aborting
    for rule in aborting:
        assert block(rule, "abort_incomplete_multipart_upload")["days_after_initiation"] <= 7


def test_iam_names_exactly_the_objects_of_the_contract() -> None:
    keys = [
        str(key).replace("${local.db_object_key}", "runs.duckdb")
        for key in load_stack().locals["data_object_keys"]
    ]
    assert keys == CONTRACT_OBJECTS
