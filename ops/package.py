"""Build dist/lambda.zip: the Lambda code and its wheels, lean and byte-for-byte reproducible.

    python -m ops.package [--arch x86_64|arm64] [--output dist/lambda.zip]

Dependencies are the project's runtime dependencies plus its `aws` extra, minus what the
Lambda runtime already has (boto3, botocore), installed from manylinux wheels for the
runtime's CPython. The zip is then imported in a clean CPython of that version (when this
machine has one) to prove the handler loads.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ops.import_check import find_interpreter, host_machine, import_seconds
from ops.zip_archive import (
    ArchiveStats,
    collect_tree,
    distributions,
    merge_entries,
    top_level_sizes,
    write_reproducible_zip,
    zip_timestamp,
)
from streakcore.errors import ConfigError, StreakError

REPO_ROOT = Path(__file__).resolve().parent.parent
LAMBDA_PYTHON = (3, 12)
# Lambda's direct-upload limit for a zip; the unzipped limit (code and layers) is 250 MB.
DEFAULT_MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
HANDLER_MODULE = "streak_lambda.handler"
RUNTIME_PROVIDED = frozenset({"boto3", "botocore"})


# duckdb >= 1.3 publishes manylinux_2_27/2_28 wheels only (no manylinux2014), so 2.28 is
# the floor we need; the Lambda python3.12 runtime (Amazon Linux 2023, glibc 2.34) runs it.
NEWEST_GLIBC_MINOR = 28
# manylinux2014 is glibc 2.17, the oldest policy still published for CPython 3.12.
OLDEST_GLIBC_MINOR = 17


@dataclass(frozen=True)
class Architecture:
    lambda_name: str
    machine: str

    def platform_tags(self) -> list[str]:
        """Every manylinux tag the runtime accepts, newest first.

        pip takes `--platform manylinux_2_28_x86_64` literally (it does not widen it to
        older glibc versions), so each compatible tag is passed explicitly.
        """
        tags = [
            f"manylinux_2_{minor}_{self.machine}"
            for minor in range(NEWEST_GLIBC_MINOR, OLDEST_GLIBC_MINOR - 1, -1)
        ]
        return [*tags, f"manylinux2014_{self.machine}"]


ARCHITECTURES = {
    "x86_64": Architecture("x86_64", "x86_64"),
    "arm64": Architecture("arm64", "aarch64"),
}


@dataclass(frozen=True)
class BuildConfig:
    repo_root: Path = REPO_ROOT
    output: Path = REPO_ROOT / "dist" / "lambda.zip"
    arch: Architecture = ARCHITECTURES["x86_64"]
    pip_args: tuple[str, ...] = ()
    max_zipped_bytes: int = DEFAULT_MAX_ZIPPED_BYTES
    verify: bool = True
    verify_python: Path | None = None
    handler_module: str = HANDLER_MODULE
    runtime_requirements: tuple[str, ...] = tuple(sorted(RUNTIME_PROVIDED))
    source_date_epoch: str | None = None


@dataclass(frozen=True)
class BuildResult:
    archive: ArchiveStats
    distributions: list[str]
    largest: list[tuple[str, int]]
    notes: list[str]


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of importing the handler: its time, or why it was not run."""

    seconds: float | None
    interpreter: Path | None
    skipped_because: str | None = None


def requirement_name(requirement: str) -> str:
    """The normalised project name of a PEP 508 requirement string."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ConfigError(f"cannot read a project name from requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def lambda_requirements(pyproject: Path) -> list[str]:
    """Runtime dependencies + the `aws` extra, minus the project and what the runtime has."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own_name = requirement_name(project["name"])
    wanted = [
        *project.get("dependencies", []),
        *project.get("optional-dependencies", {}).get("aws", []),
    ]
    return [
        requirement
        for requirement in wanted
        if requirement_name(requirement) not in RUNTIME_PROVIDED | {own_name}
    ]


