"""No secret value ever lives in Terraform: not in code, variables, tfvars, outputs or state."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from terraform_hcl import (
    TERRAFORM_DIR,
    expression,
    load_stack,
    parse_file,
    strip_comments,
    tf_sources,
    tfvars_files,
)

SECRET_NAMES = re.compile(r"token|secret|password|passwd|api_?key|credential", re.IGNORECASE)
# Long runs of key material: base64/hex/JWT-ish strings, AWS access key ids.
SECRET_LOOKING = re.compile(r"[A-Za-z0-9+/=_\-.]{32,}|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}")

DEPLOY_DOC = TERRAFORM_DIR.parent / "docs" / "deploy.md"
SECRETS_STEP_POINTER = 'docs/deploy.md, step 4 "Put the secrets"'
SECRETS_STEP_HEADING = "## 4. Put the secrets"


def test_no_secret_version_is_ever_created() -> None:
    kinds = {kind for kind, _ in load_stack().resources}
    assert "aws_secretsmanager_secret_version" not in kinds


def test_no_code_sets_a_secret_string() -> None:
    for name, text in tf_sources().items():
        assert "secret_string" not in strip_comments(text), name


@pytest.mark.parametrize("name", ["smashrun_oauth", "api_keys"])
def test_secrets_are_encrypted_with_the_stack_key(name: str) -> None:
    secret = load_stack().resource("aws_secretsmanager_secret", name)
    assert expression(secret["kms_key_id"]) == "aws_kms_key.this.arn"


def test_no_variable_is_meant_to_carry_a_secret() -> None:
    # Variables end up in tfvars, CI logs and the state: none may be a token or key.
    carrying = [name for name in load_stack().variables if SECRET_NAMES.search(name)]
    assert not carrying, f"variables named like secrets: {carrying}"


@pytest.mark.parametrize("path", tfvars_files(), ids=lambda path: path.name)
def test_tfvars_hold_no_secret_names_or_secret_looking_values(path: Path) -> None:
    # Given an environment's tfvars
    values = parse_file(path)
    assert values, f"{path.name} is empty"

    # Then no setting is named like a secret and no value looks like key material
    for name, value in values.items():
        assert not SECRET_NAMES.search(name), f"{path.name}: {name}"
        for text in value if isinstance(value, list) else [value]:
            assert not SECRET_LOOKING.search(str(text)), f"{path.name}: {name}"


@pytest.mark.parametrize("path", tfvars_files(), ids=lambda path: path.name)
def test_tfvars_set_only_declared_variables(path: Path) -> None:
    undeclared = set(parse_file(path)) - set(load_stack().variables)
    assert not undeclared, f"{path.name} sets undeclared variables {sorted(undeclared)}"


def test_outputs_never_carry_api_key_values() -> None:
    # Given every output
    for name, output in load_stack().outputs.items():
        value = str(output["value"])

        # Then none reads a key's value, and any output that could carry one is sensitive
        assert not re.search(r"aws_api_gateway_api_key\.\w+\.value", value), name
        if re.search(r"\.value\b|secret_string", value):
            assert output.get("sensitive") is True, name


def test_outputs_name_the_api_keys_by_id_only() -> None:
    ids = load_stack().outputs["api_key_ids"]["value"]
    assert set(ids) == {"personal", "github_actions"}
    assert all(str(value).endswith(".id}") for value in ids.values())


@pytest.mark.parametrize(
    "path", [TERRAFORM_DIR / "secrets.tf", *tfvars_files()], ids=lambda path: path.name
)
def test_where_to_put_the_secrets_points_at_a_step_that_exists(path: Path) -> None:
    # Given a file that tells the reader secrets are put elsewhere
    text = path.read_text()

    # Then it names the deploy guide's step, and that step is there
    assert SECRETS_STEP_POINTER in text
    assert SECRETS_STEP_HEADING in DEPLOY_DOC.read_text().splitlines()
