"""IAM: policy documents only, exact ARNs, each role what it needs, CI trust pinned."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from terraform_hcl import block, blocks, expression, load_stack

# Actions AWS evaluates only against "*": no resource-level permission exists for them,
# or (CreateKey) the resource does not exist yet.
UNSCOPABLE_ACTIONS = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "iam:ListOpenIDConnectProviders",
    "logs:DescribeLogGroups",
    "cloudwatch:DescribeAlarms",
    "kms:ListAliases",
    "kms:CreateKey",
}
# In a key policy, Resource "*" means the key the policy is attached to.
KEY_POLICIES = {"kms_key"}

# (resource type, attribute) that take a policy JSON.
POLICY_ATTRIBUTES = [
    ("aws_iam_role", "assume_role_policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_s3_bucket_policy", "policy"),
    ("aws_sns_topic_policy", "policy"),
    ("aws_kms_key", "policy"),
    ("aws_api_gateway_rest_api_policy", "policy"),
]

GITHUB_TRUSTS = ["github_plan_assume", "github_main_assume"]

PLAN_WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "terraform-plan.yml"


def as_list(value: Any) -> list[Any]:
    """`resources = local.x` parses as one expression string, not a list."""
    return value if isinstance(value, list) else [value]


def document(name: str) -> dict[str, Any]:
    return load_stack().data_source("aws_iam_policy_document", name)


def statements(name: str) -> list[dict[str, Any]]:
    """A document's statements, those of its source documents included."""
    return load_stack().policy_statements(name)


def allowed(name: str) -> dict[str, list[str]]:
    """action -> resources it is allowed on, over every Allow statement of a document."""
    grants: dict[str, list[str]] = {}
    for statement in statements(name):
        if statement.get("effect", "Allow") == "Allow":
            for action in statement["actions"]:
                grants.setdefault(action, []).extend(as_list(statement["resources"]))
    return grants


def subjects(trust_name: str) -> list[str]:
    """The GitHub subjects a trust policy admits, with locals followed."""
    stack = load_stack()
    condition = [
        condition
        for condition in blocks(block(document(trust_name), "statement"), "condition")
        if str(condition["variable"]).endswith(":sub")
    ]
    assert len(condition) == 1
    assert condition[0]["test"] == "StringEquals"
    return [str(stack.local(value)) for value in condition[0]["values"]]


@pytest.mark.parametrize(("kind", "attribute"), POLICY_ATTRIBUTES)
def test_every_policy_is_built_from_a_policy_document(kind: str, attribute: str) -> None:
    # Given every resource that carries a policy
    bodies = load_stack().resources_of(kind)
    assert bodies, f"no {kind} in the stack"

    # Then each policy is the JSON of an aws_iam_policy_document, never hand-written JSON
    for name, body in bodies.items():
        assert re.fullmatch(
            r"data\.aws_iam_policy_document\.\w+(\[0\])?\.json", expression(body[attribute])
        ), f"{kind}.{name}.{attribute}"


def test_no_statement_allows_every_action() -> None:
    for name, body in load_stack().policy_documents():
        for statement in blocks(body, "statement"):
            assert "*" not in as_list(statement.get("actions", [])), name


def test_wildcard_resources_only_where_aws_cannot_scope_the_action() -> None:
    for name, body in load_stack().policy_documents():
        if name in KEY_POLICIES:
            continue
        for statement in blocks(body, "statement"):
            resources = as_list(statement.get("resources", []))
            if statement.get("effect", "Allow") == "Allow" and "*" in resources:
                assert set(statement["actions"]) <= UNSCOPABLE_ACTIONS, (
                    f"{name}: {statement['actions']} on *"
                )


def test_statement_ids_are_alphanumeric_as_iam_requires() -> None:
    for name, body in load_stack().policy_documents():
        for statement in blocks(body, "statement"):
            if "sid" in statement:
                assert re.fullmatch(r"[A-Za-z0-9]+", statement["sid"]), (
                    f"{name}: {statement['sid']}"
                )


@pytest.mark.parametrize(
    ("role", "s3_actions"),
    [
        ("sync", {"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket"}),
        ("read", {"s3:GetObject", "s3:ListBucket"}),
    ],
)
def test_functions_can_neither_delete_nor_reconfigure_the_bucket(
    role: str, s3_actions: set[str]
) -> None:
    granted = {action for action in allowed(role) if action.startswith("s3:")}
    assert granted == s3_actions


def test_sync_role_reads_and_writes_only_the_data_objects() -> None:
    grants = allowed("sync")
    assert grants["s3:GetObject"] == ["${local.data_object_arns}"]
    assert grants["s3:PutObject"] == ["${local.data_object_arns}"]
    # ListBucket makes a missing object a 404 rather than a 403.
    assert grants["s3:ListBucket"] == ["${aws_s3_bucket.data.arn}"]


def test_sync_role_reads_and_rotates_only_the_oauth_secret() -> None:
    grants = allowed("sync")
    assert grants["secretsmanager:PutSecretValue"] == [
        "${aws_secretsmanager_secret.smashrun_oauth.arn}"
    ]
    assert grants["secretsmanager:GetSecretValue"] == [
        "${aws_secretsmanager_secret.smashrun_oauth.arn}"
    ]


@pytest.mark.parametrize("role", ["sync", "read"])
def test_no_function_role_may_read_the_api_keys_secret(role: str) -> None:
    # Given every resource a function role is granted anything on
    granted_on = {resource for resources in allowed(role).values() for resource in resources}

    # Then the API-keys secret is not among them: API Gateway checks keys, not the code
    assert "${aws_secretsmanager_secret.api_keys.arn}" not in granted_on


