"""A bad day at SmashRun, at every step of the sync, loses nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb
import httpx
import pytest

from fixtures.smashrun_sync import SyncRig, rig, table
from streakcore.errors import SmashRunUnavailable, StoreError
from streakcore.ports import Batch, Deadline, StoredActivity
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import RetryPolicy, StaticToken, build_http
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete
from streakcore.usecases.sync import SyncStatus
from streakcore.usecases.sync.base import CHECKPOINT_KEY

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SEARCH = "/my/activities/search"
IDS = "/my/activities/search/ids"
SPLITS = "/my/activities/*/splits/*"


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


@pytest.fixture(scope="module")
def clean(athlete: Athlete) -> dict[str, list[tuple[Any, ...]]]:
    """What a sync on a good day stores: every fault case must end up exactly here."""
    with rig(athlete) as r:
        assert r.sync().status is SyncStatus.SUCCESS
        return {name: table(r.store, name) for name in ("activities", "splits")}


def stop_after_first_page(r: SyncRig) -> None:
    r.sync(budget_s=0)


def synced_once(r: SyncRig) -> None:
    """A store that holds runs: the next sync sweeps (a first one into an empty store does
    not, as nothing in it can have been deleted)."""
    r.sync()


Setup = Callable[[SyncRig], None]


@pytest.mark.parametrize(
    ("before", "pattern", "fault", "times"),
    [
        pytest.param(None, SEARCH, 503, 4, id="search-down"),
        pytest.param(stop_after_first_page, SEARCH, 500, 4, id="search-down-on-page-2"),
        pytest.param(None, SEARCH, "malformed", 4, id="search-malformed"),
        pytest.param(None, SEARCH, "error_body", 4, id="search-error-body"),
        pytest.param(None, SPLITS, 503, 40, id="splits-down"),
        pytest.param(None, SPLITS, "malformed", 40, id="splits-malformed"),
        pytest.param(None, SPLITS, "error_body", 40, id="splits-error-body"),
        pytest.param(None, SPLITS, 429, 1, id="splits-rate-limited"),
        # The sweep asks its pages together: enough faults for every attempt of each.
        pytest.param(synced_once, IDS, 502, 8, id="sweep-down"),
        pytest.param(synced_once, IDS, "malformed", 8, id="sweep-malformed"),
    ],
)
def test_a_fault_stops_the_sync_and_the_next_one_ends_exactly_like_a_good_day(
    athlete: Athlete,
    clean: dict[str, list[tuple[Any, ...]]],
    before: Setup | None,
    pattern: str,
    fault: int | str,
    times: int,
) -> None:
    with rig(athlete) as r:
        if before is not None:
            before(r)
        # given SmashRun misbehaving for longer than our retries last
        r.fake.inject(pattern, fault, times=times)  # type: ignore[arg-type]
        # when a sync runs into it
        hit = r.sync()
        # then it says so, and does not claim success
        assert hit.status in (SyncStatus.PARTIAL, SyncStatus.FAILED)
        assert hit.error is not None
        assert r.store.get_state("last_sync_attempt")["status"] == hit.status.value
        # and once SmashRun is well again, the next syncs finish the job
        r.fake.clear_faults()
        for _ in range(3):
            if r.sync().status is SyncStatus.SUCCESS:
                break
        assert r.reports[-1].status is SyncStatus.SUCCESS
        assert table(r.store, "activities") == clean["activities"]
        assert table(r.store, "splits") == clean["splits"]
        assert r.store.count("quarantine") == 0


def test_a_fault_that_clears_within_the_retries_costs_requests_but_not_the_sync(
    athlete: Athlete, clean: dict[str, list[tuple[Any, ...]]]
) -> None:
    with rig(athlete) as r:
        r.fake.inject(SEARCH, 503, times=1)
        r.fake.inject(SPLITS, "malformed", times=2)
        report = r.sync()
        assert report.status is SyncStatus.SUCCESS
        assert table(r.store, "splits") == clean["splits"]
        assert report.requests == len(r.fake.requests)
        # and the sweep of the next sync (a store that holds runs) likewise
        r.fake.inject(IDS, "error_body", times=1)
        asked = len(r.fake.requests)
        again = r.sync()
        assert again.status is SyncStatus.SUCCESS
        assert again.requests == len(r.fake.requests) - asked
        assert r.fake.pending_faults() == 0


def test_a_request_that_hangs_is_timed_out_and_retried(
    athlete: Athlete, clean: dict[str, list[tuple[Any, ...]]]
) -> None:
    with rig(athlete) as r:
        r.fake.inject(SPLITS, "slow", times=2, slow_s=2.0)
        report = r.sync(timeout=httpx.Timeout(0.3))
        assert report.status is SyncStatus.SUCCESS
        assert table(r.store, "splits") == clean["splits"]


def test_splits_that_fail_validation_are_quarantined_and_the_run_kept(athlete: Athlete) -> None:
    run = next(run for run in athlete.runs if len(run.splits_mi) > 1)
    backwards = list(reversed(run.splits_mi))
    others = [other for other in athlete.runs if other is not run]
    with rig(others, clock=lambda: NOW) as r:
        r.fake.add_activity(run.activity, backwards, run.splits_km, uploaded_at=run.uploaded_at)
        report = r.sync()
        assert report.status is SyncStatus.SUCCESS
        assert report.quarantined == 1
        assert str(run.activity_id) in r.store.live_ids()
        assert r.store.splits([str(run.activity_id)]) == []
        [row] = r.store.quarantined()
        assert row["activity_id"] == str(run.activity_id)
        assert "backwards" in row["reason"]


class FailingStore(DuckDBRunStore):
    """A store whose disk gives out in the middle of one batch's splits."""

    fail_on_batch = 0
    before_failure: dict[str, Any] | None = None

    def apply(self, batch: Batch, *, now: datetime | None = None) -> None:
        with_splits = [a for a in batch.activities if a.splits]
        self.fail_on_batch -= 1 if with_splits else 0
        if with_splits and self.fail_on_batch == 0:
            self.before_failure = {
                "activities": table(self, "activities"),
                "splits": table(self, "splits"),
                "checkpoint": self.get_state(CHECKPOINT_KEY),
            }
        super().apply(batch, now=now)

    def _replace_splits(self, rows: list[StoredActivity]) -> None:  # type: ignore[override]
        super()._replace_splits(rows)
        if rows and self.fail_on_batch == 0:
            # Half the batch is written when the disk gives out; it recovers afterwards.
            self.fail_on_batch = -1
            raise duckdb.IOException("disk full")


