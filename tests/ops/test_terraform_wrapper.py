"""The Terraform wrapper against a fake `terraform` on PATH that records its argv."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ops import terraform_wrapper
from ops.terraform_wrapper import (
    PlanOutcome,
    PlanResult,
    TerraformRunner,
    parse_backend_config,
    render_plan_comment,
)
from streakcore.errors import ConfigError, StreakError

# python-terraform 0.10.1 calls the deprecated Logger.warn whenever terraform exits non-zero.
pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")

FAKE_TERRAFORM = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_TF_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    code = json.loads(os.environ.get("FAKE_TF_CODES", "{{}}")).get(args[0], 0)
    if args[0] == "show":
        print("  # aws_lambda_function.sync will be updated in-place")
        print("Plan: 0 to add, 1 to change, 0 to destroy.")
    else:
        print("fake terraform " + args[0])
    if code == 1:
        print("Error: fake failure in " + args[0], file=sys.stderr)
    sys.exit(code)
    """
)


@pytest.fixture
def fake_terraform(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], list[list[str]]]:
    """A `terraform` on PATH; returns a reader of the argv lists it was called with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "terraform"
    script.write_text(FAKE_TERRAFORM.format(python=sys.executable))
    script.chmod(0o755)
    log = tmp_path / "argv.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_TF_LOG", str(log))
    monkeypatch.delenv("FAKE_TF_CODES", raising=False)

    def calls() -> list[list[str]]:
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    return calls


@pytest.fixture
def working_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "terraform"
    (directory / "environments").mkdir(parents=True)
    (directory / "environments" / "prod.tfvars").write_text(
        'environment = "prod"\ntimezone = "Europe/London"\nalert_email = "runner@example.com"\n'
    )
    return directory


def exit_codes(monkeypatch: pytest.MonkeyPatch, **codes: int) -> None:
    monkeypatch.setenv("FAKE_TF_CODES", json.dumps(codes))


def test_plan_inits_with_backend_config_then_saves_a_plan_and_shows_it(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a plan that has changes (terraform exits 2)
    exit_codes(monkeypatch, plan=2)
    plan_file = working_dir / "prod.tfplan"
    summary_file = working_dir / "prod.tfplan.txt"

    # when the CLI plans prod
    code = terraform_wrapper.main(
        [
            "--chdir",
            str(working_dir),
            "plan",
            "--env",
            "prod",
            "--backend-config",
            "bucket=state-bucket",
            "--backend-config",
            "key=streakcore/prod.tfstate",
        ]
    )

    # then exactly these commands ran, and "changes" is not a failure
    assert code == 0
    assert fake_terraform() == [
        [
            "init",
            "-input=false",
            "-no-color",
            "-backend-config=bucket=state-bucket",
            "-backend-config=key=streakcore/prod.tfstate",
        ],
        [
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            f"-out={plan_file}",
            "-var-file=environments/prod.tfvars",
        ],
        ["show", "-no-color", str(plan_file)],
    ]
    assert "1 to change" in summary_file.read_text()
    assert "plan for prod: changes" in capsys.readouterr().out


def test_plan_can_ask_to_replace_resources(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a rotation of one API key
    exit_codes(monkeypatch, plan=2)
    runner = TerraformRunner(working_dir)

    # when planned with replacements
    runner.plan(
        "prod",
        working_dir / "p.tfplan",
        working_dir / "p.txt",
        replace=[
            'aws_api_gateway_api_key.this["personal"]',
            'aws_api_gateway_api_key.this["github_actions"]',
        ],
    )

    # then each address is one -replace flag, after the var file, its key quoted as written
    assert fake_terraform()[0][-2:] == [
        '-replace=aws_api_gateway_api_key.this["personal"]',
        '-replace=aws_api_gateway_api_key.this["github_actions"]',
    ]


@pytest.mark.parametrize(
    ("exit_code", "outcome"), [(0, PlanOutcome.NO_CHANGES), (2, PlanOutcome.CHANGES)]
)
def test_plan_exit_code_tells_changes_from_no_changes(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    exit_code: int,
    outcome: PlanOutcome,
) -> None:
    exit_codes(monkeypatch, plan=exit_code)
    runner = TerraformRunner(working_dir)

    result = runner.plan("prod", working_dir / "p.tfplan", working_dir / "p.txt")

    assert result.outcome is outcome


def test_plan_exit_code_1_is_a_failure_and_nothing_is_shown(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given terraform plan fails
    exit_codes(monkeypatch, plan=1)
    runner = TerraformRunner(working_dir)

    # when planning, then the error carries terraform's own message
    with pytest.raises(StreakError, match="fake failure in plan"):
        runner.plan("prod", working_dir / "p.tfplan", working_dir / "p.txt")

    # and no summary was attempted
    assert [call[0] for call in fake_terraform()] == ["plan"]
    assert not (working_dir / "p.txt").exists()


def test_plan_for_an_unknown_environment_is_refused_before_terraform_runs(
    fake_terraform: Callable[[], list[list[str]]], working_dir: Path
) -> None:
    runner = TerraformRunner(working_dir)

    with pytest.raises(ConfigError, match=r"environments/staging\.tfvars"):
        runner.plan("staging", working_dir / "p.tfplan", working_dir / "p.txt")
    assert fake_terraform() == []


def test_apply_applies_only_the_saved_plan_without_prompting(
    fake_terraform: Callable[[], list[list[str]]], working_dir: Path
) -> None:
    # given a saved plan
    plan_file = working_dir / "prod.tfplan"
    plan_file.write_bytes(b"saved plan")

    # when applied through the CLI
    code = terraform_wrapper.main(
        ["--chdir", str(working_dir), "apply", "--plan-file", str(plan_file)]
    )

    # then exactly one apply of that file ran, with no -auto-approve anywhere
    assert code == 0
    assert fake_terraform() == [["apply", "-input=false", "-no-color", str(plan_file)]]


def test_apply_without_a_saved_plan_is_refused_and_terraform_never_runs(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = terraform_wrapper.main(
        ["--chdir", str(working_dir), "apply", "--plan-file", str(working_dir / "none.tfplan")]
    )

    assert code == 1
    assert fake_terraform() == []
    assert "no saved plan" in capsys.readouterr().err


def test_a_failing_apply_exits_non_zero(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    exit_codes(monkeypatch, apply=1)
    plan_file = working_dir / "prod.tfplan"
    plan_file.write_bytes(b"saved plan")

    code = terraform_wrapper.main(
        ["--chdir", str(working_dir), "apply", "--plan-file", str(plan_file)]
    )

    assert code == 1
    assert "terraform apply failed (exit 1)" in capsys.readouterr().err


def test_check_runs_fmt_then_a_backend_less_init_then_validate(
    fake_terraform: Callable[[], list[list[str]]], working_dir: Path
) -> None:
    code = terraform_wrapper.main(["--chdir", str(working_dir), "check"])

    assert code == 0
    assert fake_terraform() == [
        ["fmt", "-check", "-recursive", "-diff"],
        ["init", "-input=false", "-no-color", "-backend=false"],
        ["validate", "-no-color"],
    ]


def test_check_stops_at_the_first_failure(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exit_codes(monkeypatch, fmt=3)

    code = terraform_wrapper.main(["--chdir", str(working_dir), "check"])

    assert code == 1
    assert [call[0] for call in fake_terraform()] == ["fmt"]


def test_missing_terraform_binary_is_one_clear_line(
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    # given a PATH without terraform
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    code = terraform_wrapper.main(["--chdir", str(working_dir), "check"])

    err = capsys.readouterr().err
    assert code == 1
    assert "`terraform` is not on PATH" in err
    assert len(err.strip().splitlines()) == 1


def test_plan_comment_states_the_verdict_and_trims_a_huge_plan(tmp_path: Path) -> None:
    huge = "~ resource\n" * 10_000
    result = PlanResult(PlanOutcome.CHANGES, tmp_path / "p", tmp_path / "s", huge)

    comment = render_plan_comment("prod", result)

    assert comment.startswith("### Terraform plan: `prod`: changes")
    assert "trimmed" in comment
    assert len(comment) < 65_536


def test_plan_comment_for_no_changes_says_so(tmp_path: Path) -> None:
    result = PlanResult(PlanOutcome.NO_CHANGES, tmp_path / "p", tmp_path / "s", "No changes.")

    assert "`prod`: no changes" in render_plan_comment("prod", result)


@pytest.mark.parametrize("pair", ["bucket", "=value"])
def test_backend_config_must_be_key_equals_value(pair: str) -> None:
    with pytest.raises(ConfigError, match="key=value"):
        parse_backend_config([pair])


def test_backend_config_keeps_equals_signs_inside_values() -> None:
    assert parse_backend_config(["endpoint=https://x?a=b"]) == {"endpoint": "https://x?a=b"}


def test_wrapper_output_paths_default_next_to_the_working_dir(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exit_codes(monkeypatch, plan=0)

    code = terraform_wrapper.main(
        ["--chdir", str(working_dir), "plan", "--env", "prod", "--skip-init"]
    )

    assert code == 0
    assert fake_terraform()[0][4] == f"-out={working_dir / 'prod.tfplan'}"
    assert (working_dir / "prod.tfplan.txt").is_file()


def test_comment_file_is_written_when_asked(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    exit_codes(monkeypatch, plan=2)
    comment = tmp_path / "comment.md"

    terraform_wrapper.main(
        [
            "--chdir",
            str(working_dir),
            "plan",
            "--env",
            "prod",
            "--skip-init",
            "--comment-file",
            str(comment),
        ]
    )

    assert "1 to change" in comment.read_text()
    assert Path(comment).read_text().startswith("### Terraform plan: `prod`: changes")


@pytest.mark.parametrize(
    ("tfvars", "missing"),
    [
        ('environment = "prod"\n# timezone = "Europe/London"\n', "timezone or alert_email"),
        ('environment = "prod"\ntimezone = "Europe/London"\n', "alert_email"),
        ('environment = "prod"\nalert_email = null\n', "timezone"),
    ],
    ids=["neither (commented out)", "no address", "no zone"],
)
def test_a_plan_without_the_runners_zone_and_alert_address_stops_before_terraform_runs(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tfvars: str,
    missing: str,
) -> None:
    # given the tfvars as shipped (or half edited), and no TF_VAR_ for them
    monkeypatch.delenv("TF_VAR_timezone", raising=False)
    monkeypatch.delenv("TF_VAR_alert_email", raising=False)
    (working_dir / "environments" / "prod.tfvars").write_text(tfvars)
    # when prod is planned
    code = terraform_wrapper.main(["--chdir", str(working_dir), "plan", "--env", "prod"])
    # then nothing ran, and one line says what to write where
    err = capsys.readouterr().err
    assert code == 1
    assert fake_terraform() == []
    assert f"environments/prod.tfvars does not set {missing}" in err
    assert "docs/deploy.md, step 0" in err


def test_the_zone_and_address_may_come_from_tf_var_instead(
    fake_terraform: Callable[[], list[list[str]]],
    working_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (working_dir / "environments" / "prod.tfvars").write_text('environment = "prod"\n')
    monkeypatch.setenv("TF_VAR_timezone", "Europe/London")
    monkeypatch.setenv("TF_VAR_alert_email", "runner@example.com")
    exit_codes(monkeypatch, plan=0)
    assert terraform_wrapper.main(["--chdir", str(working_dir), "plan", "--env", "prod"]) == 0
    assert [call[0] for call in fake_terraform()] == ["init", "plan", "show"]
