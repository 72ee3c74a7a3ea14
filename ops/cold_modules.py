"""Write ops/cold_modules.txt: the modules the Lambda's cold paths import, which get bytecode.

    python -m ops.cold_modules [--python PATH]

Builds the zip, runs every action of both functions from it unpacked (a sync, the evening
check, POST /sync and the read routes, each as a new process under the runtime's CPython)
and writes the modules they imported from the package, shared libraries aside. Run it
after changing imports or dependencies: `nox -s package` names the modules its routes had
to compile from source while the list is behind, and `ops.package` ships bytecode for
exactly the listed modules, so the list decides what the zip holds, not the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ops.bytecode import COLD_MODULES
from ops.package import LAMBDA_PYTHON, BuildConfig, assemble, bytecode_compiler
from ops.route_check import ALL_ACTIONS, lambda_world, run_probe
from streakcore.errors import StreakError

HEADER = """\
# Modules the Lambda's cold paths import from the package: each gets bytecode in the zip.
# Written by `python -m ops.cold_modules` (every route and schedule run from the unpacked
# zip under CPython {major}.{minor}); do not edit by hand.
"""


def traced_modules(python: Path | None, scratch: Path) -> list[str]:
    """Build the zip with the current list, then run every action from it; the modules."""
    config = replace(
        BuildConfig(),
        output=scratch / "lambda.zip",
        verify=False,
        verify_python=python,
    )
    result = assemble(config, scratch / "build")
    interpreter = bytecode_compiler(config)
    tree = scratch / "unzipped"
    with zipfile.ZipFile(result.archive.path) as opened:
        opened.extractall(tree)
    modules: set[str] = set()
    with lambda_world(scratch / "world") as world:
        for action in ALL_ACTIONS:
            probe = run_probe(interpreter.path, tree, action, world.fresh_environment())
            modules |= {name for name, how in probe.modules.items() if how != "extension"}
    return sorted(modules)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.cold_modules", description=__doc__)
    parser.add_argument("--python", type=Path, help="CPython 3.12 (default: look for one)")
    parser.add_argument("--output", type=Path, default=COLD_MODULES)
    args = parser.parse_args(argv)
    try:
        with tempfile.TemporaryDirectory(prefix="streak-cold-") as scratch:
            modules = traced_modules(args.python, Path(scratch))
    except StreakError as error:
        print(f"cold_modules: {error}", file=sys.stderr)
        return 1
    header = HEADER.format(major=LAMBDA_PYTHON[0], minor=LAMBDA_PYTHON[1])
    args.output.write_text(header + "".join(f"{name}\n" for name in modules), encoding="utf-8")
    print(f"cold_modules: wrote {len(modules)} modules to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
