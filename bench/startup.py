"""Lambda start-up: importing the handler module vs `import duckdb, pydantic, httpx` alone."""

from __future__ import annotations

import statistics
import subprocess
import sys

from bench.table import Row

REPEAT = 10
PROBE = "import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"


def import_seconds(modules: str) -> float:
    """Median import time over fresh interpreters (-B: no bytecode written between runs)."""
    samples = []
    for _ in range(REPEAT):
        out = subprocess.run(
            [sys.executable, "-B", "-c", PROBE.format(modules=modules)],
            capture_output=True,
            text=True,
            check=True,
        )
        samples.append(float(out.stdout.strip()))
    return statistics.median(samples)


def run() -> list[Row]:
    handler = import_seconds("streak_lambda.handler")
    floor = import_seconds("duckdb, pydantic, httpx")
    return [
        Row("startup", "import streak_lambda.handler", handler, "s",
            "import duckdb, pydantic, httpx", floor, "ratio <= 1.3", handler <= 1.3 * floor,
            f"median of {REPEAT} fresh interpreters"),
    ]  # fmt: skip
