"""`health.json` on S3 (moto) and in a local directory: ordered by when each sync attempt
started, so a slow failure finishing late never hides a newer success."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from moto import mock_aws

from fixtures.aws import BUCKET, ListSource, isolate_aws, make_bucket, s3_client
from helpers import run
from streakcore.database import Database
from streakcore.domain.rules import StreakRule
from streakcore.materialised_stats import (
    HEALTH_KEY,
    HealthFile,
    HealthReason,
    HealthStatus,
    judge_health,
    record_health,
)
from streakcore.ports import Deadline
from streakcore.storage.blob import BlobStore, LocalDirectoryBlobStore
from streakcore.storage.duckdb_store import RunStore
from streakcore.storage.s3_blob import S3BlobStore
from streakcore.sync import SyncReport, sync

RULE = StreakRule()
EARLIER = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(minutes=3)


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
    assert record_health(blobs, at=LATER, failure=None, last_sync=LATER) is True

    # when the earlier attempt finishes, failed
    written = record_health(blobs, at=EARLIER, failure="SmashRunUnavailable", last_sync=None)

    # then the newer document stays
    assert written is False
    health = _health(blobs)
    assert health.status is HealthStatus.HEALTHY
    assert health.last_attempt == LATER


def test_a_failure_that_started_after_the_last_success_turns_health_degraded(
    blobs: BlobStore,
) -> None:
    record_health(blobs, at=EARLIER, failure=None, last_sync=EARLIER)

    written = record_health(blobs, at=LATER, failure="SmashRunAuthError", last_sync=None)

    assert written is True
    health = _health(blobs)
    assert health.status is HealthStatus.DEGRADED
    assert health.last_error == "SmashRunAuthError"
    assert health.last_sync == EARLIER


def test_an_unreadable_health_document_is_replaced(blobs: BlobStore) -> None:
    blobs.put(HEALTH_KEY, b"<html>not json</html>")

    assert record_health(blobs, at=EARLIER, failure=None, last_sync=EARLIER) is True

    assert _health(blobs).status is HealthStatus.HEALTHY


def test_instants_read_back_from_the_document_are_written_with_a_z(blobs: BlobStore) -> None:
    record_health(blobs, at=EARLIER, failure=None, last_sync=EARLIER)

    body = judge_health(_health(blobs), now=EARLIER).model_dump(mode="json")

    assert body["last_sync"] == "2026-11-26T11:00:00Z"
    assert body["last_attempt"] == "2026-11-26T11:00:00Z"


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
    slow = Database(store, "runs.duckdb", tmp_path / "slow", clock=lambda: EARLIER)
    fast = Database(store, "runs.duckdb", tmp_path / "fast", clock=lambda: LATER)
    source = ListSource([run(date(2026, 11, 25), 2.0, activity_id="a-1")])

    def fast_sync(store: RunStore) -> SyncReport:
        return sync(source, store, deadline=Deadline(60), clock=lambda: LATER)

    def slow_step(_: RunStore) -> SyncReport:
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
