"""The Lambda package builder, driven offline with tiny local wheels.

The real dependency set is built (and checked against a moto server) by `nox -s package`;
here tiny wheels, a fake boto3 and botocore among them, keep each build to a second or two
while still going through pip, the exclusions, the AWS model pruning and the zip writer.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from ops import package
from ops.bytecode import KEEPS_SOURCE, with_bytecode
from ops.import_check import (
    PRECONDITION_FAILED,
    aws_check,
    aws_problems,
    find_interpreter,
    import_seconds,
    probe_environment,
)
from ops.lambda_contents import (
    Cut,
    Distribution,
    content_rows,
    metadata_headers,
    select_contents,
)
from ops.route_check import ProbeResult, left_out_imports
from ops.zip_archive import (
    ZIP_EPOCH,
    ArchiveStats,
    is_excluded,
    sha256_of,
    write_reproducible_zip,
    zip_timestamp,
)
from streakcore.errors import ConfigError, StreakError


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def tiny_package_files(name: str) -> dict[str, bytes]:
    """A package with the clutter the builder must drop: stubs, tests."""
    return {
        # Set constants: their order in a .pyc must not follow the build's string hashing.
        f"{name}/__init__.py": (
            b"VALUE = 42\nNAMES = frozenset({'alpha', 'beta', 'gamma', 'delta', 'epsilon'})\n\n"
            b"def main():\n    return 0 if 'beta' in {'alpha', 'beta', 'gamma', 'delta'} else 1\n"
        ),
        f"{name}/__init__.pyi": b"VALUE: int\n",
        f"{name}/tests/test_tiny.py": b"def test_nothing():\n    pass\n",
    }


def make_wheel(
    wheelhouse: Path,
    name: str = "tinydep",
    version: str = "1.0",
    files: dict[str, bytes] | None = None,
    requires: tuple[str, ...] = (),
) -> Path:
    """A pure-Python wheel of `files` (a tiny package by default) with a console script."""
    dist_info = f"{name}-{version}.dist-info"
    metadata = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
        + f"\n# {name}\n\nA long description, the project's README, for package indexes.\n"
    )
    files = {
        **(tiny_package_files(name) if files is None else files),
        f"{dist_info}/METADATA": metadata.encode(),
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": f"[console_scripts]\ntiny = {name}:main\n".encode(),
    }
    record = [_record_line(path, data) for path, data in files.items()]
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheelhouse.mkdir(parents=True, exist_ok=True)
    wheel = wheelhouse / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


FAKE_BOTO_VERSION = "1.35.99"
# The services the fake botocore has models for: the three we keep and two we do not.
FAKE_MODEL_SERVICES = ("dynamodb", "s3", "secretsmanager", "sns", "sts")

# Just enough of botocore's session for the AWS probe: clients exist only for services with
# a model, and an in-memory S3 whose PutObject honours IfNoneMatch/IfMatch unless told not to.
FAKE_BOTOCORE_SESSION = """\
import hashlib, os
import botocore
from botocore.exceptions import ClientError

MODELS = os.path.join(os.path.dirname(botocore.__file__), "data")
HONOURS_CONDITIONS = {honours}
OBJECTS = {{}}


def get_session():
    return Session()


class Session:
    def get_available_services(self):
        return [n for n in os.listdir(MODELS) if os.path.isdir(os.path.join(MODELS, n))]

    def create_client(self, name):
        if name not in self.get_available_services():
            raise LookupError(f"Unknown service: {{name!r}}")
        return Client()


class Client:
    def create_bucket(self, Bucket):
        pass

    def put_object(self, Bucket, Key, Body, IfNoneMatch=None, IfMatch=None):
        current = OBJECTS.get(Key)
        stale = IfMatch is not None and IfMatch != current
        exists = IfNoneMatch == "*" and current is not None
        if HONOURS_CONDITIONS and (stale or exists):
            raise ClientError("PreconditionFailed")
        OBJECTS[Key] = '"' + hashlib.sha256(Body).hexdigest() + '"'
        return {{"ETag": OBJECTS[Key]}}
