"""The sync use case against the in-memory store and source: no sockets, no DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime

from in_memory_source import InMemorySource

from helpers import daily_runs
from streakcore.errors import SmashRunRateLimited
from streakcore.ports import Deadline
from streakcore.testing import InMemoryRunStore
from streakcore.usecases.stats import LAST_SYNC_KEY
from streakcore.usecases.sync import SyncErrorKind, SyncOptions, SyncReport, SyncStatus, sync

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _sync(source: InMemorySource, store: InMemoryRunStore, **options: object) -> SyncReport:
    return sync(
        source,
        store,
        deadline=Deadline(60),
        clock=lambda: NOW,
        options=SyncOptions(concurrency=1, **options),  # type: ignore[arg-type]
    )


def test_a_first_sync_stores_every_run_with_its_splits() -> None:
    # given a source with ten runs and an empty store
    source = InMemorySource(daily_runs("2026-11-01", 10))
    store = InMemoryRunStore()
    # when it syncs
    report = _sync(source, store)
    # then every run is stored once with its mile split, and the sync is fresh
    assert report.status is SyncStatus.SUCCESS
    assert report.runs_synced == 10
    assert store.live_ids() == set(source.runs)
    assert store.count("splits") == 10
    assert store.get_state(LAST_SYNC_KEY) is not None
    assert report.rate_limited is False


def test_an_edited_note_is_stored_without_asking_for_its_splits_again() -> None:
    # given a synced store
    runs = daily_runs("2026-11-01", 3)
    source = InMemorySource(runs)
    store = InMemoryRunStore()
    _sync(source, store)
    source.requests.clear()
    # when a run's notes change at the source and it syncs again
    source.runs[runs[0].activity_id] = runs[0].model_copy(update={"notes": "windy"})
    report = _sync(source, store, full=True)
    # then the edit is stored and no splits were asked for
    assert report.runs_synced == 1
    assert "splits" not in source.requests
    stored = store.activities(ids=[runs[0].activity_id])
    assert stored[0].notes == "windy"


def test_a_run_deleted_at_the_source_is_marked_deleted_after_the_sweep() -> None:
    # given a synced store
    runs = daily_runs("2026-11-01", 5)
    source = InMemorySource(runs)
    store = InMemoryRunStore()
    _sync(source, store)
    # when one run is deleted at the source and a full sync runs
    del source.runs[runs[2].activity_id]
    report = _sync(source, store, full=True)
    # then it is marked deleted, and kept out of the live runs
    assert report.deleted == 1
    assert runs[2].activity_id not in store.live_ids()
    assert store.count("activities") == 5


def test_a_rate_limit_before_any_answer_fails_the_sync_and_says_when_to_come_back() -> None:
    # given a source whose first search is rate limited for 90 s
    source = InMemorySource(daily_runs("2026-11-01", 2))
    source.fail("search", SmashRunRateLimited(90))
    store = InMemoryRunStore()
    # when it syncs
    report = _sync(source, store)
    # then nothing was synced, the report says it was rate limited and for how long
    assert report.status is SyncStatus.FAILED
    assert report.error_kind is SyncErrorKind.RATE_LIMITED
    assert report.rate_limited is True
    assert report.retry_after_s == 90
    assert store.get_state(LAST_SYNC_KEY) is None
    assert store.live_ids() == set()


def test_a_rate_limit_the_sync_carried_on_past_is_still_reported() -> None:
    # given a synced store, and a source that refuses the control request the sync makes
    # when a run's splits fail (a rate limit says nothing about the run)
    runs = daily_runs("2026-11-01", 3)
    source = InMemorySource(runs)
    store = InMemoryRunStore()
    _sync(source, store)
    source.fail("splits", SmashRunRateLimited(30))
    source.runs[runs[0].activity_id] = runs[0].model_copy(update={"distance_m": 8000.0})
    # when it syncs again
    report = _sync(source, store, full=True)
    # then the report notes the rate limit whatever else it says
    assert report.rate_limited is True
    assert report.retry_after_s == 30
