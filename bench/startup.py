"""Lambda start-up: importing the handler from the unpacked zip vs the bare-deps import.

Both sides are a new CPython 3.12 process run with `-I -S -B`, timed from inside around
the import alone, in interleaved pairs: `import streak_lambda.handler` with the unpacked
zip on sys.path (as Lambda runs it), and `import duckdb, pydantic, httpx` with the bare
venv's site-packages on sys.path (bench/lambda_package.py says what "bare" is).
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from bench.lambda_package import BARE_IMPORT, bare_deps, lambda_package
from bench.paired import ChildCpu, interleaved, paired_row
from bench.table import Row

GOAL_RATIO = 1.0
"""Issue 14: the handler imports no slower than its three big dependencies alone."""
PROBE = """\
import sys, time
sys.path[:0] = [sys.argv[1]]
started = time.perf_counter()
{statement}
print(time.perf_counter() - started)
"""
RUNTIME_FLAGS = ("-I", "-S", "-B")


def import_seconds(python: Path, path: Path, statement: str) -> tuple[float, float]:
    """(seconds inside the process for `statement`, seconds of the whole process)."""
    started = time.perf_counter()
    completed = subprocess.run(
        [str(python), *RUNTIME_FLAGS, "-c", PROBE.format(statement=statement), str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(completed.stdout.strip().splitlines()[-1]), time.perf_counter() - started


def run() -> list[Row]:
    package = lambda_package()
    bare = bare_deps()
    processes: dict[str, list[float]] = {"handler": [], "bare": []}

    def handler() -> float:
        inside, whole = import_seconds(package.python, package.tree, "import streak_lambda.handler")
        processes["handler"].append(whole)
        return inside

    def baseline() -> float:
        inside, whole = import_seconds(bare.python, bare.site, BARE_IMPORT)
        processes["bare"].append(whole)
        return inside

    cpu = ChildCpu()
    paired = interleaved(cpu.timed("handler", handler), cpu.timed("bare", baseline))
    whole_handler = sorted(processes["handler"])[len(processes["handler"]) // 2]
    whole_bare = sorted(processes["bare"])[len(processes["bare"]) // 2]
    note = (
        f"median of {len(paired.figures)} interleaved pairs, each a new process timed around "
        f"the import; whole processes {whole_handler * 1e3:.0f} ms vs {whole_bare * 1e3:.0f} "
        f"ms; {cpu.describe('handler', 'bare')}. Baseline: {bare.describe()}. "
        f"{package.check_unwritten()}"
    )
    return [
        paired_row(
            "startup",
            "import streak_lambda.handler from the unpacked zip (CPython 3.12, -I -S -B)",
            paired,
            f"bare-deps `{BARE_IMPORT}`",
            goal_ratio=GOAL_RATIO,
            note=note,
        )
    ]
