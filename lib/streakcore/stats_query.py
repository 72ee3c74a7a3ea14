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
    runs_until,
)
from streakcore.storage.duckdb_store import RunStore

LAST_SYNC_KEY = "last_sync"
"""sync_state key: ISO instant of the last successful sync."""


def last_sync_of(store: RunStore) -> datetime | None:
    value = store.get_state(LAST_SYNC_KEY)
    return datetime.fromisoformat(value) if value else None


def snapshot_from_store(store: RunStore, rule: StreakRule) -> StatsSnapshot:
    """The clock-free snapshot for `rule` and the three named rules at its minimum."""
    return build_snapshot(store.activities(), store.mile_times(), default_rules(rule))


def stats_from_store(
    store: RunStore, *, rule: StreakRule, as_of: datetime, tz: ZoneInfo
) -> StatsBody:
    activities = store.activities()
    latest = activities[-1].start_local if activities else None
    if latest is not None and as_of < latest:
        # A question about the past: leave out the runs that had not started yet.
        activities = runs_until(activities, as_of)
    snapshot = build_snapshot(activities, store.mile_times(), [rule])
    return render_stats(snapshot, rule=rule, as_of=as_of, tz=tz, last_sync=last_sync_of(store))