def pip_install_command(
    requirements: Sequence[str],
    target: Path,
    arch: Architecture,
    extra_args: Sequence[str] = (),
) -> list[str]:
    python_version = f"{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}"
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        *(option for tag in arch.platform_tags() for option in ("--platform", tag)),
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        # .pyc files carry build-time data and Lambda cannot reuse them from a read-only tree.
        "--no-compile",
        "--disable-pip-version-check",
        "--quiet",
        *extra_args,
        *requirements,
    ]


def run_pip(command: Sequence[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-20:])
        raise StreakError(f"pip could not install the Lambda dependencies:\n{last_lines}")


def own_sources(repo_root: Path) -> dict[str, Path]:
    """Our packages, copied from source: streakcore (with `testing`) and streak_lambda."""
    library = repo_root / "lib" / "streakcore"
    adapter = repo_root / "lambda" / "streak_lambda"
    openapi = repo_root / "lambda" / "openapi.yaml"
    for required in (library, adapter, openapi):
        if not required.exists():
            raise ConfigError(f"{required} is missing; is {repo_root} the streakcore checkout?")
    return merge_entries(
        collect_tree(library, "streakcore"),
        collect_tree(adapter, "streak_lambda"),
        {"streak_lambda/openapi.yaml": openapi},
    )


def removed_runtime_provided(site: Path) -> list[str]:
    """Delete boto3/botocore if a dependency pulled them in: the runtime has its own."""
    removed = []
    for dist_info in sorted(site.glob("*.dist-info")):
        name = requirement_name(dist_info.name.removesuffix(".dist-info").split("-")[0])
        if name not in RUNTIME_PROVIDED:
            continue
        top_level = dist_info / "top_level.txt"
        packages = top_level.read_text().split() if top_level.exists() else [name]
        for package in packages:
            shutil.rmtree(site / package, ignore_errors=True)
        shutil.rmtree(dist_info)
        removed.append(name)
    return removed


def assemble(config: BuildConfig, scratch: Path) -> BuildResult:
    """Install the wheels into `scratch`, add our sources and write the reproducible zip."""
    site = scratch / "site"
    requirements = lambda_requirements(config.repo_root / "pyproject.toml")
    run_pip(pip_install_command(requirements, site, config.arch, config.pip_args))
    notes = [
        f"removed {name}: pulled in by a dependency, but the Lambda runtime provides it"
        for name in removed_runtime_provided(site)
    ]
    entries = merge_entries(collect_tree(site), own_sources(config.repo_root))
    timestamp = zip_timestamp(config.source_date_epoch)
    archive = write_reproducible_zip(entries, config.output, timestamp)
    return BuildResult(archive, distributions(entries), top_level_sizes(entries), notes)


def enforce_budget(archive: ArchiveStats, max_zipped_bytes: int) -> None:
    if archive.zipped_bytes > max_zipped_bytes:
        raise StreakError(
            f"{archive.path} is {mib(archive.zipped_bytes)} zipped, over the budget of "
            f"{mib(max_zipped_bytes)}: drop a dependency or strip more before deploying"
        )
    if archive.unzipped_bytes > MAX_UNZIPPED_BYTES:
        raise StreakError(
            f"{archive.path} unzips to {mib(archive.unzipped_bytes)}, over Lambda's "
            f"{mib(MAX_UNZIPPED_BYTES)} limit"
        )