"""


def fake_model(service: str) -> bytes:
    """A service model with the operations the package keeps of it, and one more."""
    names = [*package.BUNDLED_AWS_OPERATIONS.get(service, ()), "ListBuckets"]
    model = {"operations": {name: {"name": name} for name in names}, "shapes": {}}
    return gzip.compress(json.dumps(model).encode(), mtime=0)


def fake_botocore_files(
    services: tuple[str, ...] = FAKE_MODEL_SERVICES, honours_conditions: bool = True
) -> dict[str, bytes]:
    """botocore's shape: a version, a session, ClientError, root data files, per-service
    models."""
    files = {
        "botocore/__init__.py": f'__version__ = "{FAKE_BOTO_VERSION}"\n'.encode(),
        "botocore/session.py": FAKE_BOTOCORE_SESSION.format(honours=honours_conditions).encode(),
        "botocore/exceptions.py": (
            b"class ClientError(Exception):\n"
            b"    def __init__(self, code):\n"
            b"        super().__init__(code)\n"
            b'        self.response = {"Error": {"Code": code}}\n'
        ),
        "botocore/data/endpoints.json": b"{}",
        "botocore/data/partitions.json": b"{}",
        "botocore/data/_retry.json": b"{}",
        "botocore/data/sdk-default-configuration.json": b"{}",
    }
    for service in services:
        files[f"botocore/data/{service}/2020-01-01/service-2.json.gz"] = fake_model(service)
        files[f"botocore/data/{service}/2020-01-01/examples-1.json"] = b"{}"
    return files


def fake_boto3_files() -> dict[str, bytes]:
    """boto3's shape: the package's build leaves it out (the code uses botocore alone)."""
    return {
        "boto3/__init__.py": (
            f'__version__ = "{FAKE_BOTO_VERSION}"\nfrom boto3 import session\n'.encode()
        ),
        "boto3/session.py": b"",
        "boto3/data/s3/2006-03-01/resources-1.json": b"{}",
        "boto3/data/dynamodb/2012-08-10/resources-1.json": b"{}",
    }


def make_wheelhouse(wheelhouse: Path) -> Path:
    make_wheel(wheelhouse)
    # A CLI-only distribution (ops/lambda_contents.py): what the terminal needs, not the Lambda.
    make_wheel(wheelhouse, "rich", "13.0")
    make_wheel(wheelhouse, "botocore", FAKE_BOTO_VERSION, fake_botocore_files())
    make_wheel(
        wheelhouse, "boto3", FAKE_BOTO_VERSION, fake_boto3_files(), requires=("botocore>=1.35",)
    )
    return wheelhouse


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


# The modules that get bytecode in the tiny builds: a third-party package (sourceless), our
# handler (beside its source), and a module no wheel ships.
TINY_COLD_MODULES = "tinydep\nstreak_lambda\nstreak_lambda.handler\ngone.module\n"


def make_repo(root: Path, dependency: str = "tinydep>=1.0") -> Path:
    """A checkout shaped like ours: pyproject, lib/streakcore, lambda/streak_lambda, and the
    list of modules that get bytecode."""
    (root / "pyproject.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[project]\n"
        'name = "streakcore"\n'
        'version = "0"\n'
        f'dependencies = ["{dependency}", "rich>=13"]\n'
        "[project.optional-dependencies]\n"
        'aws = ["boto3>=1.35"]\n'
        'dev = ["streakcore[aws]", "pytest>=8"]\n'
    )
    files = {
        "lib/streakcore/__init__.py": "",
        "lib/streakcore/testing/__init__.py": "FAKE_SERVER = True\n",
        "lib/streakcore/tests/test_inside.py": "",
        "lib/streakcore/__pycache__/errors.cpython-311.pyc": "junk",
        "lambda/streak_lambda/__init__.py": "",
        "lambda/streak_lambda/handler.py": (
            "import tinydep\nimport streakcore.testing\n\n"
            "def lambda_handler(event, context):\n    return tinydep.VALUE\n"
        ),
        "lambda/openapi.yaml": "openapi: 3.0.3\n",
        "cold_modules.txt": f"# the tiny repo's cold paths\n{TINY_COLD_MODULES}",
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="session")
def runtime_python() -> Path:
    """The Lambda runtime's CPython (3.12): it compiles the zip's bytecode and loads it."""
    found = find_interpreter(package.LAMBDA_PYTHON, platform.machine())
    if found is None:
        pytest.skip("no CPython 3.12 on this machine: the package's bytecode needs one")
    return found.path


def offline_config(repo: Path, wheelhouse: Path, output: Path) -> package.BuildConfig:
    """Build from the local wheelhouse only, without the import check (tested apart)."""
    return package.BuildConfig(
        repo_root=repo,
        output=output,
        pip_args=("--no-index", "--find-links", str(wheelhouse)),
        verify=False,
        cold_modules=repo / "cold_modules.txt",
    )


@pytest.fixture(scope="module")
def two_builds(
    tmp_path_factory: pytest.TempPathFactory, runtime_python: Path
) -> tuple[Path, Path, Path]:
    """The same inputs built twice, with every source file's mtime and mode changed between."""
    base = tmp_path_factory.mktemp("builds")
    wheelhouse = make_wheelhouse(base / "wheels")
    repo = make_repo(base / "repo")
    first, _ = package.build(offline_config(repo, wheelhouse, base / "one" / "lambda.zip"))
    for path in repo.rglob("*"):
        if path.is_file():
            os.utime(path, (2_000_000_000, 2_000_000_000))
            path.chmod(0o600)
    second, _ = package.build(offline_config(repo, wheelhouse, base / "two" / "lambda.zip"))
    return first.archive.path, second.archive.path, repo


