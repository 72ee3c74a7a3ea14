"""The database's fast path to a snapshot gives exactly what the pure engine gives."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from helpers import TOKYO, mile_splits, run
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import build_snapshot, default_rules
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.stats import snapshot_for


def rounded(value: Any) -> Any:
    """Sums added in another order differ in the last bits; compare to a micrometre."""
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return value


@pytest.fixture
def store(tmp_path: Path) -> DuckDBRunStore:
    rng = random.Random(5)
    runs = []
    for i in range(400):
        day = f"2024-{1 + i // 31 % 12:02d}-{1 + i % 28:02d}"
        miles = rng.choice([0.5, 0.99, 1.0, 3.12, 6.3, 13.2, 26.3, rng.uniform(0.2, 9)])
        offset = TOKYO if rng.random() < 0.05 else None
        kwargs = {"offset": offset} if offset else {}
        runs.append(
            run(
                day,
                miles,
                at=f"{5 + i % 17:02d}:{i % 60:02d}",
                pace_s_per_mile=rng.uniform(380, 640),
                **kwargs,
            )
        )  # type: ignore[arg-type]
    s = DuckDBRunStore.open(tmp_path / "runs.duckdb")
    s.apply(
        Batch(
            activities=[
                StoredActivity(
                    a,
                    "fp",
                    None,
                    mile_splits(
                        a, [rng.uniform(350, 700) for _ in range(int(a.distance_m // 1609.344))]
                    ),
                )
                for a in runs
            ]
        )
    )
    s.apply(Batch(deleted_ids=[runs[7].activity_id, runs[100].activity_id]))
    return s


@pytest.mark.parametrize("min_distance_m", [1609.344, 5000.0])
def test_the_sql_snapshot_equals_the_pure_snapshot(
    store: DuckDBRunStore, min_distance_m: float
) -> None:
    rules = default_rules(StreakRule(name=RuleName.STRICT, min_distance_m=min_distance_m))
    fast = snapshot_for(store, rules)
    pure = build_snapshot(store.activities(), store.mile_times(), rules)
    assert rounded(fast.model_dump()) == rounded(pure.model_dump())
    assert fast.records.fastest_marathon is not None
    assert fast.fastest_mile is not None


def test_the_sql_snapshot_as_of_the_past_equals_the_pure_one(store: DuckDBRunStore) -> None:
    activities = store.activities()
    until = activities[len(activities) // 2].start_local + timedelta(minutes=1)
    rules = [StreakRule()]
    fast = snapshot_for(store, rules, until=until)
    earlier = [a for a in activities if a.start_local <= until]
    pure = build_snapshot(
        earlier,
        [m for m in store.mile_times() if m.activity_id in {a.activity_id for a in earlier}],
        rules,
    )
    assert rounded(fast.model_dump()) == rounded(pure.model_dump())
    assert fast.totals.runs == len(earlier) < len(activities)
