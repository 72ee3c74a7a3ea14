"""The page in the stack: GET /p/{token} without an API key, a Lambda proxy to the read
function, its permission scoped to the path; its token in a secret of its own that only
the read function may read."""

from __future__ import annotations

from terraform_hcl import expression, load_stack

from tests.ops.test_terraform_iam import allowed


def test_the_page_route_is_p_slash_token_without_an_api_key() -> None:
    stack = load_stack()
    page = stack.resource("aws_api_gateway_resource", "page")
    token = stack.resource("aws_api_gateway_resource", "page_token")
    method = stack.resource("aws_api_gateway_method", "page_get")
    assert page["path_part"] == "p"
    assert expression(page["parent_id"]) == "aws_api_gateway_rest_api.this.root_resource_id"
    assert token["path_part"] == "{token}"
    assert expression(token["parent_id"]) == "aws_api_gateway_resource.page.id"
    assert expression(method["resource_id"]) == "aws_api_gateway_resource.page_token.id"
    assert method["http_method"] == "GET"
    assert method["api_key_required"] is False
    assert method["request_parameters"] == {"method.request.path.token": True}


def test_the_page_goes_to_the_read_functions_live_alias_and_only_that_path_may_invoke_it() -> None:
    route = load_stack().locals["api_routes"]["page_get"]
    assert expression(route["method"]) == "aws_api_gateway_method.page_get"
    assert expression(route["alias"]) == "aws_lambda_alias.read_live"
    assert expression(route["function_name"]) == "aws_lambda_function.read.function_name"
    assert route["path"] == "p/*"


def test_the_stage_throttle_covers_every_method_the_page_included() -> None:
    settings = load_stack().resource("aws_api_gateway_method_settings", "all")
    assert settings["method_path"] == "*/*"


def test_the_page_token_secret_is_read_by_the_read_function_alone() -> None:
    arn = "${aws_secretsmanager_secret.page_token.arn}"
    assert allowed("read")["secretsmanager:GetSecretValue"] == [arn]
    sync_grants = allowed("sync")
    assert all(arn not in resources for resources in sync_grants.values())


def test_the_page_token_secret_is_created_empty_and_encrypted_with_the_stack_key() -> None:
    stack = load_stack()
    secret = stack.resource("aws_secretsmanager_secret", "page_token")
    assert expression(secret["kms_key_id"]) == "aws_kms_key.this.arn"
    assert not stack.resources_of("aws_secretsmanager_secret_version")