def test_two_builds_of_the_same_inputs_are_byte_for_byte_identical(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given two builds with different file times and modes in between
    first, second, _ = two_builds

    # then the archives hash the same
    assert sha256_of(first) == sha256_of(second)
    assert first.read_bytes() == second.read_bytes()


def test_package_leaves_out_caches_tests_stubs_scripts_and_install_records(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package
    names = zipfile.ZipFile(two_builds[0]).namelist()

    # then none of the clutter made it in: the only bytecode is what the build compiled
    # for CPython 3.12 (a leftover cpython-311 cache in the checkout stays out)
    compiled = {name for name in names if name.endswith(".pyc")}
    assert compiled == {
        "tinydep/__init__.pyc",
        "streak_lambda/__pycache__/__init__.cpython-312.pyc",
        "streak_lambda/__pycache__/handler.cpython-312.pyc",
    }
    assert not [name for name in names if "/tests/" in name or name.endswith(".pyi")]
    assert not [name for name in names if name.startswith("bin/")]
    assert "tinydep-1.0.dist-info/RECORD" not in names
    assert "tinydep-1.0.dist-info/INSTALLER" not in names


def test_package_bundles_botocore_with_only_the_models_the_code_calls_and_no_boto3(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a package built from wheels of boto3 and a botocore with five service models
    names = set(zipfile.ZipFile(two_builds[0]).namelist())

    # then botocore is in it, with what every client needs to start
    assert {
        "botocore/__init__.py",
        "botocore/data/endpoints.json",
        "botocore/data/partitions.json",
        "botocore/data/_retry.json",
        "botocore/data/sdk-default-configuration.json",
    } <= names
    # and the models of the services we call, without their docs-only examples
    models = {name for name in names if name.startswith("botocore/data/") and name.count("/") > 2}
    assert models == {
        f"botocore/data/{service}/2020-01-01/service-2.json.gz"
        for service in package.BUNDLED_AWS_SERVICES
    }
    # and nothing of boto3, which no Lambda code imports
    assert not [name for name in names if name.startswith(("boto3/", "boto3-"))]


def test_package_holds_the_dependency_our_packages_the_fake_server_and_the_openapi_spec(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package
    names = set(zipfile.ZipFile(two_builds[0]).namelist())

    # then everything the handler imports at run time is there
    assert {
        "tinydep/__init__.pyc",
        "tinydep-1.0.dist-info/METADATA",
        "streakcore/__init__.py",
        "streakcore/testing/__init__.py",
        "streak_lambda/handler.py",
        "streak_lambda/openapi.yaml",
    } <= names


def test_every_entry_has_the_fixed_timestamp_and_read_only_permissions(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package
    infos = zipfile.ZipFile(two_builds[0]).infolist()

    # then metadata carries nothing from the build machine, and entries are sorted
    assert {info.date_time for info in infos} == {ZIP_EPOCH}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}
    assert [info.filename for info in infos] == sorted(info.filename for info in infos)


def test_a_changed_source_file_changes_the_hash(tmp_path: Path) -> None:
    # given one file zipped, then the same name with other content
    source = tmp_path / "handler.py"
    source.write_text("VALUE = 1\n")
    first = write_reproducible_zip({"handler.py": source}, tmp_path / "a.zip")
    source.write_text("VALUE = 2\n")

    # when zipped again
    second = write_reproducible_zip({"handler.py": source}, tmp_path / "b.zip")

    # then the hash follows the content
    assert first.sha256 != second.sha256


def test_source_date_epoch_sets_the_entry_timestamp_and_never_goes_before_1980() -> None:
    # given SOURCE_DATE_EPOCH values: 2024-01-02T03:04:06Z, and 1970
    # then the zip timestamp follows it, clamped to zip's 1980 floor
    assert zip_timestamp("1704164646") == (2024, 1, 2, 3, 4, 6)
    assert zip_timestamp("0") == ZIP_EPOCH
    assert zip_timestamp(None) == ZIP_EPOCH


@pytest.mark.parametrize(
    ("path", "excluded"),
    [
        ("pkg/__pycache__/mod.cpython-312.pyc", True),
        ("pkg/mod.pyc", True),
        ("pkg/mod.pyi", True),
        ("pkg/tests/test_mod.py", True),
        ("pkg/test/helpers.py", True),
        ("bin/pygmentize", True),
        ("pkg-1.0.dist-info/RECORD", True),
        ("pkg-1.0.dist-info/direct_url.json", True),
        ("pkg-1.0.dist-info/METADATA", False),
        ("pkg-1.0.dist-info/licenses/LICENSE", False),
        ("streakcore/testing/athletes.py", False),
        ("pkg/testing.py", False),
        ("_duckdb.abi3.so", False),
    ],
)
def test_exclusion_rules(path: str, excluded: bool) -> None:
    assert is_excluded(PurePosixPath(path)) is excluded


@pytest.mark.parametrize(
    ("zipped", "unzipped", "problem"),
    [
        (51 * 1024 * 1024, 100, "51.0 MiB zipped, over the budget of 50.0 MiB"),
        (1024, 251 * 1024 * 1024, "unzips to 251.0 MiB, over Lambda's 250.0 MiB limit"),
    ],
)
def test_a_package_over_either_size_limit_is_refused(
    tmp_path: Path, zipped: int, unzipped: int, problem: str
) -> None:
    stats = ArchiveStats(tmp_path / "lambda.zip", "0" * 64, zipped, unzipped, 1)

    with pytest.raises(StreakError, match=re.escape(problem)):
        package.enforce_budget(stats, package.DEFAULT_MAX_ZIPPED_BYTES)


def test_a_package_at_the_limits_is_accepted(tmp_path: Path) -> None:
    stats = ArchiveStats(tmp_path / "lambda.zip", "0" * 64, 50 * 1024 * 1024, 250 * 1024 * 1024, 1)

    package.enforce_budget(stats, package.DEFAULT_MAX_ZIPPED_BYTES)


def test_main_prints_sizes_and_sha256_then_exits_non_zero_over_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a repo and a budget of a hundredth of a megabyte
    wheelhouse = tmp_path / "wheels"
    make_wheelhouse(wheelhouse)
    repo = make_repo(tmp_path / "repo")
    output = tmp_path / "dist" / "lambda.zip"

    # when the CLI builds it
    code = package.main(
        [
            "--repo-root",
            str(repo),
            "--output",
            str(output),
            "--max-zipped-mb",
            "0.0001",
            "--skip-verify",
            f"--cold-modules={repo / 'cold_modules.txt'}",
            "--pip-arg=--no-index",
            f"--pip-arg=--find-links={wheelhouse}",
        ]
    )

    # then the report shows size and hash, and the exit code is a failure
    captured = capsys.readouterr()
    assert code == 1
    assert f"sha256       {sha256_of(output)}" in captured.out
    assert f"({output.stat().st_size} bytes)" in captured.out
    assert "left out 2 unused AWS service models" in captured.out
    assert "over the budget" in captured.err
    # and what the zip holds, per distribution with why, and what it leaves out and why
    assert re.search(r"\n +[0-9.]+ +[0-9.]+  tinydep 1\.0 +a runtime dependency", captured.out)
    assert re.search(r"\n +[0-9.]+ +[0-9.]+  botocore [0-9.]+ +clients for S3", captured.out)
    assert re.search(
        r"\n +[0-9.]+ +[0-9]+  not imported by the Lambda: its AWS clients", captured.out
    )
    assert re.search(r"\n +[0-9.]+ +[0-9]+  CLI-only: the terminal's tables", captured.out)
    assert "bytecode     3 modules compiled by CPython 3.12" in captured.out


def test_lambda_requirements_are_runtime_deps_and_the_whole_aws_extra(
    tmp_path: Path,
) -> None:
    # given a pyproject whose aws extra has powertools and pinned boto3 and botocore,
    # and a dev extra that names the project itself
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\n"
        'name = "streakcore"\n'
        'dependencies = ["duckdb>=1.3", "httpx>=0.27"]\n'
        "[project.optional-dependencies]\n"
        'aws = ["aws-lambda-powertools>=3.0", "boto3>=1.35.69", "BotoCore>=1.35.69"]\n'
        'dev = ["streakcore[aws]", "pytest>=8"]\n'
    )

    # then the Lambda gets the runtime deps and the aws extra, boto3 pin included
    assert package.lambda_requirements(pyproject) == [
        "duckdb>=1.3",
        "httpx>=0.27",
        "aws-lambda-powertools>=3.0",
        "boto3>=1.35.69",
        "BotoCore>=1.35.69",
    ]


def test_the_real_pyproject_gives_duckdb_powertools_and_boto3_but_no_dev_tools() -> None:
    requirements = package.lambda_requirements(package.REPO_ROOT / "pyproject.toml")
    names = {package.requirement_name(requirement) for requirement in requirements}

    assert {"duckdb", "pydantic", "aws-lambda-powertools", "boto3"} <= names
    assert not names & {"pytest", "moto", "streakcore"}


@pytest.mark.parametrize(("arch", "machine"), [("x86_64", "x86_64"), ("arm64", "aarch64")])
def test_platform_tags_run_from_manylinux_2_28_down_to_manylinux2014(
    arch: str, machine: str
) -> None:
    tags = package.ARCHITECTURES[arch].platform_tags()

    assert tags[0] == f"manylinux_2_28_{machine}"
    assert f"manylinux_2_17_{machine}" in tags
    assert tags[-1] == f"manylinux2014_{machine}"
    assert not [tag for tag in tags if not tag.endswith(machine)]


def test_pip_command_targets_cpython_312_binary_wheels_without_bytecode(tmp_path: Path) -> None:
    command = package.pip_install_command(
        ["duckdb>=1.3"], tmp_path, package.ARCHITECTURES["x86_64"]
    )

    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--implementation") + 1] == "cp"
    assert "--only-binary=:all:" in command
    assert "--no-compile" in command
    assert command[-1] == "duckdb>=1.3"


@pytest.mark.parametrize(
    ("name", "unused"),
    [
        ("botocore/data/s3/2006-03-01/service-2.json.gz", False),
        ("botocore/data/sns/2010-03-31/paginators-1.json", False),
        ("botocore/data/secretsmanager/2017-10-17/endpoint-rule-set-1.json.gz", False),
        ("botocore/data/s3/2006-03-01/examples-1.json", True),
        ("botocore/data/sts/2011-06-15/service-2.json.gz", True),
        ("botocore/data/ec2/2016-11-15/service-2.json.gz", True),
        ("botocore/data/endpoints.json", False),
        ("botocore/data/_retry.json", False),
        ("boto3/data/s3/2006-03-01/resources-1.json", False),
        ("boto3/data/ec2/2016-11-15/resources-1.json", True),
        ("botocore/client.py", False),
        ("streakcore/data/ec2/notes.json", False),
    ],
)
def test_which_aws_model_files_are_left_out(name: str, unused: bool) -> None:
    assert package.is_unused_aws_model(name, package.BUNDLED_AWS_SERVICES) is unused


def test_a_build_fails_when_botocore_has_no_model_for_a_service_the_code_calls(
    tmp_path: Path,
) -> None:
    # given an installed botocore without an sns model
    tree = write_tree(tmp_path, fake_botocore_files(services=("s3", "secretsmanager")))
    entries = {
        path.relative_to(tree).as_posix(): path for path in tree.rglob("*") if path.is_file()
    }

    # when the unused models are left out, then the missing one is named
    with pytest.raises(StreakError, match="no model for sns"):
        package.without_unused_aws_models(entries, package.BUNDLED_AWS_SERVICES)


# `boto3.client("s3")`, `session.client(service_name="sns")`, our `self._client("s3")`.
CLIENT_CALL = re.compile(
    r"""(?:client|resource)\(\s*(?:service_name\s*=\s*)?["']([a-z0-9-]+)["']"""
)


def services_called(roots: list[Path]) -> set[str]:
    return {
        match.group(1)
        for root in roots
        for source in root.rglob("*.py")
        for match in CLIENT_CALL.finditer(source.read_text(encoding="utf-8"))
    }


@pytest.mark.parametrize(
    ("source", "service"),
    [
        ('boto3.client("secretsmanager")', "secretsmanager"),
        ("session.client('sns', config=config)", "sns"),
        ('self._client("s3")', "s3"),
        ('boto3.resource(\n    "dynamodb"\n)', "dynamodb"),
        ('session.client(service_name="sqs")', "sqs"),
    ],
)
def test_the_client_call_scan_sees_every_way_the_code_names_a_service(
    tmp_path: Path, source: str, service: str
) -> None:
    (tmp_path / "adapter.py").write_text(f"def make(session, config):\n    return {source}\n")

    assert services_called([tmp_path]) == {service}


def test_the_zip_keeps_exactly_the_aws_models_of_the_clients_lib_and_lambda_make() -> None:
    # given every AWS client the packaged code creates
    called = services_called([package.REPO_ROOT / "lib", package.REPO_ROOT / "lambda"])

    # then the package keeps a model for each, and none for a service nothing calls
    assert called, "no AWS client calls found: has the scan stopped matching the code?"
    assert called == package.BUNDLED_AWS_SERVICES


def test_import_check_imports_the_handler_from_the_unzipped_tree(
    two_builds: tuple[Path, Path, Path], tmp_path: Path, runtime_python: Path
) -> None:
    # given the built package, unzipped
    tree = tmp_path / "tree"
    zipfile.ZipFile(two_builds[0]).extractall(tree)

    # when the handler module is imported in an isolated interpreter like the runtime's
    seconds = import_seconds(runtime_python, "streak_lambda.handler", tree)

    # then it loads, taking a measurable, finite time
    assert 0 <= seconds < 60


# The fake botocore never connects; the real build points the probe at a moto server.
UNUSED_ENDPOINT = "http://127.0.0.1:9"
KEPT = sorted(package.BUNDLED_AWS_SERVICES)


def test_aws_check_reports_the_version_and_services_of_the_botocore_in_the_zip(
    two_builds: tuple[Path, Path, Path], tmp_path: Path, runtime_python: Path
) -> None:
    # given the built package, unzipped
    tree = tmp_path / "tree"
    zipfile.ZipFile(two_builds[0]).extractall(tree)

    # when its botocore makes clients and conditional writes in an isolated interpreter
    check = aws_check(runtime_python, tree, KEPT, UNUSED_ENDPOINT, tmp_path / "home")

    # then the report names the bundled versions and exactly the kept services
    assert check.botocore_version == FAKE_BOTO_VERSION
    assert check.services == tuple(KEPT)


def test_aws_check_fails_when_the_bundled_botocore_ignores_conditional_writes(
    tmp_path: Path,
) -> None:
    # given a botocore whose PutObject overwrites whatever the conditions say
    files = fake_botocore_files(tuple(KEPT), honours_conditions=False)
    tree = write_tree(tmp_path / "tree", files)

    # when checked, then both ignored conditions are named
    with pytest.raises(StreakError, match=r"if_none_match_refused.*stale_if_match_refused"):
        aws_check(Path(sys.executable), tree, KEPT, UNUSED_ENDPOINT, tmp_path / "home")


def test_aws_check_fails_when_botocore_keeps_models_nothing_calls(tmp_path: Path) -> None:
    # given an unpruned botocore
    tree = write_tree(tmp_path / "tree", fake_botocore_files())

    # when checked, then the extra models are counted and named
    with pytest.raises(StreakError, match=r"2 models nothing calls \(dynamodb, sts\)"):
        aws_check(Path(sys.executable), tree, KEPT, UNUSED_ENDPOINT, tmp_path / "home")


def test_aws_check_fails_when_a_client_cannot_be_made(tmp_path: Path) -> None:
    # given a botocore without a model for sns
    files = fake_botocore_files(("s3", "secretsmanager"))
    tree = write_tree(tmp_path / "tree", files)

    # when checked for the three kept services, then the probe's own error is shown
    with pytest.raises(StreakError, match=r"(?s)failed against moto.*Unknown service: 'sns'"):
        aws_check(Path(sys.executable), tree, KEPT, UNUSED_ENDPOINT, tmp_path / "home")


def test_aws_check_refuses_a_botocore_imported_from_outside_the_package(tmp_path: Path) -> None:
    # given a probe report whose botocore came from another folder
    report = {
        "botocore_file": str(tmp_path / "elsewhere" / "botocore" / "__init__.py"),
        "services": KEPT,
        "if_none_match_refused": PRECONDITION_FAILED,
        "stale_if_match_refused": PRECONDITION_FAILED,
    }

    # then that is the one problem found
    problems = aws_problems(report, tmp_path / "tree", KEPT)
    assert len(problems) == 1
    assert "outside the package" in problems[0]


def test_aws_probe_gets_dummy_credentials_and_nothing_from_the_callers_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a caller with a real-looking profile and key
    monkeypatch.setenv("AWS_PROFILE", "prod")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-key")

    # when the probe's environment is made
    environment = probe_environment(UNUSED_ENDPOINT, tmp_path)

    # then it has the dummy key, the local endpoint, and no profile or config of the caller
    assert environment["AWS_SECRET_ACCESS_KEY"] != "caller-key"
    assert "AWS_PROFILE" not in environment
    assert environment["AWS_ENDPOINT_URL"] == UNUSED_ENDPOINT
    assert environment["AWS_CONFIG_FILE"].startswith(str(tmp_path))


def test_import_check_fails_when_the_handler_needs_something_outside_the_zip(
    tmp_path: Path,
) -> None:
    # given a handler importing pytest, which this venv has but the zip does not
    tree = tmp_path / "tree"
    (tree / "needy").mkdir(parents=True)
    (tree / "needy" / "__init__.py").write_text("")
    (tree / "needy" / "handler.py").write_text("import pytest\n")

    # when imported in isolation, then the check fails and names the missing module
    with pytest.raises(StreakError, match="No module named 'pytest'"):
        import_seconds(Path(sys.executable), "needy.handler", tree)


def test_an_explicit_interpreter_of_another_version_is_refused() -> None:
    other = (sys.version_info.major, sys.version_info.minor + 1)

    with pytest.raises(ConfigError, match="not CPython"):
        find_interpreter(other, "x86_64", explicit=Path(sys.executable))


def test_interpreter_search_skips_candidates_that_do_not_run(tmp_path: Path) -> None:
    # given a broken candidate before a working one
    broken = tmp_path / "python-missing"
    here = (sys.version_info.major, sys.version_info.minor)

    # when searching for this interpreter's version
    found = find_interpreter(here, platform.machine(), candidates=[broken, Path(sys.executable)])

    # then the working one is chosen
    assert found is not None
    assert found.path == Path(sys.executable)


# -- bytecode -------------------------------------------------------------------------------

# CPython 3.12's bytecode magic number, and the flags of an unchecked hash-based .pyc.
CPYTHON_312_MAGIC = bytes.fromhex("cb0d0d0a")
UNCHECKED_HASH_FLAGS = 0b01


def test_cold_modules_ship_as_unchecked_hash_bytecode_for_cpython_312(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package
    archive = zipfile.ZipFile(two_builds[0])

    # then every .pyc is CPython 3.12's, hash-based and never checked against a source
    for name in (n for n in archive.namelist() if n.endswith(".pyc")):
        header = archive.read(name)[:8]
        assert header[:4] == CPYTHON_312_MAGIC, name
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_FLAGS, name


def test_third_party_cold_modules_ship_sourceless_and_ours_keep_their_source(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package whose module list names tinydep, boto3 and our handler
    names = set(zipfile.ZipFile(two_builds[0]).namelist())

    # then tinydep ships as bytecode alone, our handler as source plus bytecode
    assert "tinydep/__init__.pyc" in names
    assert "tinydep/__init__.py" not in names
    assert {"streak_lambda/handler.py", "streak_lambda/__pycache__/handler.cpython-312.pyc"} <= (
        names
    )
    # and what the list does not name keeps its source and gets no bytecode
    assert "botocore/exceptions.py" in names
    assert "streakcore/testing/__init__.py" in names
    assert not [name for name in names if name.startswith(("botocore/", "streakcore/"))
                and name.endswith(".pyc")]  # fmt: skip


def test_the_runtime_loads_the_shipped_bytecode_read_only_without_looking_at_the_source(
    two_builds: tuple[Path, Path, Path], tmp_path: Path, runtime_python: Path
) -> None:
    # given the package unzipped, and our handler's source edited after the build
    tree = tmp_path / "tree"
    zipfile.ZipFile(two_builds[0]).extractall(tree)
    handler = tree / "streak_lambda" / "handler.py"
    handler.write_text(handler.read_text() + "raise RuntimeError('the source was compiled')\n")
    before = sorted(path for path in tree.rglob("*"))
    probe = (
        "import sys, json; sys.path[:0] = [sys.argv[1]]\n"
        "import streak_lambda.handler as h, tinydep\n"
        "print(json.dumps([type(h.__loader__).__name__, type(tinydep.__loader__).__name__,"
        " h.lambda_handler(None, None)]))\n"
    )

    # when the runtime's CPython imports them as Lambda does (-B: it writes no bytecode)
    completed = subprocess.run(
        [str(runtime_python), "-I", "-S", "-B", "-c", probe, str(tree)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip

    # then the shipped bytecode ran (not the edited source) and nothing was written
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == ["SourceFileLoader", "SourcelessFileLoader", 42]
    assert sorted(path for path in tree.rglob("*")) == before


def _entries(root: Path, files: dict[str, str]) -> dict[str, Path]:
    write_tree(root, {name: text.encode() for name, text in files.items()})
    return {name: root / name for name in files}


def test_a_listed_third_party_module_that_reads_its_source_fails_until_judged(
    tmp_path: Path, runtime_python: Path
) -> None:
    # given a third-party module that calls inspect.getsource, listed for bytecode
    entries = _entries(
        tmp_path / "site",
        {"lazylib/__init__.py": "import inspect, sys\nSOURCE = inspect.getsource(sys)\n"},
    )

    # when its bytecode is planned, then the build stops and says where to judge it
    with pytest.raises(StreakError, match=r"lazylib/__init__.py read Python source.*KEEPS_SOURCE"):
        with_bytecode(entries, ["lazylib"], ["ours"], runtime_python, (3, 12), tmp_path / "pyc")


def test_packages_that_read_their_own_source_keep_it_beside_their_bytecode(
    tmp_path: Path, runtime_python: Path
) -> None:
    # given a package judged to read its own source (anyio's lazy importer)
    assert "anyio" in KEEPS_SOURCE
    entries = _entries(
        tmp_path / "site",
        {"anyio/__init__.py": "import inspect\n", "anyio/_core.py": "VALUE = 1\n"},
    )

    # when its modules get bytecode
    result = with_bytecode(
        entries, ["anyio", "anyio._core", "gone"], ["ours"], runtime_python, (3, 12), tmp_path / "b"
    )

    # then its source stays, with the bytecode where CPython 3.12 looks for it
    assert set(result.entries) == {
        "anyio/__init__.py",
        "anyio/_core.py",
        "anyio/__pycache__/__init__.cpython-312.pyc",
        "anyio/__pycache__/_core.cpython-312.pyc",
    }
    assert (result.compiled, result.sourceless, result.missing) == (2, 0, ["gone"])


# -- what the zip holds ---------------------------------------------------------------------


def test_cli_only_distributions_stay_out_of_the_zip_with_their_metadata(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a project depending on rich (the terminal's), built for the Lambda
    names = zipfile.ZipFile(two_builds[0]).namelist()

    # then neither rich nor its dist-info is in the zip
    assert not [name for name in names if name.startswith(("rich/", "rich-"))]


def test_metadata_in_the_zip_keeps_its_headers_without_the_long_description(
    two_builds: tuple[Path, Path, Path],
) -> None:
    metadata = zipfile.ZipFile(two_builds[0]).read("tinydep-1.0.dist-info/METADATA").decode()

    assert metadata == "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n"


def test_metadata_headers_drop_a_description_header_and_its_continuation_lines() -> None:
    text = "Name: x\nDescription: a long\n        continued README\nVersion: 1\n\nBody\n"

    assert metadata_headers(text) == "Name: x\nVersion: 1\n"


def _dist(name: str, files: set[str], requires: tuple[str, ...] = ()) -> Distribution:
    return Distribution(name, "1.0", frozenset(files), frozenset(requires))


def test_a_kept_distribution_that_needs_a_cli_only_one_fails_the_build(tmp_path: Path) -> None:
    # given a library the Lambda keeps that requires rich
    dists = [_dist("fancylog", {"fancylog/__init__.py"}, ("rich",)), _dist("rich", {"rich/x.py"})]
    entries = _entries(tmp_path, {"fancylog/__init__.py": "", "rich/x.py": ""})

    # when the contents are chosen, then the build names both and where to decide
    with pytest.raises(StreakError, match=r"fancylog requires rich.*CLI-only"):
        select_contents(entries, dists, cli_only={"rich": "the terminal's"}, cuts=())


def test_a_cut_that_needs_another_file_fails_when_that_file_is_not_in_the_zip(
    tmp_path: Path,
) -> None:
    # given botocore's CA bundle left out, which is safe only while certifi's ships
    entries = _entries(tmp_path, {"botocore/cacert.pem": "pem", "botocore/__init__.py": ""})
    cut = Cut("botocore/cacert.pem", "certifi's is used", needs="certifi/cacert.pem")

    # when chosen without certifi, then the build refuses
    with pytest.raises(StreakError, match=re.escape("needs certifi/cacert.pem")):
        select_contents(entries, [], cli_only={}, cuts=[cut])


def test_cuts_leave_out_a_folder_or_an_exact_file_and_say_why(tmp_path: Path) -> None:
    entries = _entries(
        tmp_path,
        {
            "pkg/experimental/a.py": "",
            "pkg/experimental_notes.py": "",
            "pkg/big.js": "",
            "pkg/big.json": "",
        },
    )
    cuts = [Cut("pkg/experimental/", "unused API"), Cut("pkg/big.js", "unused asset")]

    selection = select_contents(entries, [], cli_only={}, cuts=cuts)

    assert set(selection.kept) == {"pkg/experimental_notes.py", "pkg/big.json"}
    assert {name: why for name, (_, why) in selection.left_out.items()} == {
        "pkg/experimental/a.py": "unused API",
        "pkg/big.js": "unused asset",
    }


def test_the_contents_table_groups_files_by_distribution_with_why_each_is_there() -> None:
    # given a zip with a direct dependency, one of its requirements, compiled bytecode no
    # RECORD lists, a single-file module, and our own package
    dists = [
        _dist("pydantic", {"pydantic/__init__.py", "pydantic-2.dist-info/METADATA"}, ("six",)),
        _dist("six", {"six.py"}),
    ]
    sizes = {
        "pydantic/__init__.py": (10, 30),
        "pydantic/main.pyc": (100, 300),
        "pydantic-2.dist-info/METADATA": (1, 2),
        "six.pyc": (5, 9),
        "streakcore/sync.py": (50, 90),
    }

    rows = content_rows(sizes, dists)

    assert [(r.name, r.zipped_bytes, r.unzipped_bytes) for r in rows] == [
        ("pydantic", 111, 332),
        ("streakcore", 50, 90),
        ("six", 5, 9),
    ]
    reasons = {row.name: row.reason for row in rows}
    assert reasons["pydantic"].startswith("models and validation")
    assert reasons["six"] == "needed by pydantic"
    assert reasons["streakcore"].startswith("our library")


def _probe(failed: list[str]) -> ProbeResult:
    return ProbeResult("GET /stats", 200, 0.1, 0.05, 0.05, {}, failed, [])


def test_the_route_check_names_imports_of_what_the_package_left_out() -> None:
    # given routes that tried (and failed) to import optional modules and a left-out one
    results = [_probe(["brotli", "winreg"]), _probe(["rich.console", "richer"])]

    # then only the left-out one (or a module inside it) is named
    assert left_out_imports(results, ["rich", "pydantic.v1"]) == ["rich.console"]


def test_bytecode_is_compiled_only_by_the_runtimes_cpython(tmp_path: Path) -> None:
    # given an explicit interpreter that is not CPython 3.12 (here: none at all)
    config = package.BuildConfig(verify_python=tmp_path / "python-missing")

    # then the build refuses to compile with it: the magic number would not be 3.12's
    with pytest.raises(ConfigError, match=r"is not CPython 3\.12"):
        package.bytecode_compiler(config)
