"""Bytecode for the Lambda's cold paths, compiled by the runtime's CPython, reproducibly.

Lambda's /var/task is read-only, so a module shipped without bytecode is compiled from
source on every cold start (and the result thrown away). The modules the handler's routes
import are listed in ops/cold_modules.txt (`python -m ops.cold_modules` writes it); each
gets a .pyc in the zip:

- our own packages keep their .py and get `__pycache__/<module>.cpython-312.pyc` beside
  it, so a traceback through our code still shows its source lines;
- third-party modules ship as a sourceless `<module>.pyc` in place of the .py: the same
  start-up, without paying for the source twice (their tracebacks keep file and line);
- except packages that read their own source at run time (anyio's lazy importer parses
  its package's source to decide what to import lazily; without it, anyio imports all of
  itself). Those keep their source like ours. A build fails on a listed module that calls
  inspect's source readers unless its package is judged here.

The .pyc files are compiled by a CPython of the runtime's version (the magic number must
match) with unchecked-hash invalidation: no source mtime inside, and the loader never
stats or reads the source to validate them. Two builds from the same inputs and the same
interpreter give the same bytes (a test holds two builds byte-identical; 3.12's marshal
writes frozenset constants sorted, and PYTHONHASHSEED is fixed all the same, so nothing
in a compile can follow string hashing).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from streakcore.errors import StreakError

COLD_MODULES = Path(__file__).with_name("cold_modules.txt")
COMPILE_TIMEOUT_S = 600

# Third-party packages that read their own source: shipped with it, and with bytecode.
KEEPS_SOURCE = {
    "anyio": "its lazy importer parses anyio's own source (inspect.getsource) to find what "
    "to import lazily; sourceless, anyio imports all of itself eagerly",
}
# Third-party packages that call inspect's source readers, but not on themselves.
READS_OTHER_SOURCE = {
    "pydantic": "_docs_extraction reads the source of the model classes it is given (ours, "
    "which keep their source)",
}
SOURCE_READER = re.compile(r"\b(?:getsource|getsourcelines|getsourcefile|findsource)\b")

# stdin: JSON [[source, pyc, name shown in tracebacks], ...]; prints the magic number.
COMPILE_SCRIPT = """\
import importlib.util, json, py_compile, sys
for source, pyc, shown in json.load(sys.stdin):
    py_compile.compile(
        source, cfile=pyc, dfile=shown, doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
print(importlib.util.MAGIC_NUMBER.hex())
"""


def read_module_list(path: Path) -> list[str]:
    """Dotted module names, one a line; blank lines and `#` comments ignored."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


def module_source(module: str, entries: Mapping[str, Path]) -> str | None:
    """The archive name of `module`'s source (`a/b.py` or `a/b/__init__.py`), if shipped."""
    base = module.replace(".", "/")
    for candidate in (f"{base}.py", f"{base}/__init__.py"):
        if candidate in entries:
            return candidate
    return None


def cache_name(source: str, version: tuple[int, int]) -> str:
    """`a/b.py` -> `a/__pycache__/b.cpython-312.pyc`, where CPython 3.12 looks for it."""
    folder, _, file = source.rpartition("/")
    pyc = f"__pycache__/{file.removesuffix('.py')}.cpython-{version[0]}{version[1]}.pyc"
    return f"{folder}/{pyc}" if folder else pyc


@dataclass(frozen=True)
class Bytecode:
    entries: dict[str, Path]
    """The zip's entries with the bytecode in (and sourceless modules' .py out)."""
    compiled: int
    sourceless: int
    missing: list[str]
    """Listed modules the package does not ship (the list is older than the wheels)."""
    magic: str


def with_bytecode(
    entries: Mapping[str, Path],
    modules: Iterable[str],
    own_packages: Iterable[str],
    interpreter: Path,
    version: tuple[int, int],
    scratch: Path,
) -> Bytecode:
    """Compile `modules` with `interpreter` into `scratch` and put the .pyc in the entries."""
    own = set(own_packages)
    check_source_readers(entries, modules, own)
    keeps_source = own | set(KEEPS_SOURCE)
    result = dict(entries)
    jobs: list[tuple[str, str, str]] = []
    missing = []
    sourceless = 0
    for module in sorted(set(modules)):
        source = module_source(module, entries)
        if source is None:
            missing.append(module)
            continue
        if source.split("/", 1)[0] in keeps_source:
            name = cache_name(source, version)
        else:
            name = source.removesuffix(".py") + ".pyc"
            del result[source]
            sourceless += 1
        pyc = scratch / name
        jobs.append((str(entries[source]), str(pyc), source))
        result[name] = pyc
    magic = compile_files(interpreter, jobs) if jobs else ""
    return Bytecode(result, len(jobs), sourceless, missing, magic)


def check_source_readers(
    entries: Mapping[str, Path], modules: Iterable[str], own: set[str]
) -> None:
    """Fail on a third-party module to ship sourceless that reads source, unless judged."""
    judged = own | set(KEEPS_SOURCE) | set(READS_OTHER_SOURCE)
    unjudged = sorted(
        source
        for module in modules
        if (source := module_source(module, entries)) is not None
        and source.split("/", 1)[0] not in judged
        and SOURCE_READER.search(entries[source].read_text("utf-8", errors="replace"))
    )
    if unjudged:
        raise StreakError(
            f"{', '.join(unjudged)} read Python source at run time, which a sourceless .pyc "
            "cannot give them: judge the package in ops/bytecode.py (KEEPS_SOURCE or "
            "READS_OTHER_SOURCE)"
        )


def compile_files(interpreter: Path, jobs: list[tuple[str, str, str]]) -> str:
    """Compile (source, pyc, shown name) jobs with `interpreter`; its magic number in hex."""
    completed = subprocess.run(
        # Not -I: it would ignore PYTHONHASHSEED. The environment is cleared instead, and
        # -S -s -P keep site-packages and the working directory off sys.path.
        [str(interpreter), "-S", "-s", "-P", "-c", COMPILE_SCRIPT],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=COMPILE_TIMEOUT_S,
        env={**_minimal_environment(), "PYTHONHASHSEED": "0"},
        check=False,
    )
    if completed.returncode != 0:
        last_lines = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise StreakError(f"compiling the Lambda's bytecode failed:\n{last_lines}")
    return completed.stdout.strip().splitlines()[-1]


def _minimal_environment() -> dict[str, str]:
    """No PYTHON* variable of the caller's; PATH and the locale only."""
    return {key: value for key, value in os.environ.items() if key in {"PATH", "LANG", "LC_ALL"}}