def check_import(archive: Path, config: BuildConfig, scratch: Path) -> ImportCheck:
    """Import the handler from the unzipped archive in a clean interpreter matching Lambda's."""
    if not config.verify:
        return ImportCheck(None, None, "--skip-verify was given")
    if config.verify_python is None and config.arch.machine != host_machine():
        return ImportCheck(
            None,
            None,
            f"{config.arch.lambda_name} wheels cannot load on this {host_machine()} machine",
        )
    interpreter = find_interpreter(LAMBDA_PYTHON, config.arch.machine, config.verify_python)
    if interpreter is None:
        raise StreakError(
            f"no CPython {LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]} on {config.arch.machine} to "
            "import the package with: pass --python PATH, or --skip-verify to build unverified"
        )
    tree = scratch / "unzipped"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(tree)
    runtime = scratch / "runtime-provided"
    if config.runtime_requirements:
        # What the Lambda runtime ships beside our code (boto3), for handlers that import it.
        run_pip(
            [
                str(interpreter.path),
                "-m",
                "pip",
                "install",
                "--target",
                str(runtime),
                "--disable-pip-version-check",
                "--quiet",
                *config.pip_args,
                *config.runtime_requirements,
            ]
        )
    seconds = import_seconds(interpreter.path, config.handler_module, tree, [runtime])
    return ImportCheck(seconds, interpreter.path)


def build(config: BuildConfig) -> tuple[BuildResult, ImportCheck]:
    """The whole build: assemble, check the budget, then import the handler from the zip."""
    with tempfile.TemporaryDirectory(prefix="streak-lambda-") as scratch:
        result = assemble(config, Path(scratch))
        enforce_budget(result.archive, config.max_zipped_bytes)
        return result, check_import(result.archive.path, config, Path(scratch))


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def render_report(result: BuildResult) -> str:
    archive = result.archive
    lines = [
        f"package      {archive.path}",
        f"zipped       {mib(archive.zipped_bytes)} ({archive.zipped_bytes} bytes)",
        f"unzipped     {mib(archive.unzipped_bytes)} ({archive.unzipped_bytes} bytes)",
        f"entries      {archive.entries}",
        f"sha256       {archive.sha256}",
        "largest      " + ", ".join(f"{name} {mib(size)}" for name, size in result.largest),
        "dependencies " + " ".join(result.distributions),
    ]
    lines.extend(f"note         {note}" for note in result.notes)
    return "\n".join(lines)


def render_import_check(check: ImportCheck, handler_module: str) -> str:
    if check.seconds is None:
        return f"import check NOT run: {check.skipped_because}"
    return (
        f"import check {handler_module} imported from the zip in "
        f"{check.seconds * 1000:.0f} ms ({check.interpreter} -I -S, no bytecode cache)"
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m ops.package", description="Build the reproducible Lambda zip."
    )
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="x86_64")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "dist" / "lambda.zip")
    parser.add_argument("--repo-root", type=Path, default=REPO_ROOT)
    parser.add_argument(
        "--max-zipped-mb",
        type=float,
        default=DEFAULT_MAX_ZIPPED_BYTES / (1024 * 1024),
        help="fail when the zip is bigger than this (default: Lambda's 50 MB upload limit)",
    )
    parser.add_argument(
        "--python",
        type=Path,
        help="CPython 3.12 to run the import check with (default: look on PATH, pyenv, uv)",
    )
    parser.add_argument("--skip-verify", action="store_true", help="do not import the handler")
    parser.add_argument("--handler-module", default=HANDLER_MODULE)
    parser.add_argument(
        "--pip-arg",
        action="append",
        default=[],
        help="extra argument for pip (repeatable), e.g. --pip-arg=--no-index",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    config = BuildConfig(
        repo_root=args.repo_root.resolve(),
        output=args.output.resolve(),
        arch=ARCHITECTURES[args.arch],
        pip_args=tuple(args.pip_arg),
        max_zipped_bytes=int(args.max_zipped_mb * 1024 * 1024),
        verify=not args.skip_verify,
        verify_python=args.python,
        handler_module=args.handler_module,
        source_date_epoch=os.environ.get("SOURCE_DATE_EPOCH"),
    )
    try:
        with tempfile.TemporaryDirectory(prefix="streak-lambda-") as scratch:
            result = assemble(config, Path(scratch))
            print(render_report(result), flush=True)
            enforce_budget(result.archive, config.max_zipped_bytes)
            check = check_import(result.archive.path, config, Path(scratch))
    except StreakError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    print(render_import_check(check, config.handler_module))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
