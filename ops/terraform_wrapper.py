"""Terraform, run the same way by a person and by CI: saved plans only, never a prompt.

    python -m ops.terraform_wrapper plan --env prod --backend-config bucket=... [...]
    python -m ops.terraform_wrapper apply --plan-file terraform/prod.tfplan
    python -m ops.terraform_wrapper check

python-terraform 0.10.1 drives the binary, but only through `Terraform.cmd` with every
flag spelt out: its `plan`/`apply`/`destroy` helpers add flags that modern Terraform
rejects (`destroy -force`), may apply without a saved plan, and do not know that
`plan -detailed-exitcode` exits 2 when there are changes.
"""

from __future__ import annotations

import argparse
import enum
import logging
import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_terraform import IsFlagged, Terraform

from streakcore.errors import ConfigError, StreakError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKING_DIR = REPO_ROOT / "terraform"
# GitHub rejects comments over 65,536 characters; leave room for the heading and fences.
MAX_COMMENT_CHARS = 60_000
OUTPUT_TAIL_LINES = 30


class PlanOutcome(enum.Enum):
    NO_CHANGES = 0
    CHANGES = 2


@dataclass(frozen=True)
class PlanResult:
    outcome: PlanOutcome
    plan_file: Path
    summary_file: Path
    summary: str


def terraform_binary(name: str = "terraform") -> str:
    """The absolute path of the terraform binary, or a ConfigError saying how to get one."""
    found = shutil.which(name)
    if found is None:
        raise ConfigError(
            f"`{name}` is not on PATH: install Terraform (https://developer.hashicorp.com/"
            "terraform/install) or use hashicorp/setup-terraform in CI"
        )
    return found


class TerraformRunner:
    """One Terraform working directory, driven non-interactively."""

    def __init__(self, working_dir: Path, binary: str | None = None) -> None:
        self.working_dir = working_dir
        self._terraform = Terraform(
            working_dir=str(working_dir), terraform_bin_path=binary or terraform_binary()
        )

    def _run(self, command: str, *args: str, **options: Any) -> tuple[int, str, str]:
        code, out, err = self._terraform.cmd(command, *args, capture_output=True, **options)
        return int(code), str(out or ""), str(err or "")

    def _run_or_fail(self, command: str, *args: str, **options: Any) -> str:
        code, out, err = self._run(command, *args, **options)
        if code != 0:
            raise failure(command, code, out, err)
        return out

    def init(self, backend_config: Mapping[str, str] | None = None, backend: bool = True) -> str:
        options: dict[str, Any] = {"input": False, "no_color": IsFlagged}
        if not backend:
            options["backend"] = False
        if backend_config:
            options["backend_config"] = dict(backend_config)
        return self._run_or_fail("init", **options)

    def plan(
        self,
        environment: str,
        plan_file: Path,
        summary_file: Path,
        replace: Sequence[str] = (),
    ) -> PlanResult:
        """Save a plan for `environment` and a human summary of it; exit 2 means changes.

        `replace` names resources to recreate (e.g. an API key being rotated).
        """
        var_file = f"environments/{environment}.tfvars"
        if not (self.working_dir / var_file).is_file():
            raise ConfigError(f"no {var_file} in {self.working_dir}: unknown environment?")
        code, out, err = self._run(
            "plan",
            input=False,
            no_color=IsFlagged,
            detailed_exitcode=IsFlagged,
            out=str(plan_file),
            var_file=var_file,
            replace=list(replace) or None,
        )
        if code not in {outcome.value for outcome in PlanOutcome}:
            raise failure("plan", code, out, err)
        summary = self._run_or_fail("show", str(plan_file), no_color=IsFlagged)
        summary_file.parent.mkdir(parents=True, exist_ok=True)
        summary_file.write_text(summary, encoding="utf-8")
        return PlanResult(PlanOutcome(code), plan_file, summary_file, summary)

    def apply(self, plan_file: Path) -> str:
        """Apply exactly a saved plan; without one there is nothing reviewed to apply."""
        if not plan_file.is_file():
            raise ConfigError(
                f"no saved plan at {plan_file}: run `plan` first; apply never plans on its own"
            )
        return self._run_or_fail("apply", str(plan_file), input=False, no_color=IsFlagged)

    def check(self) -> None:
        """Formatting, then a backend-less init and validate: what a PR must pass."""
        self._run_or_fail("fmt", check=IsFlagged, recursive=IsFlagged, diff=IsFlagged)
        self.init(backend=False)
        self._run_or_fail("validate", no_color=IsFlagged)


def failure(command: str, code: int, out: str, err: str) -> StreakError:
    # fmt reports the offending files on stdout, most commands their errors on stderr.
    combined = "\n".join(part for part in (out.strip(), err.strip()) if part)
    tail = "\n".join(combined.splitlines()[-OUTPUT_TAIL_LINES:])
    return StreakError(f"terraform {command} failed (exit {code}):\n{tail}")