def test_sync_role_publishes_only_to_the_alerts_topic() -> None:
    assert allowed("sync")["sns:Publish"] == ["${aws_sns_topic.alerts.arn}"]


def test_read_role_can_only_read() -> None:
    # Given the read role's grants
    grants = allowed("read")

    # Then it reads data objects and the page token alone of the secrets, and writes
    # nothing but its logs
    assert grants["s3:GetObject"] == ["${local.data_object_arns}"]
    secrets = {action for action in grants if action.startswith("secretsmanager:")}
    assert secrets == {"secretsmanager:GetSecretValue"}
    assert grants["secretsmanager:GetSecretValue"] == [
        "${aws_secretsmanager_secret.page_token.arn}"
    ]
    writes = {
        action
        for action in grants
        if re.search(r":(Put|Delete|Update|Create|Publish|Send|Generate|Abort)", action)
        and action
        not in {
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
        }
    }
    assert not writes, f"read role may write: {sorted(writes)}"


@pytest.mark.parametrize("role", ["sync", "read"])
def test_each_function_logs_only_to_its_own_log_group(role: str) -> None:
    grants = allowed(role)
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        assert grants[action] == [f'${{aws_cloudwatch_log_group.this["{role}"].arn}}:log-stream:*']
    assert "logs:CreateLogGroup" not in grants


@pytest.mark.parametrize("trust", GITHUB_TRUSTS)
def test_github_roles_trust_only_this_repository_by_exact_subject(trust: str) -> None:
    # Given a GitHub trust policy
    statement = block(document(trust), "statement")
    audience = [c for c in blocks(statement, "condition") if str(c["variable"]).endswith(":aud")]

    # Then it is for GitHub's OIDC provider, STS audience, and exact subjects of this repo
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert block(statement, "principals")["type"] == "Federated"
    assert len(audience) == 1
    assert audience[0]["values"] == ["sts.amazonaws.com"]
    for subject in subjects(trust):
        assert subject.startswith("repo:${var.github_repository}:"), subject
        assert "*" not in subject


def test_main_and_the_environment_may_apply_but_pull_requests_only_plan() -> None:
    # Given both trust policies
    plan = subjects("github_plan_assume")
    main = subjects("github_main_assume")
    main_branch = "repo:${var.github_repository}:ref:refs/heads/main"
    environment = "repo:${var.github_repository}:environment:${local.github_environment}"
    pull_request = "repo:${var.github_repository}:pull_request"

    # Then pull requests reach only the read-only plan role
    assert sorted(main) == sorted([main_branch, environment])
    assert sorted(plan) == sorted([main_branch, environment, pull_request])


@pytest.mark.parametrize(
    ("role", "trust"),
    [
        ("github_plan", "github_plan_assume"),
        ("github_apply", "github_main_assume"),
        ("github_deploy", "github_main_assume"),
    ],
)
def test_each_ci_role_uses_its_trust_policy(role: str, trust: str) -> None:
    body = load_stack().resource("aws_iam_role", role)
    assert expression(body["assume_role_policy"]) == f"data.aws_iam_policy_document.{trust}.json"


def test_plan_role_can_never_read_runner_data_or_secret_values() -> None:
    denied = {
        action: statement["resources"]
        for statement in statements("github_plan")
        if statement["effect"] == "Deny"
        for action in statement["actions"]
    }
    assert denied["s3:GetObject"] == ["${aws_s3_bucket.data.arn}/*"]
    assert set(denied["secretsmanager:GetSecretValue"]) == {
        "${aws_secretsmanager_secret.smashrun_oauth.arn}",
        "${aws_secretsmanager_secret.api_keys.arn}",
    }


def test_plan_role_can_never_read_api_key_values_through_api_gateway() -> None:
    # Given the plan role's denies (ReadOnlyAccess would allow every apigateway:GET)
    denied = [
        resource
        for statement in statements("github_plan")
        if statement["effect"] == "Deny" and "apigateway:GET" in statement["actions"]
        for resource in as_list(statement["resources"])
    ]
    region_root = "arn:${local.partition}:apigateway:${local.region}::"

    # Then listing keys, reading one key, and reading a usage plan's keys (each of which
    # can answer with key values) are all denied
    assert set(denied) >= {
        f"{region_root}/apikeys",
        f"{region_root}/apikeys/*",
        f"{region_root}/usageplans/*/keys",
        f"{region_root}/usageplans/*/keys/*",
    }


def test_pull_request_plans_skip_the_refresh_the_plan_role_may_not_make() -> None:
    # Given the pull-request plan workflow, which plans with the plan role
    text = PLAN_WORKFLOW.read_text()
    assert "role-to-assume: ${{ vars.AWS_PLAN_ROLE_ARN }}" in text

    # Then its plan does not refresh: refreshing an API key reads its value, denied above
    assert re.search(r"^\s+TF_CLI_ARGS_plan: -refresh=false$", text, re.MULTILINE)


@pytest.mark.parametrize("role", ["github_apply", "github_deploy"])
def test_ci_roles_cannot_read_or_write_secret_values(role: str) -> None:
    grants = allowed(role)
    assert "secretsmanager:GetSecretValue" not in grants
    assert "secretsmanager:PutSecretValue" not in grants
    assert not any(action in {"secretsmanager:*", "*"} for action in grants)


def test_apply_role_attaches_no_managed_policy_but_the_two_the_stack_uses() -> None:
    attach = [
        statement
        for statement in statements("github_apply")
        if "iam:AttachRolePolicy" in statement["actions"]
    ]
    assert len(attach) == 1
    condition = block(attach[0], "condition")
    assert condition["variable"] == "iam:PolicyARN"
    assert len(condition["values"]) == 2
