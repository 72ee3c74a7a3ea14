"""Build dist/lambda.zip: the Lambda code and its wheels, lean, fast to start, reproducible.

    python -m ops.package [--arch x86_64|arm64] [--output dist/lambda.zip] [--python PATH]

Dependencies are the project's runtime dependencies plus its `aws` extra, as manylinux
wheels for the runtime's CPython. That includes botocore, bundled on purpose although the
runtime has its own: the S3 store needs conditional writes (IfMatch on PutObject,
botocore >= 1.35.69) and the runtime's is whatever AWS last shipped. The extra's boto3 (and
its s3transfer) stays out: the code makes its clients from botocore.

What the Lambda never reads stays out: botocore's models of services we do not call (and
their entries in its endpoint table, ops/botocore_data.py), and what ops/lambda_contents.py
lists with its reason (rich and the libraries only it needs, assets and sub-packages of
features nothing calls). The modules the handler's routes import get bytecode compiled by
CPython 3.12 (ops/bytecode.py), so a cold start from the read-only /var/task compiles
nothing. The report says what each distribution costs and why it is there, and how the
zip compares with the duckdb wheel alone (the floor).

The zip is then checked in a clean CPython of the runtime's version (when this machine has
one): the handler imports, the bundled botocore makes conditional writes against a local moto
server, and a sync followed by GET /stats, /health and /badge.svg run from the unpacked
zip, each as a new process, without importing anything that was left out.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ops.botocore_data import describe_trimmed, with_trimmed_endpoints, with_trimmed_models
from ops.bytecode import COLD_MODULES, Bytecode, read_module_list, with_bytecode
from ops.import_check import (
    AwsCheck,
    Interpreter,
    aws_check,
    describe,
    find_interpreter,
    host_machine,
    import_seconds,
    moto_endpoint,
)
from ops.lambda_contents import (
    OWN_PACKAGES,
    ContentRow,
    content_rows,
    installed_distributions,
    left_out_modules,
    left_out_summary,
    select_contents,
    with_short_metadata,
)
from ops.route_check import RouteCheck, check_routes
from ops.zip_archive import (
    ArchiveStats,
    collect_tree,
    distributions,
    entry_sizes,
    merge_entries,
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
# The goal for the zip: at most this many times the duckdb wheel alone.
FLOOR_DISTRIBUTION = "duckdb"
FLOOR_RATIO_GOAL = 1.25

# The AWS services lib/ and lambda/ make clients for: S3 holds the DuckDB file, Secrets
# Manager the tokens and API keys, SNS takes the at-risk alert. botocore ships models for
# ~450 services (~18 MB unzipped, ~16 MB zipped: a third of the 50 MB budget); only these
# go in the zip. No `sts`: Lambda hands the function its role's credentials in environment
# variables, so botocore never assumes a role. A test holds this set equal to the
# `client("...")` calls in the code.
BUNDLED_AWS_SERVICES = frozenset({"s3", "secretsmanager", "sns"})
# Per-service model folders: botocore's API models, boto3's resource models. Files at
# their root (endpoints.json, partitions.json, _retry.json, sdk-default-configuration.json)
# are what every client needs to start, and stay; endpoints.json keeps only these
# services' entries (ops/botocore_data.py).
AWS_MODEL_DIRS = ("botocore/data", "boto3/data")
# The operations the code calls on a client whose model is big: the zip's model keeps these
# and the shapes they reach (ops/botocore_data.py). CreateBucket is the package check's own
# (ops/import_check.py makes its bucket with the bundled client). A test holds the rest
# equal to the S3 calls in lib/ and lambda/.
BUNDLED_AWS_OPERATIONS = {"s3": frozenset({"GetObject", "PutObject", "CopyObject", "CreateBucket"})}
# botocore reads these only to write docstrings, which nothing in a Lambda asks for.
AWS_DOCS_ONLY_FILES = frozenset({"examples-1.json"})


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
    aws_services: frozenset[str] = BUNDLED_AWS_SERVICES
    source_date_epoch: str | None = None
    cold_modules: Path = COLD_MODULES
    """The modules that get bytecode: what the handler's routes import."""
    check_routes: bool = True


@dataclass(frozen=True)
class Wheel:
    name: str
    version: str
    size: int