def render_plan_comment(environment: str, result: PlanResult) -> str:
    """Markdown for the one sticky PR comment: the verdict, then the plan (trimmed)."""
    verdict = "changes" if result.outcome is PlanOutcome.CHANGES else "no changes"
    body = result.summary.strip() or "(empty plan)"
    if len(body) > MAX_COMMENT_CHARS:
        body = body[:MAX_COMMENT_CHARS] + "\n... (trimmed; the full plan is in the job log)"
    return (
        f"### Terraform plan: `{environment}`: {verdict}\n\n"
        f"<details><summary>Show plan</summary>\n\n```\n{body}\n```\n\n</details>\n"
    )


FIRST_SETTINGS = ("timezone", "alert_email")
"""What a runner must say before the first plan: their home zone (when 'today' ends, when
the schedules fire) and where the 20:00 alert goes. Terraform gives neither a default."""


def unset_first_settings(var_file: Path, environ: Mapping[str, str]) -> list[str]:
    """The FIRST_SETTINGS neither `var_file` (outside comments) nor a TF_VAR_ variable sets."""
    lines = [
        line.split("#", 1)[0].split("//", 1)[0]
        for line in var_file.read_text(encoding="utf-8").splitlines()
    ]
    return [
        name
        for name in FIRST_SETTINGS
        if f"TF_VAR_{name}" not in environ
        and not any(line.strip().startswith(name) and "=" in line for line in lines)
    ]


def require_first_settings(working_dir: Path, environment: str) -> None:
    """ConfigError, before anything runs, when the environment's tfvars leave the home zone
    or the alert address unset: one line that says what to write where, instead of
    Terraform's "No value for required variable"."""
    var_file = working_dir / "environments" / f"{environment}.tfvars"
    if not var_file.is_file():
        return
    missing = unset_first_settings(var_file, os.environ)
    if missing:
        raise ConfigError(
            f"terraform/environments/{environment}.tfvars does not set {' or '.join(missing)}: "
            'write your home time zone (timezone = "Europe/London") and where the 20:00 alert '
            'goes (alert_email = "you@example.com", or null for none) there first '
            "(docs/deploy.md, step 0)"
        )


def parse_backend_config(pairs: Sequence[str]) -> dict[str, str]:
    config: dict[str, str] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key:
            raise ConfigError(f"--backend-config takes key=value, got {pair!r}")
        config[key] = value
    return config


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ops.terraform_wrapper")
    parser.add_argument("--chdir", type=Path, default=DEFAULT_WORKING_DIR)
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="terraform init with -backend-config pairs")
    init.add_argument("--backend-config", action="append", default=[], metavar="KEY=VALUE")

    plan = commands.add_parser("plan", help="init, then save a plan and its summary")
    plan.add_argument("--env", required=True, help="environments/<env>.tfvars")
    plan.add_argument("--backend-config", action="append", default=[], metavar="KEY=VALUE")
    plan.add_argument("--skip-init", action="store_true", help="the directory is initialised")
    plan.add_argument("--plan-file", type=Path, help="default: <chdir>/<env>.tfplan")
    plan.add_argument("--summary-file", type=Path, help="default: <plan file>.txt")
    plan.add_argument("--comment-file", type=Path, help="also write a PR comment (markdown)")
    plan.add_argument(
        "--replace",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="plan to recreate this resource (repeatable), e.g. to rotate an API key",
    )

    apply = commands.add_parser("apply", help="apply a saved plan, nothing else")
    apply.add_argument("--plan-file", type=Path, required=True)

    commands.add_parser("check", help="fmt -check, init -backend=false, validate")
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    working_dir = args.chdir.resolve()
    runner = TerraformRunner(working_dir)
    if args.command == "init":
        print(runner.init(parse_backend_config(args.backend_config)))
    elif args.command == "plan":
        require_first_settings(working_dir, args.env)
        if not args.skip_init:
            print(runner.init(parse_backend_config(args.backend_config)))
        plan_file = (args.plan_file or working_dir / f"{args.env}.tfplan").resolve()
        default_summary = plan_file.with_name(plan_file.name + ".txt")
        summary_file = (args.summary_file or default_summary).resolve()
        result = runner.plan(args.env, plan_file, summary_file, args.replace)
        print(result.summary)
        if args.comment_file:
            args.comment_file.write_text(render_plan_comment(args.env, result), encoding="utf-8")
        verdict = "changes" if result.outcome is PlanOutcome.CHANGES else "no changes"
        print(f"plan for {args.env}: {verdict}; saved to {plan_file}, summary in {summary_file}")
    elif args.command == "apply":
        print(runner.apply(args.plan_file.resolve()))
    else:
        runner.check()
        print("terraform fmt, init -backend=false and validate passed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # Terraform trims its "run terraform apply next" advice when it knows it is scripted.
    os.environ.setdefault("TF_IN_AUTOMATION", "1")
    # python-terraform logs "error: <stderr>" for every non-zero exit, including plan's 2
    # (changes); we report failures ourselves, once.
    logging.getLogger("python_terraform").setLevel(logging.CRITICAL)
    try:
        return run(args)
    except StreakError as error:
        print(f"terraform_wrapper: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
