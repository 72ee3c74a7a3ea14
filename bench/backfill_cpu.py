"""CPU of a local 10-year backfill: what the sync itself burns, without network latency.

The fake SmashRun serves from a process of its own, so the CPU counted here (user + sys
of this process, every thread: the sync's workers and DuckDB's) is the sync's alone. Each
repeat backfills a new DuckDB file; the median is reported. Issue 14 (item 5) cuts the
statements a backfill spends per batch and quotes this figure before and after.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import SecretStr

from bench.sync_harness import (
    DEFAULT_CONCURRENCY,
    HOME_TZ,
    NOW,
    SYNC_BUDGET_S,
    UNTHROTTLED_REQUESTS_PER_HOUR,
    uploaded_runs,
)
from bench.table import Row
from streakcore.bootstrap import Services
from streakcore.errors import StreakError
from streakcore.settings import Settings
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import decade_athlete
from streakcore.usecases.sync import SyncStatus

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3
BEFORE_CPU_S: float | None = 6.32
"""This row's figure before the backfill-write changes (splits batches upserting their runs
again, the best mile by a window query, one statement per state key, 50 runs a batch):
the median of three runs of this section interleaved with three of the changed code on
this machine (6.74, 5.31, 6.32 s before; 4.08, 3.81, 4.02 s after)."""
FAKE_SERVER = """\
import sys
from bench.sync_harness import NOW
from streakcore.testing import FakeSmashRun, decade_athlete

with FakeSmashRun(decade_athlete(NOW), clock=lambda: NOW) as fake:
    print(fake.base_url, fake.access_token, flush=True)
    sys.stdin.read()
"""


def _backfill(settings: Settings, path: Path) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, requests) of one backfill into a new store at `path`."""
    with DuckDBRunStore.open(path) as store:
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        report = Services(settings, clock=lambda: NOW).sync_into(store, budget_s=SYNC_BUDGET_S)
        cpu, wall = time.process_time() - cpu_started, time.perf_counter() - wall_started
    if report.status is not SyncStatus.SUCCESS:
        raise StreakError(f"the benchmark backfill did not finish: {report.error}")
    return cpu, wall, report.requests


def run() -> list[Row]:
    runs = uploaded_runs(decade_athlete(NOW))
    server = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None
    assert server.stdout is not None
    try:
        base_url, token = server.stdout.readline().split()
        settings = Settings(
            timezone=HOME_TZ,
            smashrun_base_url=base_url,
            smashrun_access_token=SecretStr(token),
            requests_per_hour=UNTHROTTLED_REQUESTS_PER_HOUR,
            sync_concurrency=DEFAULT_CONCURRENCY,
        )
        with tempfile.TemporaryDirectory() as tmp:
            samples = [_backfill(settings, Path(tmp) / f"runs{k}.duckdb") for k in range(REPEATS)]
    finally:
        server.stdin.close()
        server.wait(timeout=60)
    cpu = statistics.median(sample[0] for sample in samples)
    wall = statistics.median(sample[1] for sample in samples)
    return [
        Row(
            "backfill CPU",
            f"local 10-year backfill ({runs:,} runs): CPU of the syncing process",
            cpu,
            "s",
            "the same before issue 14's backfill-write changes",
            BEFORE_CPU_S,
            "after < before",
            None if BEFORE_CPU_S is None else cpu < BEFORE_CPU_S,
            f"median of {REPEATS}, each into a new DuckDB file; user + sys of this process "
            f"(all threads), the fake SmashRun in a process of its own, no injected latency; "
            f"wall {wall:.2f} s, {samples[0][2]:,} requests",
        )
    ]
