"""The stack as a whole: every file parses, every variable is typed and described,
versions are pinned, names carry the prefix and every reference resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from terraform_hcl import (
    TERRAFORM_DIR,
    block,
    expression,
    load_stack,
    parse_file,
    split_line,
    strip_comments,
    tf_sources,
)

ISSUE_FILES = {
    "versions.tf",
    "main.tf",
    "variables.tf",
    "outputs.tf",
    "backend.tf",
    "lambda.tf",
    "api_gateway.tf",
    "s3.tf",
    "secrets.tf",
    "cloudwatch.tf",
    "iam.tf",
}

# Resources whose name is unique in the account or region, by the attribute holding it.
NAME_ATTRIBUTE = {
    "aws_lambda_function": "function_name",
    "aws_cloudwatch_metric_alarm": "alarm_name",
    "aws_s3_bucket": "bucket",
}
# Names that only need to be unique inside their parent (a role, a function).
NAMES_SCOPED_TO_A_PARENT = {"aws_iam_role_policy", "aws_lambda_alias"}
# Names AWS dictates: API Gateway writes execution logs to a group named after the API id.
NAMES_CHOSEN_BY_AWS = {("aws_cloudwatch_log_group", 'this["api_execution"]')}
# A moved block's `from` names what is no longer declared, on purpose (test_terraform_moved).
MOVED_FROM = re.compile(r"^\s*from\s*=")
INSTANCE = re.compile(r'(?<![\w.])((?:data\.)?aws_[a-z0-9_]+)\.([a-z0-9_]+)\["([\w.-]+)"\]')


def expand_locals(text: str, depth: int = 6) -> str:
    """Inline `local.x` references so a name's parts can be read in one string."""
    stack = load_stack()
    for _ in range(depth):
        expanded = re.sub(
            r"local\.([a-z0-9_]+)",
            lambda match: f"({stack.locals.get(match.group(1), match.group(0))})",
            text,
        )
        if expanded == text:
            break
        text = expanded
    return text


@pytest.mark.parametrize("path", sorted(TERRAFORM_DIR.glob("*.tf")), ids=lambda path: path.name)
def test_every_terraform_file_parses(path: Path) -> None:
    # Given a .tf file / When python-hcl2 parses it
    parsed = parse_file(path)

    # Then it declares something
    assert parsed, f"{path.name} parsed to nothing"


def test_stack_has_every_file_the_issue_lists() -> None:
    # Given the files in terraform/
    present = {path.name for path in TERRAFORM_DIR.glob("*.tf")}

    # Then every file the issue names is there, and both environments have tfvars
    assert present >= ISSUE_FILES, f"missing: {sorted(ISSUE_FILES - present)}"
    assert (TERRAFORM_DIR / "environments" / "dev.tfvars").is_file()
    assert (TERRAFORM_DIR / "environments" / "prod.tfvars").is_file()


@pytest.mark.parametrize("name", sorted(load_stack().variables))
def test_every_variable_has_a_type_and_a_description(name: str) -> None:
    # Given a variable
    variable = load_stack().variables[name]

    # Then it says what it holds and what it is for
    assert variable.get("type"), f"variable {name} has no type"
    assert len(str(variable.get("description", "")).split()) >= 3, f"{name}: describe it"


@pytest.mark.parametrize("name", sorted(load_stack().outputs))
def test_every_output_has_a_description(name: str) -> None:
    assert str(load_stack().outputs[name].get("description", "")).strip()


def test_terraform_and_aws_provider_versions_are_pinned() -> None:
    # Given the terraform blocks
    settings = [entry for entry in load_stack().terraform if "required_version" in entry]
    assert len(settings) == 1

    # When we read the constraints
    required_version = settings[0]["required_version"]
    aws = block(settings[0], "required_providers")["aws"]

    # Then Terraform is new enough for S3 native locking and the provider is pinned to 6.x
    match = re.fullmatch(r">=\s*(\d+)\.(\d+)(?:\.\d+)?", required_version)
    assert match, f"unexpected constraint {required_version!r}"
    assert (int(match.group(1)), int(match.group(2))) >= (1, 10)
    assert aws["source"] == "hashicorp/aws"
    assert re.fullmatch(r"~>\s*6\.\d+(\.\d+)?", aws["version"])


def test_backend_is_s3_encrypted_with_native_lock_file_and_no_hard_coded_bucket() -> None:
    # Given the backend block
    backends = [entry["backend"] for entry in load_stack().terraform if "backend" in entry]
    assert len(backends) == 1
    s3 = block({"backend": backends[0]}, "backend")["s3"]

    # Then state is encrypted and locked by S3 itself; bucket and key come from -backend-config
    assert s3.get("encrypt") is True
    assert s3.get("use_lockfile") is True
    assert "dynamodb_table" not in s3
    assert "bucket" not in s3


