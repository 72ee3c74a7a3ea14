"""The stats use case: read the store, call the pure core, return the `/stats` body."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from streakcore.domain.records import RACE_WINDOWS_M
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import (
    Backfill,
    StatsBody,
    StatsSnapshot,
    default_rules,
    render_stats,
    snapshot_from_days,
)
from streakcore.ports import RunStore

LAST_SYNC_KEY = "last_sync"
"""sync_state key: ISO instant of the last successful sync."""
BACKFILL_KEY = "backfill"
"""sync_state key: `{"next_sync_after": ISO instant | null}`, the request budget's next
opening as the last sync left it."""
CHECKPOINT_KEY = "sync_checkpoint"
"""sync_state key: where the sync's cycle stands (its backlog: runs waiting for splits)."""


def last_sync_of(store: RunStore) -> datetime | None:
    value = store.get_state(LAST_SYNC_KEY)
    return datetime.fromisoformat(value) if value else None


def snapshot_for(
    store: RunStore,
    rules: Sequence[StreakRule],
    *,
    until: datetime | None = None,
    with_disagreements: bool = True,
) -> StatsSnapshot:
    """The clock-free snapshot for `rules`, with DuckDB doing the adding up.

    The days come summed per date and only the runs that can hold a record come back as
    rows, so a 20-year history costs a few thousand small tuples, not 8,000 Activities.
    """
    miles = store.mile_times(until=until, best=True)
    snapshot = snapshot_from_days(
        store.days(until=until),
        candidates=store.record_candidates(RACE_WINDOWS_M, until=until),
        miles=miles,
        dates=store.local_dates([m.activity_id for m in miles]),
        rules=rules,
        latest_start=store.latest_start(until=until),
        with_disagreements=with_disagreements,
        sources=store.source_counts(until=until),
    )
    return snapshot.model_copy(update={"backfill": backfill_of(store)})


def backfill_of(store: RunStore) -> Backfill:
    """How far the splits backfill is, from the sync's checkpoint: the runs in its backlog,
    and whether the first search pass has finished (until it has, runs SmashRun has are
    not even known yet). A store no sync has touched has nothing waiting."""
    checkpoint = store.get_state(CHECKPOINT_KEY)
    if not isinstance(checkpoint, dict):
        return Backfill()
    waiting = len(checkpoint.get("backlog") or ())
    first_pass_open = checkpoint.get("watermark") is None and checkpoint.get("search") is not None
    resume = store.get_state(BACKFILL_KEY)
    after = resume.get("next_sync_after") if isinstance(resume, dict) else None
    complete = waiting == 0 and not first_pass_open
    return Backfill(
        runs_waiting_for_splits=waiting,
        complete=complete,
        next_sync_after=datetime.fromisoformat(after) if after and not complete else None,
    )


def snapshot_from_store(store: RunStore, rule: StreakRule) -> StatsSnapshot:
    """What a sync materialises: `rule` and the three named rules at its minimum."""
    return snapshot_for(store, default_rules(rule))


def stats_from_store(
    store: RunStore, *, rule: StreakRule, as_of: datetime, tz: ZoneInfo
) -> StatsBody:
    """The `/stats` body from the database; only runs started by `as_of` count."""
    snapshot = snapshot_for(store, [rule], until=as_of, with_disagreements=False)
    return render_stats(snapshot, rule=rule, as_of=as_of, tz=tz, last_sync=last_sync_of(store))
