"""API Gateway: which routes need a key, where each goes, throttles, quota and logs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from terraform_hcl import block, blocks, expression, load_stack


@dataclass(frozen=True)
class Route:
    method_resource: str
    http_method: str
    path: str
    alias: str
    function: str


ROUTES = [
    Route("sync_post", "POST", "sync", "sync_live", "sync"),
    Route("stats_get", "GET", "stats", "read_live", "read"),
    Route("health_get", "GET", "health", "read_live", "read"),
    Route("badge_get", "GET", "badge.svg", "read_live", "read"),
]

# The targets, per API key: requests per minute.
PER_MINUTE_TARGETS = {"/sync/POST": 10, "/stats/GET": 100, "/badge.svg/GET": 100}


def method(name: str) -> dict[str, Any]:
    return load_stack().resource("aws_api_gateway_method", name)


def resolved_number(value: Any) -> float:
    """A number written directly or as a `local.x.y` reference."""
    text = expression(value)
    match = re.fullmatch(r"local\.([a-z0-9_]+)\.([a-z0-9_]+)", text)
    if match:
        return float(load_stack().locals[match.group(1)][match.group(2)])
    return float(value)


@pytest.mark.parametrize("name", ["sync_post", "stats_get"])
def test_sync_and_stats_require_an_api_key(name: str) -> None:
    assert method(name)["api_key_required"] is True


def test_health_is_public() -> None:
    assert method("health_get")["api_key_required"] is False


def test_badge_needs_a_key_unless_the_runner_makes_it_public() -> None:
    # Given the badge method and the public_badge variable
    required = expression(method("badge_get")["api_key_required"]).replace(" ", "")
    public_badge = load_stack().variables["public_badge"]

    # Then the key requirement is the negation of public_badge, which defaults to off
    assert required == "!var.public_badge"
    assert public_badge["type"] == "bool"
    assert public_badge["default"] is False


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.method_resource)
def test_each_route_is_a_lambda_proxy_to_the_live_alias_of_its_function(route: Route) -> None:
    # Given the route's method, resource and integration
    stack = load_stack()
    route_method = method(route.method_resource)
    resource_name = expression(route_method["resource_id"]).split(".")[1]
    integrations = [
        body
        for body in stack.resources_of("aws_api_gateway_integration").values()
        if stack.resolve(body["resource_id"]) == stack.resolve(route_method["resource_id"])
        and stack.resolve(body["http_method"]) == route.http_method
    ]

    # Then the path, verb and target are the ones the contract names
    assert stack.resource("aws_api_gateway_resource", resource_name)["path_part"] == route.path
    assert route_method["http_method"] == route.http_method
    assert len(integrations) == 1, f"expected one integration of {route.method_resource}"
    integration = integrations[0]
    assert integration["type"] == "AWS_PROXY"
    assert integration["integration_http_method"] == "POST"
    assert expression(integration["uri"]) == f"aws_lambda_alias.{route.alias}.invoke_arn"


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.method_resource)
def test_each_route_has_a_lambda_permission_scoped_to_stage_method_and_path(route: Route) -> None:
    # Given the Lambda permissions of the stack
    stack = load_stack()
    permissions = stack.resources_of("aws_lambda_permission")

    # When we look for the one granting this route
    suffix = f"/{route.http_method}/{route.path}"
    granting = [
        body
        for body in permissions.values()
        if str(stack.resolve(body.get("source_arn", ""))).endswith(suffix)
    ]

    # Then exactly one grants it, for this stage only, on the live alias of the function
    assert len(granting) == 1, f"no single permission ends with {suffix}"
    permission = granting[0]
    assert "${local.execution_arn_stage}" in permission["source_arn"]
    assert expression(permission["qualifier"]) == f"aws_lambda_alias.{route.alias}.name"
    assert expression(permission["function_name"]) == (
        f"aws_lambda_function.{route.function}.function_name"
    )
    assert permission["principal"] == "apigateway.amazonaws.com"


def test_execution_arn_of_permissions_names_the_stage() -> None:
    stage_arn = expression(load_stack().locals["execution_arn_stage"])
    assert "aws_api_gateway_rest_api.this.execution_arn" in stage_arn
    assert "aws_api_gateway_stage.this.stage_name" in stage_arn


def test_every_lambda_permission_has_a_source_arn() -> None:
    permissions = load_stack().resources_of("aws_lambda_permission")
    assert permissions
    assert all(body.get("source_arn") for body in permissions.values())


def test_deployment_redeploys_when_any_route_method_or_integration_changes() -> None:
    # Given the deployment's triggers and every route-shaped resource of the stack
    stack = load_stack()
    triggers = expression(
        stack.resource("aws_api_gateway_deployment", "this")["triggers"]["redeployment"]
    )
    tracked = set(re.findall(r'(aws_api_gateway_\w+\.\w+(?:\["[\w.-]+"\])?)', triggers))
    route_parts = {
        f"{kind}.{name}"
        for kind, name in stack.instances
        if kind
        in {
            "aws_api_gateway_resource",
            "aws_api_gateway_method",
            "aws_api_gateway_integration",
            "aws_api_gateway_rest_api_policy",
        }
    }

    # Then the trigger hashes all of them
    assert triggers.startswith("sha1(")
    assert route_parts <= tracked, f"not in triggers: {sorted(route_parts - tracked)}"


def test_new_deployment_exists_before_the_old_one_goes() -> None:
    deployment = load_stack().resource("aws_api_gateway_deployment", "this")
    assert block(deployment, "lifecycle")["create_before_destroy"] is True


@pytest.mark.parametrize(("path", "per_minute"), sorted(PER_MINUTE_TARGETS.items()))
def test_usage_plan_throttles_each_keyed_method_to_its_per_minute_target(
    path: str, per_minute: int
) -> None:
    # Given the usage plan's method throttles
    plan = load_stack().resource("aws_api_gateway_usage_plan", "this")
    throttles = {t["path"]: t for t in blocks(block(plan, "api_stages"), "throttle")}
    assert path in throttles, f"no throttle for {path}"

    # When we convert the token bucket back to requests per minute
    rate_per_s = resolved_number(throttles[path]["rate_limit"])
    burst = resolved_number(throttles[path]["burst_limit"])
    steady_per_minute = rate_per_s * 60
    first_minute = burst + steady_per_minute

    # Then the steady rate is within 10% of the target and the first minute barely above it
    assert per_minute * 0.9 <= steady_per_minute <= per_minute
    assert first_minute <= per_minute * 1.1


def test_usage_plan_allows_a_thousand_requests_a_day() -> None:
    plan = load_stack().resource("aws_api_gateway_usage_plan", "this")
    quota = block(plan, "quota_settings")
    assert quota["limit"] == 1000
    assert quota["period"] == "DAY"


@pytest.mark.parametrize("key", ["personal", "github_actions"])
def test_both_api_keys_are_on_the_usage_plan(key: str) -> None:
    stack = load_stack()
    stack.resource("aws_api_gateway_api_key", f'this["{key}"]')
    plan_key = stack.resource("aws_api_gateway_usage_plan_key", f'this["{key}"]')
    assert expression(plan_key["key_id"]) == f'aws_api_gateway_api_key.this["{key}"].id'
    assert expression(plan_key["usage_plan_id"]) == "aws_api_gateway_usage_plan.this.id"


@pytest.mark.parametrize("key", ["personal", "github_actions"])
def test_api_key_values_are_generated_by_aws_not_written_in_code(key: str) -> None:
    assert "value" not in load_stack().resource("aws_api_gateway_api_key", f'this["{key}"]')


def test_access_log_is_json_to_its_log_group_and_never_holds_a_key_value() -> None:
    # Given the stage's access log settings
    settings = block(load_stack().resource("aws_api_gateway_stage", "this"), "access_log_settings")
    log_format = expression(settings["format"])

    # Then it is JSON with the request id, logs the key id at most, never the key itself
    assert log_format.startswith("jsonencode(")
    assert "$context.requestId" in log_format
    assert not re.search(r"\$context\.identity\.apiKey(?!Id)", log_format)
    assert expression(settings["destination_arn"]) == (
        'aws_cloudwatch_log_group.this["api_access"].arn'
    )


def test_stage_never_logs_full_requests() -> None:
    settings = block(load_stack().resource("aws_api_gateway_method_settings", "all"), "settings")
    assert settings["data_trace_enabled"] is False
    assert settings["metrics_enabled"] is True


def test_source_cidr_policy_exists_only_when_cidrs_are_given() -> None:
    # Given the resource policy and its variable
    stack = load_stack()
    policy = stack.resource("aws_api_gateway_rest_api_policy", "source_cidrs")
    cidrs = stack.variables["allowed_source_cidrs"]

    # Then it is created only for a non-empty list, which is empty by default
    assert "length(var.allowed_source_cidrs)" in expression(policy["count"])
    assert cidrs["default"] == []
    deny = [
        statement
        for statement in blocks(
            stack.data_source("aws_iam_policy_document", "api_source_cidrs"), "statement"
        )
        if statement["effect"] == "Deny"
    ]
    assert len(deny) == 1
    assert block(deny[0], "condition")["test"] == "NotIpAddress"
    assert expression(block(deny[0], "condition")["values"]) == "var.allowed_source_cidrs"