@dataclass(frozen=True)
class BuildResult:
    archive: ArchiveStats
    distributions: list[str]
    contents: list[ContentRow]
    left_out: list[tuple[str, int, int]]
    """(reason, files, unzipped bytes) of what the zip leaves out."""
    left_out_modules: frozenset[str]
    bytecode: Bytecode
    compiler: Interpreter
    floor: Wheel | None
    """The duckdb wheel the zip is measured against."""
    notes: list[str]

    @property
    def floor_ratio(self) -> float | None:
        return self.archive.zipped_bytes / self.floor.size if self.floor else None


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of checking the zip: import time and botocore's report, or why not run."""

    seconds: float | None
    interpreter: Path | None
    skipped_because: str | None = None
    aws: AwsCheck | None = None
    routes: RouteCheck | None = None


def requirement_name(requirement: str) -> str:
    """The normalised project name of a PEP 508 requirement string."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if not match:
        raise ConfigError(f"cannot read a project name from requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def lambda_requirements(pyproject: Path) -> list[str]:
    """Runtime dependencies + the `aws` extra (botocore, through boto3), minus the project
    itself."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    own_name = requirement_name(project["name"])
    wanted = [
        *project.get("dependencies", []),
        *project.get("optional-dependencies", {}).get("aws", []),
    ]
    return [requirement for requirement in wanted if requirement_name(requirement) != own_name]


def wheel_selection_args(arch: Architecture) -> list[str]:
    """pip options that pick wheels for the runtime: its CPython, its manylinux tags."""
    return [
        *(option for tag in arch.platform_tags() for option in ("--platform", tag)),
        "--implementation",
        "cp",
        "--python-version",
        f"{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}",
        "--only-binary=:all:",
    ]


def pip_download_command(
    requirements: Sequence[str],
    wheels: Path,
    arch: Architecture,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """Resolve and fetch the runtime's wheels; kept, so the zip can be measured against one."""
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--dest",
        str(wheels),
        *wheel_selection_args(arch),
        "--disable-pip-version-check",
        "--quiet",
        *extra_args,
        *requirements,
    ]


