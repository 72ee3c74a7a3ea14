"""The two functions: sizes, concurrency, package, environment and live aliases."""

from __future__ import annotations

from typing import Any

import pytest
from terraform_hcl import block, expression, load_stack

HANDLER = "streak_lambda.handler.lambda_handler"

COMMON_SETTINGS = {
    "STREAK_DB",
    "STREAK_TIMEZONE",
    "STREAK_RULE",
    "STREAK_MIN_DISTANCE",
    "STREAK_CACHE_DIR",
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
}
SYNC_ONLY_SETTINGS = {
    "STREAK_TOKEN_SECRET_ID",
    "STREAK_API_SYNC_BUDGET_S",
    "STREAK_SYNC_BUDGET_S",
    "STREAK_SNS_TOPIC_ARN",
}
READ_ONLY_SETTINGS = {"STREAK_PAGE_TOKEN_SECRET_ID"}
EXPECTED_SETTINGS = {
    "sync": COMMON_SETTINGS | SYNC_ONLY_SETTINGS,
    "read": COMMON_SETTINGS | READ_ONLY_SETTINGS,
}

# Setting -> the expression it must be built from.
SETTING_SOURCES = {
    "STREAK_TIMEZONE": "var.timezone",
    "STREAK_RULE": "var.streak_rule",
    "STREAK_MIN_DISTANCE": "var.min_distance",
    "STREAK_TOKEN_SECRET_ID": "aws_secretsmanager_secret.smashrun_oauth.arn",
    "STREAK_PAGE_TOKEN_SECRET_ID": "aws_secretsmanager_secret.page_token.arn",
    "STREAK_SNS_TOPIC_ARN": "aws_sns_topic.alerts.arn",
    "STREAK_API_SYNC_BUDGET_S": "tostring(var.api_sync_budget_s)",
    "STREAK_SYNC_BUDGET_S": "tostring(var.scheduled_sync_budget_s)",
}


def function(name: str) -> dict[str, Any]:
    return load_stack().resource("aws_lambda_function", name)


def settings_of(name: str) -> dict[str, Any]:
    stack = load_stack()
    variables = block(function(name), "environment")["variables"]
    resolved = stack.local(variables)
    assert isinstance(resolved, dict), f"{name}: environment is not a map we can read"
    return resolved


def test_sync_function_runs_one_sync_at_a_time() -> None:
    assert function("sync")["reserved_concurrent_executions"] == 1


def test_sync_function_has_the_memory_and_time_of_a_long_backfill() -> None:
    sync = function("sync")
    assert sync["memory_size"] == 512
    assert sync["timeout"] == 300


def test_read_function_is_smaller_and_answers_well_inside_the_api_timeout() -> None:
    # Given the read function and its variables' defaults
    stack = load_stack()
    read = function("read")
    memory_mb = stack.variables[expression(read["memory_size"]).removeprefix("var.")]["default"]
    timeout_s = stack.variables[expression(read["timeout"]).removeprefix("var.")]["default"]

    # Then it is lighter than the sync function and never waits near API Gateway's 29 s
    assert memory_mb < function("sync")["memory_size"]
    assert timeout_s <= 10
    assert expression(read["reserved_concurrent_executions"]) == "var.read_reserved_concurrency"


@pytest.mark.parametrize("name", ["sync", "read"])
def test_both_functions_run_the_one_package_on_python_312(name: str) -> None:
    # Given a function
    stack = load_stack()
    body = function(name)

    # Then it runs the shared zip, rebuilt when the zip's hash changes
    assert body["runtime"] == "python3.12"
    assert stack.local(body["handler"]) == HANDLER
    assert expression(body["filename"]) == "var.lambda_zip_path"
    assert (
        expression(stack.local(body["source_code_hash"])) == "filebase64sha256(var.lambda_zip_path)"
    )
    assert expression(body["architectures"][0]) == "var.lambda_architecture"


def test_package_and_architecture_variables_have_the_contract_defaults() -> None:
    variables = load_stack().variables
    assert variables["lambda_zip_path"]["default"] == "../dist/lambda.zip"
    assert variables["lambda_architecture"]["default"] == "x86_64"
    condition = block(variables["lambda_architecture"], "validation")["condition"]
    assert '"x86_64"' in condition
    assert '"arm64"' in condition


@pytest.mark.parametrize("name", ["sync", "read"])
def test_each_function_gets_exactly_its_settings(name: str) -> None:
    assert set(settings_of(name)) == EXPECTED_SETTINGS[name]


