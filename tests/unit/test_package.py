"""The Lambda package builder, driven offline with a one-file local wheel.

The real dependency set is built by `nox -s package`; here a tiny wheel keeps each build
to a second or two while still going through pip, the exclusions and the zip writer.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import re
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from ops import package
from ops.import_check import find_interpreter, import_seconds
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


def make_wheel(wheelhouse: Path, name: str = "tinydep", version: str = "1.0") -> Path:
    """A pure-Python wheel with the clutter the builder must drop: stubs, tests, a script."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": b"VALUE = 42\n\ndef main():\n    return 0\n",
        f"{name}/__init__.pyi": b"VALUE: int\n",
        f"{name}/tests/test_tiny.py": b"def test_nothing():\n    pass\n",
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
        ),
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


def make_repo(root: Path, dependency: str = "tinydep>=1.0") -> Path:
    """A checkout shaped like ours: pyproject, lib/streakcore, lambda/streak_lambda."""
    (root / "pyproject.toml").parent.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(
        "[project]\n"
        'name = "streakcore"\n'
        'version = "0"\n'
        f'dependencies = ["{dependency}"]\n'
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
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def offline_config(repo: Path, wheelhouse: Path, output: Path) -> package.BuildConfig:
    """Build from the local wheelhouse only, without the import check (tested apart)."""
    return package.BuildConfig(
        repo_root=repo,
        output=output,
        pip_args=("--no-index", "--find-links", str(wheelhouse)),
        verify=False,
        runtime_requirements=(),
    )


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The same inputs built twice, with every source file's mtime and mode changed between."""
    base = tmp_path_factory.mktemp("builds")
    wheelhouse = base / "wheels"
    make_wheel(wheelhouse)
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

    # then none of the clutter made it in
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if "/tests/" in name or name.endswith(".pyi")]
    assert not [name for name in names if name.startswith("bin/")]
    assert "tinydep-1.0.dist-info/RECORD" not in names
    assert "tinydep-1.0.dist-info/INSTALLER" not in names


def test_package_holds_the_dependency_our_packages_the_fake_server_and_the_openapi_spec(
    two_builds: tuple[Path, Path, Path],
) -> None:
    # given a built package
    names = set(zipfile.ZipFile(two_builds[0]).namelist())

    # then everything the handler imports at run time is there
    assert {
        "tinydep/__init__.py",
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
    make_wheel(wheelhouse)
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
            "--pip-arg=--no-index",
            f"--pip-arg=--find-links={wheelhouse}",
        ]
    )

    # then the report shows size and hash, and the exit code is a failure
    captured = capsys.readouterr()
    assert code == 1
    assert f"sha256       {sha256_of(output)}" in captured.out
    assert f"({output.stat().st_size} bytes)" in captured.out
    assert "over the budget" in captured.err


def test_lambda_requirements_are_runtime_deps_and_the_aws_extra_without_boto3(
    tmp_path: Path,
) -> None:
    # given a pyproject whose aws extra has powertools and boto3
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\n"
        'name = "streakcore"\n'
        'dependencies = ["duckdb>=1.3", "httpx>=0.27"]\n'
        "[project.optional-dependencies]\n"
        'aws = ["aws-lambda-powertools>=3.0", "boto3>=1.35", "BotoCore>=1.35"]\n'
        'dev = ["pytest>=8"]\n'
    )

    # then the Lambda gets the runtime deps and powertools only
    assert package.lambda_requirements(pyproject) == [
        "duckdb>=1.3",
        "httpx>=0.27",
        "aws-lambda-powertools>=3.0",
    ]


def test_the_real_pyproject_gives_duckdb_and_powertools_but_not_boto3() -> None:
    requirements = package.lambda_requirements(package.REPO_ROOT / "pyproject.toml")
    names = {package.requirement_name(requirement) for requirement in requirements}

    assert {"duckdb", "pydantic", "aws-lambda-powertools"} <= names
    assert not names & {"boto3", "botocore", "pytest", "streakcore"}


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


def test_boto3_pulled_in_by_a_dependency_is_removed_from_the_tree(tmp_path: Path) -> None:
    # given an installed tree where something dragged in boto3
    (tmp_path / "boto3").mkdir()
    (tmp_path / "boto3" / "__init__.py").write_text("")
    dist_info = tmp_path / "boto3-1.35.0.dist-info"
    dist_info.mkdir()
    (dist_info / "top_level.txt").write_text("boto3\n")
    (tmp_path / "httpx").mkdir()

    # when runtime-provided packages are removed
    removed = package.removed_runtime_provided(tmp_path)

    # then boto3 is gone and the rest stays
    assert removed == ["boto3"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["httpx"]


def test_import_check_imports_the_handler_from_the_unzipped_tree(
    two_builds: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    # given the built package, unzipped
    tree = tmp_path / "tree"
    zipfile.ZipFile(two_builds[0]).extractall(tree)

    # when the handler module is imported in an isolated interpreter
    seconds = import_seconds(Path(sys.executable), "streak_lambda.handler", tree)

    # then it loads, taking a measurable, finite time
    assert 0 <= seconds < 60


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
