"""Importing a 10-year Strava-style export (the bench athlete's ~3,700 runs, each with its
track: bench/strava_export.py): the time `streak import` takes and its peak memory, each in
a fresh interpreter, as a runner runs it.

Beside them: the same command on a tenth of the export, whose peak RSS the whole export's
must not outgrow by much (memory must not grow with the export's size), and the import
before this work, timed by hand on a 3,700-run export of real watches' FIT files (913 s,
91 MB): heavier files than these (a real hour's FIT carries a dozen fields a record, about
300 ms to decode, where the encoder here writes four), so that ratio flatters.

`BENCH_IMPORT_RUNS=370 python -m bench.run import_export` measures a smaller export.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.memory import RUN_CLI, peak_rss_mb
from bench.sync_harness import HOME_TZ, NOW
from bench.table import Row
from streakcore.testing import decade_athlete

SECTION = "import_export"
BY_HAND_S = 913.0
"""The import of a 3,700-run export before fast parsing, timed by hand (91 MB peak)."""
MEMORY_GROWTH_TARGET = 1.25
SMALL_SHARE = 10
"""The small export is every tenth run: the same files, a tenth as many."""


def _export(path: Path, every: int, limit: int | None) -> int:
    from dataclasses import replace

    from bench.strava_export import write_export

    athlete = decade_athlete(NOW)
    runs = athlete.runs[::every]
    if limit is not None:
        runs = runs[-limit:]
    return write_export(replace(athlete, runs=tuple(runs)), path, now=NOW)


def _import(export: Path, work: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, summary line) of `streak import` into a new database."""
    db = work / f"{export.stem}.duckdb"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("STREAK_")},
        "STREAK_TIMEZONE": HOME_TZ,
        "STREAK_CACHE_DIR": str(work / "cache"),
    }
    started = time.perf_counter()
    peak, out = peak_rss_mb(RUN_CLI, ["import", str(export), "--db", str(db)], env)
    summary = out.strip().splitlines()[-1].partition(";")[0]  # not the temporary path
    return time.perf_counter() - started, peak, summary


def run() -> list[Row]:
    limit_text = os.environ.get("BENCH_IMPORT_RUNS")
    limit = int(limit_text) if limit_text else None
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        whole, small = work / "export.zip", work / "export-tenth.zip"
        runs = _export(whole, 1, limit)
        small_runs = _export(small, SMALL_SHARE, None if limit is None else limit // SMALL_SHARE)
        seconds, peak_mb, line = _import(whole, work)
        _, small_peak_mb, _ = _import(small, work)
    size = f"{runs:,} runs with tracks (a third FIT, the rest GPX)"
    return [
        Row(
            SECTION, f"`streak import` of a 10-year Strava export, {size}", seconds, "s",
            "an import before this work, timed by hand (3,700 runs of real watches' FIT "
            "files, heavier than these)", BY_HAND_S,
            note=line,
        ),
        Row(
            SECTION, f"`streak import` peak RSS, {runs:,} runs", peak_mb, "MB",
            f"the same on a tenth of the export ({small_runs:,} runs)", small_peak_mb,
            note="the importing process; its two parsing workers hold the parsers and at most "
            "8 files each",
            target=f"<= {MEMORY_GROWTH_TARGET}x",
            met=peak_mb <= MEMORY_GROWTH_TARGET * small_peak_mb,
        ),
    ]  # fmt: skip
