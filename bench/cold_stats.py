"""Cold `GET /stats` as a new process from the unpacked zip vs the bare-deps import process.

A moto server and the fake SmashRun stand in for AWS and SmashRun; a sync run from the zip
first writes the database and its stats document to S3. Then, in interleaved pairs: a new
CPython 3.12 process (`-I -S -B`, the unpacked zip alone on sys.path, an empty cache dir)
imports the handler, sends it one API Gateway REST `GET /stats` event and exits, against a
new process of the bare venv that runs `import duckdb, pydantic, httpx` and exits. Both
are timed from outside, from starting the process to its exit.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench.lambda_package import BARE_IMPORT, bare_deps, lambda_package
from bench.paired import ChildCpu, interleaved, paired_row
from bench.table import Row
from ops.route_check import lambda_world, run_probe
from streakcore.errors import StreakError

GOAL_RATIO = 2.0
"""Issue 14: a cold GET /stats within twice the time of importing the three libraries."""
ATHLETE_YEARS = 3
BARE_PROBE = "import sys; sys.path[:0] = [sys.argv[1]]; " + BARE_IMPORT


def run() -> list[Row]:
    package = lambda_package()
    bare = bare_deps()
    from_source: set[str] = set()
    statuses: set[object] = set()
    in_process: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="streak-bench-") as tmp,
        lambda_world(Path(tmp), athlete_years=ATHLETE_YEARS) as world,
    ):
        run_probe(package.python, package.tree, "sync", world.fresh_environment())

        def cold_stats() -> float:
            result = run_probe(
                package.python, package.tree, "GET /stats", world.fresh_environment()
            )
            statuses.add(result.status)
            from_source.update(result.compiled_from_source())
            in_process.append(result.import_s + result.invoke_s)
            return result.wall_s

        def bare_import() -> float:
            started = time.perf_counter()
            subprocess.run(
                [str(bare.python), "-I", "-S", "-B", "-c", BARE_PROBE, str(bare.site)],
                check=True,
            )
            return time.perf_counter() - started

        cpu = ChildCpu()
        paired = interleaved(cpu.timed("stats", cold_stats), cpu.timed("bare", bare_import))
    if statuses != {200}:
        raise StreakError(f"cold GET /stats answered {sorted(map(str, statuses))}, not 200")
    compiled = f"modules compiled from source on the way: {len(from_source)}" + (
        f" ({', '.join(sorted(from_source)[:5])}, ...)" if from_source else ""
    )
    note = (
        f"median of {len(paired.figures)} interleaved pairs, each process timed from outside; "
        f"answered from the S3 stats document (moto) after a {ATHLETE_YEARS}-year sync from "
        f"the zip; {compiled}; {cpu.describe('stats', 'bare')}; inside the process, importing "
        f"the handler and answering took {statistics.median(in_process) * 1e3:.0f} ms (median; "
        "the rest is the interpreter starting and exiting, an exit Lambda never pays). "
        f"Baseline: {bare.describe()}. "
        f"{package.check_unwritten()}"
    )
    return [
        paired_row(
            "cold /stats",
            "cold GET /stats: a new process from the unpacked zip (CPython 3.12, -I -S -B)",
            paired,
            f"bare-deps `{BARE_IMPORT}` process",
            goal_ratio=GOAL_RATIO,
            note=note,
        )
    ]