def pip_install_command(
    requirements: Sequence[str],
    target: Path,
    arch: Architecture,
    extra_args: Sequence[str] = (),
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--target",
        str(target),
        *wheel_selection_args(arch),
        # pip would compile with this interpreter, not the runtime's: ops/bytecode.py does it.
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


def aws_model_service(name: str) -> str | None:
    """The service an AWS model file belongs to; None for anything else (root files too)."""
    for models in AWS_MODEL_DIRS:
        parts = name.removeprefix(f"{models}/").split("/")
        if name.startswith(f"{models}/") and len(parts) > 1:
            return parts[0]
    return None


def is_unused_aws_model(name: str, services: frozenset[str]) -> bool:
    """True for another service's model, or a kept one's docs-only examples."""
    service = aws_model_service(name)
    if service is None:
        return False
    return service not in services or name.rsplit("/", 1)[-1] in AWS_DOCS_ONLY_FILES


def without_unused_aws_models(
    entries: Mapping[str, Path], services: frozenset[str]
) -> tuple[dict[str, Path], dict[str, Path]]:
    """(kept, left out): every AWS model the Lambda never loads moves to the second."""
    kept: dict[str, Path] = {}
    left_out: dict[str, Path] = {}
    for name, path in entries.items():
        (left_out if is_unused_aws_model(name, services) else kept)[name] = path
    bundled = {aws_model_service(name) for name in kept if name.startswith("botocore/data/")}
    missing = sorted(services - bundled)
    if missing:
        raise StreakError(
            f"botocore in the package has no model for {', '.join(missing)}; the code "
            "makes clients for it"
        )
    return kept, left_out


def describe_left_out(left_out: Mapping[str, Path], services: frozenset[str]) -> str:
    dropped_services = {
        aws_model_service(name) for name in left_out if name.startswith("botocore/data/")
    } - services
    size = sum(path.stat().st_size for path in left_out.values())
    return (
        f"left out {len(dropped_services)} unused AWS service models ({mib(size)} unzipped); "
        f"kept {', '.join(sorted(services))}"
    )


def bytecode_compiler(config: BuildConfig) -> Interpreter:
    """The CPython of the runtime's version that compiles the bytecode, on any machine:
    bytecode depends on the version (its magic number), not on the machine."""
    version = f"{LAMBDA_PYTHON[0]}.{LAMBDA_PYTHON[1]}"
    if config.verify_python is not None:
        given = describe(config.verify_python)
        if given is None or given.implementation != "cpython" or given.version != LAMBDA_PYTHON:
            raise ConfigError(f"{config.verify_python} is not CPython {version}")
        return given
    found = find_interpreter(LAMBDA_PYTHON, host_machine())
    if found is None:
        raise StreakError(
            f"no CPython {version} to compile the Lambda's bytecode with (its magic number "
            "must be the runtime's): pass --python PATH"
        )
    return found


def floor_wheel(wheels: Path) -> Wheel | None:
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        if name.lower() == FLOOR_DISTRIBUTION:
            return Wheel(wheel.name, version, wheel.stat().st_size)
    return None


def assemble(config: BuildConfig, scratch: Path) -> BuildResult:
    """Fetch and install the wheels into `scratch`, add our sources, leave out what the
    Lambda never reads, compile the cold paths and write the reproducible zip."""
    wheels, site = scratch / "wheels", scratch / "site"
    requirements = lambda_requirements(config.repo_root / "pyproject.toml")
    run_pip(pip_download_command(requirements, wheels, config.arch, config.pip_args))
    wheel_files = [str(wheel) for wheel in sorted(wheels.glob("*.whl"))]
    # pip download resolved the set; installing exactly those files needs no index.
    run_pip(pip_install_command(wheel_files, site, config.arch, ("--no-deps", "--no-index")))
    installed = installed_distributions(site)
    entries, aws_left_out = without_unused_aws_models(
        merge_entries(collect_tree(site), own_sources(config.repo_root)), config.aws_services
    )
    selection = select_contents(entries, installed)
    compiler = bytecode_compiler(config)
    kept = with_trimmed_models(
        with_trimmed_endpoints(selection.kept, config.aws_services, scratch / "botocore"),
        BUNDLED_AWS_OPERATIONS,
        scratch / "botocore",
    )
    bytecode = with_bytecode(
        with_short_metadata(kept, scratch / "metadata"),
        read_module_list(config.cold_modules),
        OWN_PACKAGES,
        compiler.path,
        LAMBDA_PYTHON,
        scratch / "bytecode",
    )
    notes = [
        describe_left_out(aws_left_out, config.aws_services),
        describe_trimmed(selection.kept, kept),
    ]
    timestamp = zip_timestamp(config.source_date_epoch)
    archive = write_reproducible_zip(bytecode.entries, config.output, timestamp)
    return BuildResult(
        archive=archive,
        distributions=distributions(bytecode.entries),
        contents=content_rows(entry_sizes(archive.path), installed),
        left_out=left_out_summary(selection.left_out),
        left_out_modules=left_out_modules(selection.left_out),
        bytecode=bytecode,
        compiler=compiler,
        floor=floor_wheel(wheels),
        notes=notes,
    )


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


def check_import(result: BuildResult, config: BuildConfig, scratch: Path) -> ImportCheck:
    """From the unzipped archive, in a clean interpreter matching Lambda's: import the
    handler, use the bundled botocore against moto, then run a sync and the read routes."""
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
    with zipfile.ZipFile(result.archive.path) as opened:
        opened.extractall(tree)
    before = files_under(tree)
    seconds = import_seconds(interpreter.path, config.handler_module, tree)
    with moto_endpoint() as endpoint_url:
        aws = aws_check(
            interpreter.path, tree, sorted(config.aws_services), endpoint_url, scratch / "home"
        )
    routes = None
    if config.check_routes:
        routes = check_routes(interpreter.path, tree, scratch / "routes", result.left_out_modules)
    written = sorted(files_under(tree) - before)
    if written:
        # Lambda's /var/task is read-only: whatever needs writing there fails in the cloud.
        raise StreakError(f"running from the package wrote into it: {', '.join(written[:5])}")
    return ImportCheck(seconds, interpreter.path, aws=aws, routes=routes)


def files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}


def build(config: BuildConfig) -> tuple[BuildResult, ImportCheck]:
    """The whole build: assemble, check the budget, then check the zip (handler, botocore,
    routes)."""
    with tempfile.TemporaryDirectory(prefix="streak-lambda-") as scratch:
        result = assemble(config, Path(scratch))
        enforce_budget(result.archive, config.max_zipped_bytes)
        return result, check_import(result, config, Path(scratch))


def mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def megabytes(size: int) -> str:
    return f"{size / 1e6:.2f}"


def render_report(result: BuildResult) -> str:
    archive = result.archive
    lines = [
        f"package      {archive.path}",
        f"zipped       {mib(archive.zipped_bytes)} ({archive.zipped_bytes} bytes)",
        f"unzipped     {mib(archive.unzipped_bytes)} ({archive.unzipped_bytes} bytes)",
        f"entries      {archive.entries}",
        f"sha256       {archive.sha256}",
    ]
    if result.floor is not None and result.floor_ratio is not None:
        lines.append(
            f"floor        {megabytes(archive.zipped_bytes)} MB zipped = "
            f"{result.floor_ratio:.3f}x the {result.floor.name} wheel "
            f"({megabytes(result.floor.size)} MB); goal <= {FLOOR_RATIO_GOAL}x"
        )
    lines.append(render_bytecode(result))
    lines.append("dependencies " + " ".join(result.distributions))
    lines.extend(f"note         {note}" for note in result.notes)
    lines.append(render_contents(result.contents))
    lines.append(render_left_out(result.left_out))
    return "\n".join(lines)


