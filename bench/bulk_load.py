"""Bulk load: 10k activities + 100k splits into DuckDB, vs read_csv (paired) and executemany."""

from __future__ import annotations

import csv
import itertools
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from pathlib import Path

import duckdb

from bench.paired import interleaved, paired_row
from bench.table import Row
from streakcore.domain.models import Activity, Split
from streakcore.domain.units import METRES_PER_MILE
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

ACTIVITIES = 10_000
SPLITS_PER_RUN = 10
EXECUTEMANY_SAMPLE = 2_000
GOAL_RATIO = 3.0


_ACTIVITY_CSV_COLUMNS = {
    "activity_id": "VARCHAR", "start_local": "TIMESTAMP", "utc_offset_min": "INTEGER",
    "local_date": "DATE", "distance_m": "DOUBLE", "duration_s": "DOUBLE",
    "activity_type": "VARCHAR", "external_id": "VARCHAR", "is_treadmill": "BOOLEAN",
    "heart_rate_avg": "DOUBLE", "notes": "VARCHAR", "best_mile_s": "DOUBLE",
    "fingerprint": "VARCHAR", "payload": "VARCHAR", "deleted_at": "TIMESTAMPTZ",
    "synced_at": "TIMESTAMPTZ",
}  # fmt: skip
_SPLIT_CSV_COLUMNS = {
    "activity_id": "VARCHAR", "unit": "VARCHAR", "idx": "INTEGER", "distance_m": "DOUBLE",
    "elapsed_s": "DOUBLE", "speed": "DOUBLE", "heart_rate": "DOUBLE",
    "elevation_gain_m": "DOUBLE", "elevation_loss_m": "DOUBLE",
}  # fmt: skip


def _batch() -> Batch:
    tz = timezone(timedelta(hours=-5))
    rows = []
    for i in range(ACTIVITIES):
        start = datetime.combine(date(1999, 1, 1) + timedelta(days=i), dtime(7, 0), tzinfo=tz)
        a = Activity(
            activity_id=str(1_000_000 + i),
            start_local=start,
            distance_m=9.6 * METRES_PER_MILE,
            duration_s=9.6 * 480,
        )
        splits = [
            Split(
                activity_id=a.activity_id,
                unit="mi",
                index=k,
                distance_m=min(k, 9.6) * METRES_PER_MILE,
                elapsed_s=k * 480.0,
                speed=7.5,
                heart_rate=150.0,
                elevation_gain_m=3.0,
                elevation_loss_m=2.0,
            )
            for k in range(1, SPLITS_PER_RUN + 1)
        ]
        rows.append(StoredActivity(a, "fp", None, splits))
    return Batch(activities=rows)


def _split_rows(batch: Batch) -> list[tuple[object, ...]]:
    return [
        (
            s.activity_id,
            s.unit,
            s.index,
            s.distance_m,
            s.elapsed_s,
            s.speed,
            s.heart_rate,
            s.elevation_gain_m,
            s.elevation_loss_m,
        )
        for r in batch.activities
        for s in r.splits or ()
    ]


def _activity_rows(batch: Batch) -> list[tuple[object, ...]]:
    return [
        (
            a.activity.activity_id,
            a.activity.start_local.replace(tzinfo=None),
            -300,
            a.activity.local_date,
            a.activity.distance_m,
            a.activity.duration_s,
            "running",
            None,
            None,
            None,
            None,
            None,
            "fp",
            None,
            None,
            "2026-01-01 00:00:00+00",
        )
        for a in batch.activities
    ]


def _apply_seconds(batch: Batch, path: Path) -> float:
    store = DuckDBRunStore.open(path)
    try:
        start = time.perf_counter()
        store.apply(batch)
        return time.perf_counter() - start
    finally:
        store.close()


def _read_csv_seconds(act_csv: Path, split_csv: Path, path: Path) -> float:
    """The floor: DuckDB reading the same rows from CSV files already on disk."""
    store = DuckDBRunStore.open(path)
    try:
        con = store.connection
        start = time.perf_counter()
        con.execute("BEGIN")
        con.execute(
            # By name: the columns a sync fills; the rest (a run's source) take their defaults.
            f"INSERT INTO activities BY NAME SELECT * FROM read_csv('{act_csv}', header=false, "
            f"columns={_ACTIVITY_CSV_COLUMNS})"
        )
        con.execute(
            f"INSERT INTO splits SELECT * FROM read_csv('{split_csv}', header=false, "
            f"columns={_SPLIT_CSV_COLUMNS})"
        )
        con.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        store.close()


def run() -> list[Row]:
    batch = _batch()
    with tempfile.TemporaryDirectory() as tmp:
        act_csv, split_csv = Path(tmp) / "a.csv", Path(tmp) / "s.csv"
        with act_csv.open("w", newline="") as f:
            csv.writer(f).writerows(_activity_rows(batch))
        with split_csv.open("w", newline="") as f:
            csv.writer(f).writerows(_split_rows(batch))
        files = itertools.count()

        def fresh() -> Path:
            return Path(tmp) / f"db{next(files)}.duckdb"

        paired = interleaved(
            lambda: _apply_seconds(batch, fresh()),
            lambda: _read_csv_seconds(act_csv, split_csv, fresh()),
        )
        ours_s = paired.figure

        # The baseline: row-by-row executemany, timed on a sample and extrapolated linearly.
        con = duckdb.connect(str(Path(tmp) / "rows.duckdb"))
        con.execute(
            "CREATE TABLE splits (activity_id VARCHAR, unit VARCHAR, idx INTEGER, "
            "distance_m DOUBLE, "
            "elapsed_s DOUBLE, speed DOUBLE, heart_rate DOUBLE, elevation_gain_m DOUBLE, "
            "elevation_loss_m DOUBLE)"
        )
        sample = _split_rows(batch)[:EXECUTEMANY_SAMPLE]
        start = time.perf_counter()
        con.executemany("INSERT INTO splits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", sample)
        per_row = (time.perf_counter() - start) / len(sample)
        con.close()
        total_rows = ACTIVITIES + ACTIVITIES * SPLITS_PER_RUN
        executemany_s = per_row * total_rows

    return [
        paired_row(
            "bulk load",
            "10k runs + 100k splits, store.apply",
            paired,
            "read_csv of the same rows (floor)",
            goal_ratio=GOAL_RATIO,
            note=f"median of {len(paired.figures)} interleaved pairs, each into a new file",
        ),
        Row(
            "bulk load",
            "executemany, extrapolated",
            executemany_s,
            "s",
            "store.apply",
            ours_s,
            note=f"{per_row * 1e3:.2f} ms/row over a {EXECUTEMANY_SAMPLE}-row sample "
            f"x {total_rows:,} rows",
        ),
    ]
