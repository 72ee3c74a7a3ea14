"""The Lambda as Lambda runs it, and the bare baseline it is measured against.

`lambda_package()` builds the zip from this checkout once per benchmark run (the same
`ops.package` build as `nox -s package`, without its checks) and unpacks it into a
directory that stands for /var/task: made read-only (root ignores that, so every run also
passes -B, and the tree is checked for new files afterwards), run by the runtime's
CPython 3.12 with `-I -S -B` and the tree alone on sys.path.

`bare_deps()` is the floor for start-up: a bare CPython 3.12 venv, made once and kept in a
cache dir, with only duckdb, pydantic and httpx (the versions in the zip) installed by pip.
pip compiled their .pyc at install time, so this is the best those three libraries can do:
it is run the same way (`-I -S -B`, its site-packages put on sys.path by the probe).
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ops.package import BuildConfig, BuildResult, assemble, bytecode_compiler
from streakcore.errors import StreakError

BARE_MODULES = ("duckdb", "pydantic", "httpx")
BARE_IMPORT = "import " + ", ".join(BARE_MODULES)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "streakcore-bench"
READ_ONLY = 0o555


@dataclass(frozen=True)
class LambdaPackage:
    build: BuildResult
    python: Path
    """The runtime's CPython (3.12)."""
    tree: Path
    """The unpacked zip, read-only: /var/task."""
    files: frozenset[str]

    def version_of(self, distribution: str) -> str:
        for pin in self.build.distributions:
            name, _, version = pin.partition("==")
            if name.lower().replace("_", "-") == distribution:
                return version
        raise StreakError(f"the Lambda zip has no {distribution}")

    def check_unwritten(self) -> str:
        """Fail if anything wrote into the tree (Lambda's /var/task is read-only)."""
        written = sorted(_files_under(self.tree) - self.files)
        if written:
            raise StreakError(f"a run wrote into the package: {', '.join(written[:5])}")
        return "nothing was written into the unpacked zip (checked)"


@functools.cache
def lambda_package() -> LambdaPackage:
    scratch = Path(tempfile.mkdtemp(prefix="streak-bench-"))
    atexit.register(_remove_read_only, scratch)
    config = BuildConfig(output=scratch / "lambda.zip", verify=False)
    print("bench: building the Lambda zip ...", file=sys.stderr, flush=True)
    build = assemble(config, scratch / "build")
    shutil.rmtree(scratch / "build", ignore_errors=True)
    tree = scratch / "task"
    with zipfile.ZipFile(build.archive.path) as archive:
        archive.extractall(tree)
    for path in (tree, *tree.rglob("*")):
        path.chmod(READ_ONLY if path.is_dir() else 0o444)
    python = bytecode_compiler(config).path
    return LambdaPackage(build, python, tree, frozenset(_files_under(tree)))


@dataclass(frozen=True)
class BareDeps:
    python: Path
    site: Path
    versions: dict[str, str]

    def describe(self) -> str:
        pins = ", ".join(f"{name} {version}" for name, version in self.versions.items())
        return (
            f"a bare CPython 3.12 venv with only {pins} (and their dependencies) installed by "
            "pip, which compiled their .pyc; run with -I -S -B, its site-packages on sys.path"
        )


@functools.cache
def bare_deps() -> BareDeps:
    package = lambda_package()
    versions = {name: package.version_of(name) for name in BARE_MODULES}
    home = CACHE / ("bare-cp312-" + "-".join(f"{n}{v}" for n, v in versions.items()))
    python = home / "bin" / "python"
    if not (home / ".complete").exists():
        print(f"bench: making the bare venv {home} ...", file=sys.stderr, flush=True)
        shutil.rmtree(home, ignore_errors=True)
        _run([str(package.python), "-m", "venv", str(home)])
        pins = [f"{name}=={version}" for name, version in versions.items()]
        _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", *pins])
        (home / ".complete").write_text("\n".join(pins) + "\n")
    site = subprocess.run(
        [str(python), "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return BareDeps(python, Path(site), versions)


def _run(command: list[str]) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise StreakError(f"{' '.join(command[:4])} failed:\n{completed.stderr[-2000:]}")


def _files_under(root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in root.rglob("*")}


def _remove_read_only(root: Path) -> None:
    for path in (root, *root.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(root, ignore_errors=True)