@pytest.mark.parametrize("name", ["sync", "read"])
def test_settings_come_from_variables_and_resources_never_from_secret_values(name: str) -> None:
    # Given a function's environment
    settings = settings_of(name)

    # Then each setting has its declared source, and secrets are passed by ARN only
    for key, value in settings.items():
        if key in SETTING_SOURCES:
            assert expression(value) == SETTING_SOURCES[key], key
        assert "secret_string" not in str(value)
        if key.endswith("_SECRET_ID"):
            assert str(value).endswith(".arn}"), f"{key} must be a secret ARN"


def test_database_setting_points_at_runs_duckdb_in_the_data_bucket() -> None:
    stack = load_stack()
    database = str(stack.local(settings_of("sync")["STREAK_DB"]))
    assert database == "s3://${aws_s3_bucket.data.bucket}/${local.db_object_key}"
    assert stack.locals["db_object_key"] == "runs.duckdb"
    assert settings_of("read")["STREAK_DB"] == settings_of("sync")["STREAK_DB"]


@pytest.mark.parametrize("name", ["sync", "read"])
def test_powertools_and_cache_settings_match_the_contract(name: str) -> None:
    stack = load_stack()
    settings = settings_of(name)
    assert stack.local(settings["POWERTOOLS_SERVICE_NAME"]) == "streakcore"
    assert stack.local(settings["POWERTOOLS_METRICS_NAMESPACE"]) == "streakcore"
    assert settings["STREAK_CACHE_DIR"] == "/tmp/streakcore"


@pytest.mark.parametrize("name", ["sync", "read"])
def test_no_function_is_told_where_the_api_keys_are(name: str) -> None:
    # Given a function's environment (API Gateway checks the keys before it runs)
    settings = settings_of(name)

    # Then no setting names the API-keys secret
    assert "STREAK_API_KEYS_SECRET_ID" not in settings
    assert not any(
        "aws_secretsmanager_secret.api_keys" in str(value) for value in settings.values()
    )


def test_api_sync_budget_answers_before_api_gateway_gives_up() -> None:
    # Given the two budgets' defaults
    variables = load_stack().variables
    api_budget_s = variables["api_sync_budget_s"]["default"]
    scheduled_budget_s = variables["scheduled_sync_budget_s"]["default"]

    # Then POST /sync stops well before 29 s, the scheduled run before its 300 s timeout
    assert api_budget_s == 20
    assert scheduled_budget_s == 240
    assert scheduled_budget_s < function("sync")["timeout"]


@pytest.mark.parametrize(("alias", "name"), [("sync_live", "sync"), ("read_live", "read")])
def test_live_alias_leaves_the_version_to_the_deploy_workflow(alias: str, name: str) -> None:
    # Given a live alias
    stack = load_stack()
    body = stack.resource("aws_lambda_alias", alias)

    # Then it starts at the version Terraform published and Terraform never moves it again
    assert stack.local(body["name"]) == "live"
    assert expression(body["function_name"]) == f"aws_lambda_function.{name}.function_name"
    assert expression(body["function_version"]) == f"aws_lambda_function.{name}.version"
    assert function(name)["publish"] is True
    assert "function_version" in block(body, "lifecycle")["ignore_changes"]


@pytest.mark.parametrize("name", ["sync", "read"])
def test_each_function_logs_as_json_to_its_own_log_group(name: str) -> None:
    logging = block(function(name), "logging_config")
    assert expression(logging["log_group"]) == f'aws_cloudwatch_log_group.this["{name}"].name'
    assert logging["log_format"] == "JSON"


def test_failed_scheduled_syncs_land_in_the_dead_letter_queue() -> None:
    dead_letters = block(function("sync"), "dead_letter_config")
    assert expression(dead_letters["target_arn"]) == "aws_sqs_queue.sync_dead_letters.arn"


def test_lambda_never_retries_a_scheduled_run_nor_runs_it_more_than_an_hour_late() -> None:
    # Given the asynchronous invocation settings of the sync function's live alias
    config = load_stack().resource("aws_lambda_function_event_invoke_config", "sync_live")

    # Then a failed run is not run again (a second evening alert, a second "today") and an
    # event queued behind a running sync is dropped to the dead-letter queue within the hour
    assert expression(config["function_name"]) == "aws_lambda_function.sync.function_name"
    assert expression(config["qualifier"]) == "aws_lambda_alias.sync_live.name"
    assert config["maximum_retry_attempts"] == 0
    assert config["maximum_event_age_in_seconds"] <= 3600
