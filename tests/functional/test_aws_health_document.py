"""The health document on S3 (moto) and in a local directory: ordered by when each sync
attempt started, so a slow failure finishing late never hides a newer success, and a
document from a clock running ahead never freezes it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from fixtures.aws import BUCKET, ListSource, isolate_aws, make_bucket, s3_client
from helpers import run
from streakcore.domain.rules import StreakRule
from streakcore.ports import BlobStore, Deadline
from streakcore.storage.blob_local import LocalDirectoryBlobStore
from streakcore.storage.blob_s3 import S3BlobStore
from streakcore.storage.duckdb import DuckDBFiles
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.database import Database
from streakcore.usecases.documents import (
    Companion,
    HealthFile,
    HealthReason,
    HealthStatus,
    companion_key,
    judge_health,
    record_health,
)
from streakcore.usecases.sync import SyncReport, sync

RULE = StreakRule()
DB_KEY = "runs.duckdb"
HEALTH_KEY = companion_key(DB_KEY, Companion.HEALTH)
EARLIER = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(minutes=3)
FINISHED = LATER + timedelta(minutes=1)
"""When the attempts being recorded finished: the writer's "now"."""


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "local":
        yield LocalDirectoryBlobStore(tmp_path / "store", tmp_path / "cache")
        return
    with pytest.MonkeyPatch.context() as env:
        isolate_aws(env)
        with mock_aws():
            make_bucket()
            yield S3BlobStore(s3_client(), BUCKET, "", tmp_path / "cache")


def _health(blobs: BlobStore) -> HealthFile:
    blob = blobs.read(HEALTH_KEY)
    assert blob is not None
    return HealthFile.model_validate_json(blob.data)


def test_a_failure_that_started_before_a_recorded_success_leaves_health_healthy(
    blobs: BlobStore,
) -> None:
    # given the success of an attempt that started later
    assert record_health(blobs, DB_KEY, at=LATER, now=FINISHED, failure=None, last_sync=LATER)

    # when the earlier attempt finishes, failed
    written = record_health(
        blobs, DB_KEY, at=EARLIER, now=FINISHED, failure="SmashRunUnavailable", last_sync=None
    )

    # then the newer document stays
    assert written is False
    health = _health(blobs)
    assert health.status is HealthStatus.HEALTHY
    assert health.last_attempt == LATER


def test_a_failure_that_started_after_the_last_success_turns_health_degraded(
    blobs: BlobStore,
) -> None:
    record_health(blobs, DB_KEY, at=EARLIER, now=FINISHED, failure=None, last_sync=EARLIER)

    written = record_health(
        blobs, DB_KEY, at=LATER, now=FINISHED, failure="SmashRunAuthError", last_sync=None
    )

    assert written is True
    health = _health(blobs)
    assert health.status is HealthStatus.DEGRADED
    assert health.last_error == "SmashRunAuthError"
    assert health.last_sync == EARLIER


def test_an_unreadable_health_document_is_replaced(blobs: BlobStore) -> None:
    blobs.put(HEALTH_KEY, b"<html>not json</html>")

    assert (
        record_health(blobs, DB_KEY, at=EARLIER, now=FINISHED, failure=None, last_sync=EARLIER)
        is True
    )

    assert _health(blobs).status is HealthStatus.HEALTHY


def test_instants_read_back_from_the_document_are_written_with_a_z(blobs: BlobStore) -> None:
    record_health(blobs, DB_KEY, at=EARLIER, now=FINISHED, failure=None, last_sync=EARLIER)

    body = judge_health(_health(blobs), now=EARLIER).model_dump(mode="json")

    assert body["last_sync"] == "2026-11-26T11:00:00Z"
    assert body["last_attempt"] == "2026-11-26T11:00:00Z"


@pytest.mark.parametrize(
    ("ahead", "failure"),
    [(timedelta(hours=6), None), (timedelta(days=30), "SmashRunAuthError")],
)
def test_a_document_stamped_well_in_the_future_is_replaced_by_the_next_attempt(
    blobs: BlobStore, ahead: timedelta, failure: str | None
) -> None:
    # given a health document written by a laptop whose clock ran `ahead`
    skewed = EARLIER + ahead
    record_health(blobs, DB_KEY, at=skewed, now=skewed, failure=None, last_sync=skewed)

    # when an attempt on a correct clock finishes
    written = record_health(
        blobs, DB_KEY, at=EARLIER, now=FINISHED, failure=failure, last_sync=None
    )

    # then it replaces the document, and the future sync time is not carried over
    assert written is True
    health = _health(blobs)
    assert health.last_attempt == EARLIER
    assert health.last_error == failure
    assert health.last_sync is None