def render_bytecode(result: BuildResult) -> str:
    bytecode = result.bytecode
    line = (
        f"bytecode     {bytecode.compiled} modules compiled by CPython "
        f"{result.compiler.version[0]}.{result.compiler.version[1]} (magic {bytecode.magic}, "
        f"unchecked-hash): {bytecode.sourceless} third-party as sourceless .pyc, "
        f"{bytecode.compiled - bytecode.sourceless} beside their source (ours, and packages "
        "that read their own)"
    )
    if bytecode.missing:
        line += f"; {len(bytecode.missing)} listed modules not in the package"
    return line


def render_contents(rows: Sequence[ContentRow]) -> str:
    """What the zip holds: MB per distribution (and our packages), and why each is there."""
    width = max(len(f"{row.name} {row.version}".strip()) for row in rows)
    lines = [f"contents     {'MB zipped':>9}  {'unzipped':>8}  {'what':<{width}}  why"]
    for row in rows:
        what = f"{row.name} {row.version}".strip()
        lines.append(
            f"             {megabytes(row.zipped_bytes):>9}  {megabytes(row.unzipped_bytes):>8}"
            f"  {what:<{width}}  {row.reason}"
        )
    total_zipped = sum(row.zipped_bytes for row in rows)
    total_unzipped = sum(row.unzipped_bytes for row in rows)
    lines.append(
        f"             {megabytes(total_zipped):>9}  {megabytes(total_unzipped):>8}"
        "  (entries only; the zip adds its directory)"
    )
    return "\n".join(lines)


def render_left_out(left_out: Sequence[tuple[str, int, int]]) -> str:
    lines = [f"left out     {'unzipped':>9}  files  why"]
    lines.extend(
        f"             {megabytes(size):>9}  {files:>5}  {reason}"
        for reason, files, size in left_out
    )
    return "\n".join(lines)


def render_import_check(check: ImportCheck, handler_module: str) -> str:
    if check.seconds is None:
        return f"import check NOT run: {check.skipped_because}"
    lines = [
        f"import check {handler_module} imported from the zip in "
        f"{check.seconds * 1000:.0f} ms ({check.interpreter} -I -S -B, read-only use)"
    ]
    if check.aws is not None:
        lines.append(
            f"aws check    botocore {check.aws.botocore_version} from the zip: clients for "
            f"{', '.join(check.aws.services)}; moto refused both failed PutObject conditions "
            "(IfNoneMatch, stale IfMatch)"
        )
    if check.routes is not None:
        lines.append(render_routes(check.routes))
    return "\n".join(lines)


def render_routes(routes: RouteCheck) -> str:
    answered = ", ".join(
        f"{result.action} {result.status} in {result.wall_s * 1000:.0f} ms"
        for result in routes.results
    )
    line = (
        f"route check  new processes from the zip against moto and the fake SmashRun: {answered}"
        "; nothing left out was imported"
    )
    from_source = routes.compiled_from_source()
    if from_source:
        shown = ", ".join(from_source[:8]) + (", ..." if len(from_source) > 8 else "")
        line += (
            f"\nnote         {len(from_source)} modules the routes import were compiled from "
            f"source (not in ops/cold_modules.txt; `python -m ops.cold_modules` updates it): "
            f"{shown}"
        )
    return line


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
        help="CPython 3.12 to compile the bytecode and run the checks with (default: look on "
        "PATH, pyenv, uv)",
    )
    parser.add_argument(
        "--skip-verify",
        action="store_true",
        help="do not import the handler, try the bundled botocore against moto nor run the routes",
    )
    parser.add_argument("--handler-module", default=HANDLER_MODULE)
    parser.add_argument(
        "--cold-modules",
        type=Path,
        default=COLD_MODULES,
        help="the modules that get bytecode (default: ops/cold_modules.txt)",
    )
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
        cold_modules=args.cold_modules,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="streak-lambda-") as scratch:
            result = assemble(config, Path(scratch))
            print(render_report(result), flush=True)
            enforce_budget(result.archive, config.max_zipped_bytes)
            check = check_import(result, config, Path(scratch))
    except StreakError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    print(render_import_check(check, config.handler_module))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
