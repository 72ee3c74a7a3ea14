"""Prove that a built Lambda tree imports its handler in a clean interpreter like Lambda's.

The wheels in the zip are built for the Lambda runtime (CPython 3.12, manylinux), so the
check only means something in an interpreter of that version and machine: we look for
one and say plainly when there is none.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from streakcore.errors import ConfigError, StreakError

PROBE_TIMEOUT_S = 30
IMPORT_TIMEOUT_S = 120

# argv: module, then the folders to put first on sys.path (the zip tree, then what the
# Lambda runtime itself provides). `-I -S` below keeps the caller's environment,
# site-packages and working directory out of the check.
IMPORT_PROBE = """\
import importlib, sys, time
sys.path[:0] = sys.argv[2:]
started = time.perf_counter()
importlib.import_module(sys.argv[1])
print(f"{time.perf_counter() - started:.6f}")
"""

DESCRIBE_PROBE = (
    "import platform, sys; "
    "print(sys.implementation.name, sys.version_info[0], sys.version_info[1], platform.machine())"
)


@dataclass(frozen=True)
class Interpreter:
    path: Path
    implementation: str
    version: tuple[int, int]
    machine: str

    def matches(self, version: tuple[int, int], machine: str) -> bool:
        return (
            self.implementation == "cpython" and self.version == version and self.machine == machine
        )


def describe(python: Path) -> Interpreter | None:
    """What `python` is, or None when it does not run (e.g. a pyenv shim for another version)."""
    try:
        completed = subprocess.run(
            [str(python), "-I", "-c", DESCRIBE_PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = completed.stdout.split()
    if completed.returncode != 0 or len(fields) != 4:
        return None
    name, major, minor, machine = fields
    return Interpreter(python, name, (int(major), int(minor)), machine)


def candidate_paths(version: tuple[int, int]) -> list[Path]:
    """Where a CPython of `version` may live: PATH, pyenv, then uv's managed Pythons."""
    executable = f"python{version[0]}.{version[1]}"
    candidates: list[Path] = []
    on_path = shutil.which(executable)
    if on_path:
        candidates.append(Path(on_path))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.extend(
        sorted(pyenv_root.glob(f"versions/{version[0]}.{version[1]}*/bin/{executable}"))
    )
    uv = shutil.which("uv")
    if uv:
        found = subprocess.run(
            [uv, "python", "find", f"{version[0]}.{version[1]}"],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT_S,
            check=False,
        )
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))
    return candidates


def find_interpreter(
    version: tuple[int, int],
    machine: str,
    explicit: Path | None = None,
    candidates: Sequence[Path] | None = None,
) -> Interpreter | None:
    """A working interpreter of `version` on `machine`; an explicit one must match or we fail."""
    if explicit is not None:
        interpreter = describe(explicit)
        if interpreter is None or not interpreter.matches(version, machine):
            raise ConfigError(
                f"{explicit} is not CPython {version[0]}.{version[1]} on {machine}; "
                "the import check needs exactly the Lambda runtime's version and machine"
            )
        return interpreter
    for path in candidate_paths(version) if candidates is None else candidates:
        interpreter = describe(path)
        if interpreter is not None and interpreter.matches(version, machine):
            return interpreter
    return None


def host_machine() -> str:
    return platform.machine()


def import_seconds(
    interpreter: Path,
    module: str,
    tree: Path,
    runtime_paths: Sequence[Path] = (),
) -> float:
    """Import `module` from `tree` in a fresh isolated interpreter; the seconds it took."""
    completed = subprocess.run(
        [
            str(interpreter),
            "-I",
            "-S",
            "-B",
            "-c",
            IMPORT_PROBE,
            module,
            str(tree),
            *map(str, runtime_paths),
        ],
        capture_output=True,
        text=True,
        timeout=IMPORT_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise StreakError(f"importing {module} from the package failed:\n{last_lines}")
    return float(completed.stdout.strip().splitlines()[-1])