def test_a_document_stamped_slightly_ahead_still_wins_over_an_earlier_attempt(
    blobs: BlobStore,
) -> None:
    # given a success from a writer whose clock runs a couple of minutes ahead of ours
    ahead = FINISHED + timedelta(minutes=2)
    record_health(blobs, DB_KEY, at=ahead, now=ahead, failure=None, last_sync=ahead)

    # when our earlier attempt finishes, failed
    written = record_health(
        blobs, DB_KEY, at=EARLIER, now=FINISHED, failure="SmashRunUnavailable", last_sync=None
    )

    # then ordinary skew is tolerated: the other writer's newer document stays
    assert written is False
    assert _health(blobs).last_attempt == ahead
    assert _health(blobs).status is HealthStatus.HEALTHY


def test_a_database_sync_replaces_health_frozen_by_a_clock_running_ahead(
    tmp_path: Path,
) -> None:
    # given a health document stamped a day ahead, on a synced database
    store = LocalDirectoryBlobStore(tmp_path / "store", tmp_path / "cache")
    tomorrow = LATER + timedelta(days=1)
    record_health(store, DB_KEY, at=tomorrow, now=tomorrow, failure="SyncFailed", last_sync=None)
    database = Database(store, DB_KEY, tmp_path / "work", clock=lambda: LATER, stores=DuckDBFiles())
    source = ListSource([run(date(2026, 11, 25), 2.0, activity_id="a-1")])

    # when a sync on a correct clock succeeds
    database.sync(
        lambda s: sync(source, s, deadline=Deadline(60), clock=lambda: LATER), snapshot_rule=RULE
    )

    # then health says so
    health = database.health()
    assert health is not None
    assert health.status is HealthStatus.HEALTHY
    assert health.last_attempt == LATER


@pytest.mark.parametrize(
    ("status", "age", "expected", "reason"),
    [
        (HealthStatus.HEALTHY, timedelta(hours=26), HealthStatus.HEALTHY, None),
        (HealthStatus.HEALTHY, timedelta(hours=26, seconds=1), HealthStatus.DEGRADED, "stale"),
        (HealthStatus.DEGRADED, timedelta(hours=1), HealthStatus.DEGRADED, "sync_failed"),
        (HealthStatus.DEGRADED, timedelta(days=3), HealthStatus.DEGRADED, "sync_failed"),
    ],
)
def test_health_is_judged_at_the_instant_asked(
    status: HealthStatus,
    age: timedelta,
    expected: HealthStatus,
    reason: str | None,
) -> None:
    document = HealthFile(status=status, last_sync=EARLIER, last_attempt=EARLIER)

    report = judge_health(document, now=EARLIER + age)

    assert report.status is expected
    assert report.reason == (HealthReason(reason) if reason else None)


def test_a_slow_failed_sync_finishing_after_a_newer_success_leaves_health_healthy(
    tmp_path: Path,
) -> None:
    # given two syncs of one database: the slow one starts first and fails, but only
    # after the other, started later, has succeeded
    store = LocalDirectoryBlobStore(tmp_path / "store", tmp_path / "cache")
    slow = Database(
        store, "runs.duckdb", tmp_path / "slow", clock=lambda: EARLIER, stores=DuckDBFiles()
    )
    fast = Database(
        store, "runs.duckdb", tmp_path / "fast", clock=lambda: LATER, stores=DuckDBFiles()
    )
    source = ListSource([run(date(2026, 11, 25), 2.0, activity_id="a-1")])

    def fast_sync(store: DuckDBRunStore) -> SyncReport:
        return sync(source, store, deadline=Deadline(60), clock=lambda: LATER)

    def slow_step(_: DuckDBRunStore) -> SyncReport:
        fast.sync(fast_sync, snapshot_rule=RULE)
        raise TimeoutError("SmashRun stopped answering")

    # when the slow one gives up
    with pytest.raises(TimeoutError):
        slow.sync(slow_step, snapshot_rule=RULE)

    # then health describes the newer, successful attempt
    health = slow.health()
    assert health is not None
    assert health.status is HealthStatus.HEALTHY
    assert health.last_attempt == LATER