def test_every_reference_names_something_declared() -> None:
    # Given every reference in the code (comments and plain strings left out)
    stack = load_stack()
    code = "\n".join(
        strip_comments("\n".join(line for line in text.splitlines() if not MOVED_FROM.match(line)))
        for text in tf_sources().values()
    )
    declared_resources = {f"{kind}.{name}" for kind, name in stack.resources}
    declared_data = {f"data.{kind}.{name}" for kind, name in stack.data}

    # When we collect what they point at
    variables = set(re.findall(r"\bvar\.([a-z0-9_]+)", code))
    locals_ = set(re.findall(r"\blocal\.([a-z0-9_]+)", code))
    data = {f"data.{m[0]}.{m[1]}" for m in re.findall(r"\bdata\.(aws_\w+)\.(\w+)", code)}
    resources = {
        f"{m[0]}.{m[1]}" for m in re.findall(r"(?<![\w.])(aws_[a-z0-9_]+)\.([a-z0-9_]+)", code)
    }

    # Then each one is declared somewhere in the stack
    assert variables <= set(stack.variables), sorted(variables - set(stack.variables))
    assert locals_ <= set(stack.locals), sorted(locals_ - set(stack.locals))
    assert data <= declared_data, sorted(data - declared_data)
    assert resources <= declared_resources, sorted(resources - declared_resources)


def test_every_instance_a_reference_names_by_key_is_declared() -> None:
    # Given every `kind.name["key"]` the code names (comments and moves left out)
    stack = load_stack()
    lines = [
        line[: len(line) - len(split.comment) - 1] if split.comment is not None else line
        for text in tf_sources().values()
        for line in text.splitlines()
        if not MOVED_FROM.match(line)
        for split in [split_line(line)]
    ]
    named = {match for line in lines for match in INSTANCE.findall(line)}
    assert named, "expected references to for_each instances"

    # Then the block declares that key, so a misspelt key fails here, not at plan time
    declared = {f"{kind}.{name}" for kind, name in stack.instances} | {
        f"data.{kind}.{name}" for kind, name in stack.data_instances
    }
    missing = sorted(
        f'{kind}.{name}["{key}"]'
        for kind, name, key in named
        if f'{kind}.{name}["{key}"]' not in declared
    )
    assert not missing, missing


def test_globally_named_resources_carry_the_project_and_environment() -> None:
    # Given every resource that has a name of its own, once per instance
    stack = load_stack()
    named = [
        (kind, name, body[NAME_ATTRIBUTE.get(kind, "name")])
        for (kind, name), body in stack.instances.items()
        if kind not in NAMES_SCOPED_TO_A_PARENT
        and (kind, name) not in NAMES_CHOSEN_BY_AWS
        and NAME_ATTRIBUTE.get(kind, "name") in body
    ]
    assert len(named) >= 10, "expected the stack's named resources"

    # Then each name is built from var.project and var.environment
    unprefixed = [
        f"{kind}.{name}"
        for kind, name, value in named
        if not {"var.project", "var.environment"}
        <= set(re.findall(r"var\.project|var\.environment", expand_locals(str(value))))
    ]
    assert not unprefixed, f"names without project and environment: {unprefixed}"


def test_data_bucket_name_adds_the_environment_and_the_account() -> None:
    # Given the data bucket's name
    name = expand_locals(expression(load_stack().resource("aws_s3_bucket", "data")["bucket"]))

    # Then it is <project>-<environment>-data-<account id>
    assert re.search(r"var\.project.*var\.environment.*-data-.*account_id", name), name


DOCS_NAMING_ADDRESSES = [
    TERRAFORM_DIR.parent / "README.md",
    TERRAFORM_DIR.parent / "docs" / "deploy.md",
    TERRAFORM_DIR / "README.md",
]
DOCUMENTED_ADDRESS = re.compile(r'(?<![\w.])(aws_[a-z0-9_]+)\.([a-z0-9_]+(?:\["[\w.-]+"\])?)')


@pytest.mark.parametrize("path", DOCS_NAMING_ADDRESSES, ids=lambda path: str(path.parent.name))
def test_every_resource_address_the_docs_name_is_declared(path: Path) -> None:
    # Given the resource addresses a runbook names (`-replace` takes them as written)
    named = set(DOCUMENTED_ADDRESS.findall(path.read_text()))

    # Then each is an instance the stack declares, not one it declared before a move
    undeclared = sorted(
        f"{kind}.{name}" for kind, name in named if (kind, name) not in load_stack().instances
    )
    assert not undeclared, f"{path.name} names {undeclared}"
