"""Stats at 20-year scale: from the database, from the materialised snapshot, vs the reference."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.table import Row, median_seconds
from streakcore.domain.models import Activity, Split
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import StatsSnapshot, render_stats
from streakcore.domain.streaks import today_in
from streakcore.domain.units import METRES_PER_MILE
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing.reference import reference_streaks
from streakcore.usecases.stats import snapshot_from_store, stats_from_store

DAYS = 7_300
HOME = ZoneInfo("America/New_York")


def twenty_years(seed: int = 20) -> Batch:
    """~8,000 runs over 7,300 days (some doubles, a few misses) with ~80k mile splits."""
    rng = random.Random(seed)
    first = date(2006, 11, 1)
    rows: list[StoredActivity] = []
    n = 0
    for d in range(DAYS):
        day = first + timedelta(days=d)
        if rng.random() < 0.002:
            continue  # a missed day now and then
        offset = timezone(timedelta(hours=-4 if 3 <= day.month <= 10 else -5))
        for run_no in range(2 if rng.random() < 0.1 else 1):
            miles = rng.uniform(4.0, 16.0)
            start = datetime.combine(day, time(6 + 10 * run_no, rng.randrange(60)), tzinfo=offset)
            a = Activity(
                activity_id=str(10_000_000 + n),
                start_local=start,
                distance_m=miles * METRES_PER_MILE,
                duration_s=miles * rng.uniform(420, 600),
            )
            n += 1
            elapsed = 0.0
            splits = []
            for k in range(1, int(miles) + 1):
                elapsed += rng.uniform(400, 620)
                splits.append(
                    Split(activity_id=a.activity_id, unit="mi", index=k,
                          distance_m=k * METRES_PER_MILE, elapsed_s=elapsed)
                )  # fmt: skip
            rows.append(StoredActivity(a, "fp", None, splits))
    return Batch(activities=rows)


def run() -> list[Row]:
    batch = twenty_years()
    rule = StreakRule()
    as_of = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.duckdb"
        with DuckDBRunStore.open(path) as store:
            store.apply(batch)
            runs, splits = store.count("activities"), store.count("splits")
            snapshot_json = snapshot_from_store(store, rule).model_dump_json()
        with DuckDBRunStore.open(path, read_only=True) as store:
            from_db = median_seconds(
                lambda: stats_from_store(store, rule=rule, as_of=as_of, tz=HOME), repeat=7
            )

        def from_snapshot() -> None:
            snapshot = StatsSnapshot.model_validate_json(snapshot_json)
            render_stats(snapshot, rule=rule, as_of=as_of, tz=HOME, last_sync=None)

        materialised = median_seconds(from_snapshot, repeat=51)
        activities = [r.activity for r in batch.activities]
        today = today_in(as_of, HOME)
        reference = median_seconds(lambda: reference_streaks(activities, rule, today), repeat=3)
    scale = (
        f"{runs:,} runs, {splits:,} splits, {DAYS:,} days; snapshot {len(snapshot_json):,} bytes"
    )
    return [
        Row(
            "stats",
            "full /stats from DuckDB",
            from_db,
            "s",
            "plain-Python reference (streaks only)",
            reference,
            "< 50 ms",
            from_db < 0.050,
            scale,
        ),
        Row(
            "stats",
            "/stats from the materialised snapshot",
            materialised,
            "s",
            "full /stats from DuckDB",
            from_db,
            "< 1 ms",
            materialised < 0.001,
        ),
    ]
