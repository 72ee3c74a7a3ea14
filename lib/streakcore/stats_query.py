"""The stats use case: read the store, call the pure core, return the `/stats` body."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import (
    StatsBody,
    StatsSnapshot,
    build_snapshot,
    default_rules,
    render_stats,
)
from streakcore.storage.duckdb_store import RunStore

LAST_SYNC_KEY = "last_sync"
"""sync_state key: ISO instant of the last successful sync."""


def last_sync_of(store: RunStore) -> datetime | None:
    value = store.get_state(LAST_SYNC_KEY)
    return datetime.fromisoformat(value) if value else None


def snapshot_from_store(store: RunStore, rule: StreakRule) -> StatsSnapshot:
    """The clock-free snapshot for `rule` and the three named rules at its minimum."""
    return build_snapshot(store.run_facts(), store.mile_times(best=True), default_rules(rule))


def stats_from_store(
    store: RunStore, *, rule: StreakRule, as_of: datetime, tz: ZoneInfo
) -> StatsBody:
    """The `/stats` body from the database; only runs started by `as_of` count."""
    runs = store.run_facts(until=as_of)
    miles = store.mile_times(until=as_of, best=True)
    snapshot = build_snapshot(runs, miles, [rule])
    return render_stats(snapshot, rule=rule, as_of=as_of, tz=tz, last_sync=last_sync_of(store))