def test_a_batch_that_fails_to_write_leaves_the_database_as_it_was(
    athlete: Athlete, clean: dict[str, list[tuple[Any, ...]]]
) -> None:
    with rig(athlete) as r:
        # given a store that will fail while writing the second batch of splits
        store = FailingStore(duckdb.connect(":memory:"), None, read_only=False)
        store._migrate()
        store.fail_on_batch = 2
        r.store = store
        # when the sync reaches it
        with pytest.raises(StoreError, match="disk full"):
            r.sync(batch_size=20, concurrency=1)
        # then nothing of that batch was written, not even its checkpoint
        assert store.before_failure is not None
        assert table(store, "activities") == store.before_failure["activities"]
        assert table(store, "splits") == store.before_failure["splits"]
        assert store.get_state(CHECKPOINT_KEY) == store.before_failure["checkpoint"]
        assert store.get_state("last_sync_attempt")["status"] == "failed"
        # and the next sync, on a healthy disk, completes it
        assert r.sync().status is SyncStatus.SUCCESS
        assert table(store, "splits") == clean["splits"]


def test_a_slow_smashrun_is_given_up_on_when_the_deadline_runs_out() -> None:
    # given a fake SmashRun whose search hangs for 5 s, and a deadline of 1 s
    with FakeSmashRun() as fake:
        fake.inject("/my/activities/search", "slow", times=4, slow_s=5.0)
        http = build_http(
            fake.base_url, StaticToken(fake.access_token), deadline=Deadline(1.0),
            retry=RetryPolicy(sleep=lambda _: None),
        )  # fmt: skip
        # when the client asks, then it gives up with the project's error after one attempt
        with SmashRunClient(http) as client, pytest.raises(SmashRunUnavailable, match="timed out"):
            client.search(None)
        assert client.requests_made == 1
