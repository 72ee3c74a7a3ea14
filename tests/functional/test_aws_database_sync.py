"""The sync path against one DuckDB object on S3 (moto): no lost update under concurrent
syncs, and a crash at any step leaves the old or the new database, never a broken one."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ConnectionClosedError
from moto import mock_aws

from fixtures.aws import (
    BUCKET,
    ListSource,
    S3Traffic,
    atomic_moto_puts,
    isolate_aws,
    make_bucket,
    s3_client,
    s3_object_bytes,
    versions_of,
)
from helpers import run
from streakcore.domain.models import Activity
from streakcore.domain.rules import StreakRule
from streakcore.errors import BlobStoreError, StoreConflict
from streakcore.ports import ActivitySource, Blob, BlobStore, Deadline, LocalCopy, RunStore
from streakcore.storage.blob_local import LocalDirectoryBlobStore
from streakcore.storage.blob_s3 import S3BlobStore
from streakcore.storage.duckdb import DuckDBFiles
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.database import Database, Published
from streakcore.usecases.documents import HealthStatus
from streakcore.usecases.sync import SyncReport, sync

RULE = StreakRule()
WRITERS = 4
TRIALS = int(os.environ.get("STREAK_CONCURRENCY_TRIALS", "5"))
"""Each trial races four syncs; raise it to hunt rarer interleavings."""


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolate_aws(monkeypatch)
    with mock_aws():
        make_bucket()
        yield


def _runs(tag: str, first_day: date, count: int) -> list[Activity]:
    return [run(first_day + timedelta(days=i), 2.0, activity_id=f"{tag}-{i}") for i in range(count)]


def _step(source: ActivitySource) -> Callable[[RunStore], SyncReport]:
    def step(store: RunStore) -> SyncReport:
        return sync(source, store, deadline=Deadline(60), clock=lambda: datetime.now(UTC))

    return step


def _container(root: Path, blobs: BlobStore | None = None) -> Database:
    """A database as one Lambda container sees it: its own client, cache and /tmp."""
    store = blobs or S3BlobStore(s3_client(), BUCKET, "", root / "cache")
    return Database(store, "runs.duckdb", root / "work", sleep=lambda _: None, stores=DuckDBFiles())


def _published(database: Database) -> Published:
    assert database.last_published is not None, "the sync uploaded a version"
    return database.last_published


def _stored_ids(tmp_path: Path) -> set[str]:
    """The live runs of the database now on S3, read from a fresh download."""
    path = tmp_path / f"check-{threading.get_ident()}-{datetime.now().timestamp()}.duckdb"
    path.write_bytes(s3_object_bytes("runs.duckdb"))
    try:
        with DuckDBRunStore.open(path, read_only=True) as store:
            return store.live_ids()
    finally:
        path.unlink()


# -- no lost update -----------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_four_concurrent_syncs_keep_every_run_of_every_sync(tmp_path: Path) -> None:
    expected: set[str] = set()
    with atomic_moto_puts():
        for trial in range(TRIALS):
            # given four containers whose syncs each bring different runs, all starting
            # from the same version of the database (the first trial: an empty bucket)
            barrier = threading.Barrier(WRITERS, timeout=30)
            sources = [
                ListSource(
                    _runs(f"t{trial}w{w}", date(2024, 1, 1) + timedelta(days=7 * w), 5),
                    before_first_search=barrier.wait,
                )
                for w in range(WRITERS)
            ]
            containers = [_container(tmp_path / f"t{trial}" / f"c{w}") for w in range(WRITERS)]

            # when they sync at the same time
            with ThreadPoolExecutor(WRITERS) as pool:
                futures = [
                    pool.submit(c.sync, _step(s), snapshot_rule=RULE)
                    for c, s in zip(containers, sources, strict=True)
                ]
                outcomes = [f.result() for f in futures]

            # then every run of every sync is in the final database
            expected |= {f"t{trial}w{w}-{i}" for w in range(WRITERS) for i in range(5)}
            assert _stored_ids(tmp_path) == expected, f"runs lost in trial {trial}"
            # and the race really happened: all but one writer had to start again
            assert sum(o.attempts for o in outcomes) >= 2 * WRITERS - 1
            generations = [_published(c).generation for c in containers]
            assert sorted(generations) == sorted(set(generations))


def test_four_concurrent_syncs_into_a_local_directory_keep_every_run(tmp_path: Path) -> None:
    # given four local processes' worth of syncs on one directory (what streak-api uses)
    barrier = threading.Barrier(WRITERS, timeout=30)
    data = tmp_path / "data"
    containers = [
        Database(
            LocalDirectoryBlobStore(data, tmp_path / f"cache{w}"),
            "runs.duckdb",
            tmp_path / f"work{w}",
            sleep=lambda _: None,
            stores=DuckDBFiles(),
        )
        for w in range(WRITERS)
    ]
    sources = [
        ListSource(_runs(f"w{w}", date(2024, 1, 1), 4), before_first_search=barrier.wait)
        for w in range(WRITERS)
    ]

    # when they sync at once
    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [
            pool.submit(c.sync, _step(s), snapshot_rule=RULE)
            for c, s in zip(containers, sources, strict=True)
        ]
        attempts = sum(f.result().attempts for f in futures)

    # then none of their runs is lost
    with DuckDBRunStore.open(data / "runs.duckdb", read_only=True) as store:
        assert store.live_ids() == {f"w{w}-{i}" for w in range(WRITERS) for i in range(4)}
    assert attempts >= 2 * WRITERS - 1


@pytest.mark.usefixtures("aws")
def test_stats_file_ends_at_the_latest_database_after_a_race(tmp_path: Path) -> None:
    # given four syncs racing as above
    barrier = threading.Barrier(WRITERS, timeout=30)
    containers = [_container(tmp_path / f"c{w}") for w in range(WRITERS)]
    with atomic_moto_puts(), ThreadPoolExecutor(WRITERS) as pool:
        list(
            pool.map(
                lambda w: containers[w].sync(
                    _step(
                        ListSource(
                            _runs(f"w{w}", date(2024, 3, 1), 3), before_first_search=barrier.wait
                        )
                    ),
                    snapshot_rule=RULE,
                ),
                range(WRITERS),
            )
        )

    # when a reader looks at the stats document
    reader = _container(tmp_path / "reader")
    stats_file = reader.stats_file()

    # then it describes the last database written, with every run in it
    last = max((_published(c) for c in containers), key=lambda p: p.generation)
    assert stats_file is not None
    assert stats_file.generation == last.generation
    assert stats_file.db_etag == last.db_etag
    assert stats_file.snapshot.totals.runs == 3 * WRITERS


# -- first run, backup, companions ----------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_a_first_sync_into_an_empty_bucket_writes_the_database_and_its_companions(
    tmp_path: Path,
) -> None:
    # given an empty bucket
    database = _container(tmp_path)

    # when the first sync runs
    outcome = database.sync(_step(ListSource(_runs("a", date(2024, 5, 1), 3))), snapshot_rule=RULE)

    # then the database and its stats, sync-state and health documents are there
    assert outcome.status == "success"
    assert outcome.attempts == 1
    assert _stored_ids(tmp_path) == {"a-0", "a-1", "a-2"}
    stats_file = database.stats_file()
    state = database.sync_state()
    health = database.health()
    assert stats_file is not None
    assert stats_file.snapshot.totals.runs == 3
    assert state is not None
    assert state.report["runs_synced"] == 3
    assert health is not None
    assert health.status is HealthStatus.HEALTHY
    assert health.last_sync == stats_file.last_sync


@pytest.mark.usefixtures("aws")
def test_each_sync_keeps_the_version_it_replaced_as_the_backup(tmp_path: Path) -> None:
    # given a database written by a first sync
    database = _container(tmp_path)
    database.sync(_step(ListSource(_runs("a", date(2024, 5, 1), 2))), snapshot_rule=RULE)
    before = s3_object_bytes("runs.duckdb")

    # when a second sync replaces it
    database.sync(_step(ListSource(_runs("b", date(2024, 6, 1), 2))), snapshot_rule=RULE)

    # then the backup holds the first version, and the versioned bucket keeps both
    assert s3_object_bytes("runs.duckdb.backup") == before
    assert s3_object_bytes("runs.duckdb") != before
    assert len(versions_of("runs.duckdb")) == 2


# -- crashes ----------------------------------------------------------------------------------


class CrashingBlobs:
    """The S3 blob store with one call that dies, as a process killed at that step would."""

    def __init__(self, inner: BlobStore, method: str, key: str) -> None:
        self._inner = inner
        self._method = method
        self._key = key

    def _maybe_crash(self, method: str, key: str) -> None:
        if (method, key) == (self._method, self._key):
            raise SystemExit(f"killed during {method} {key}")

    def fetch(self, key: str) -> LocalCopy | None:
        self._maybe_crash("fetch", key)
        return self._inner.fetch(key)

    def read(self, key: str) -> Blob | None:
        self._maybe_crash("read", key)
        return self._inner.read(key)

    def replace(self, key: str, data: Path | bytes, *, expected: str | None) -> str:
        self._maybe_crash("replace", key)
        return self._inner.replace(key, data, expected=expected)

    def put(self, key: str, data: bytes) -> str:
        self._maybe_crash("put", key)
        return self._inner.put(key, data)

    def copy(self, source_key: str, target_key: str, *, expected: str) -> None:
        self._maybe_crash("copy", target_key)
        self._inner.copy(source_key, target_key, expected=expected)


def _die(*_: Any) -> None:
    raise SystemExit("killed mid-merge")


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    ("step", "database_after"),
    [
        ("download", "old"),
        ("merge", "old"),
        ("backup", "old"),
        ("upload", "old"),
        ("publish stats", "new"),
    ],
)
def test_a_crash_at_any_step_leaves_the_old_or_the_new_database_and_the_next_sync_completes(
    tmp_path: Path, step: str, database_after: str
) -> None:
    # given a database holding runs A
    old_runs = _runs("a", date(2024, 1, 1), 3)
    _container(tmp_path / "first").sync(_step(ListSource(old_runs)), snapshot_rule=RULE)
    old_ids = {r.activity_id for r in old_runs}
    new_runs = _runs("b", date(2024, 2, 1), 3)
    new_ids = old_ids | {r.activity_id for r in new_runs}

    # when a sync bringing runs B dies at `step`
    s3 = S3BlobStore(s3_client(), BUCKET, "", tmp_path / "crashing" / "cache")
    blobs: BlobStore = s3
    source = ListSource(new_runs)
    if step == "download":
        blobs = CrashingBlobs(s3, "fetch", "runs.duckdb")
    elif step == "merge":
        source = ListSource(new_runs, before_first_search=_die)
    elif step == "backup":
        blobs = CrashingBlobs(s3, "copy", "runs.duckdb.backup")
    elif step == "publish stats":
        blobs = CrashingBlobs(s3, "replace", "runs.duckdb.stats.json")
    else:
        _cut_uploads_of(s3, "runs.duckdb")
    with pytest.raises((SystemExit, BlobStoreError)):
        _container(tmp_path / "crashing", blobs).sync(_step(source), snapshot_rule=RULE)

    # then S3 holds a whole database: the old one or the new one
    assert _stored_ids(tmp_path) == (old_ids if database_after == "old" else new_ids)

    # and the next sync completes with every run, and the stats document catches up
    retry = _container(tmp_path / "retry")
    outcome = retry.sync(_step(ListSource(new_runs)), snapshot_rule=RULE)
    assert outcome.status == "success"
    assert _stored_ids(tmp_path) == new_ids
    stats_file = retry.stats_file()
    assert stats_file is not None
    assert stats_file.snapshot.totals.runs == len(new_ids)


def _cut_uploads_of(store: S3BlobStore, key: str) -> None:
    """Drop the connection while the database's PUT is being sent."""

    def cut(params: dict[str, Any], **_: Any) -> None:
        if str(params.get("url_path", "")).endswith(f"/{key}"):
            raise ConnectionClosedError(endpoint_url="https://s3.amazonaws.com")

    store._s3.meta.events.register("before-call.s3.PutObject", cut)


@pytest.mark.usefixtures("aws")
def test_a_failed_sync_marks_health_degraded_and_keeps_the_last_good_sync(
    tmp_path: Path,
) -> None:
    # given a healthy database
    database = _container(tmp_path)
    database.sync(_step(ListSource(_runs("a", date(2024, 1, 1), 2))), snapshot_rule=RULE)
    good = database.health()
    assert good is not None

    # when the next sync fails unexpectedly
    def fail() -> None:
        raise RuntimeError("SmashRun sent something nobody expected")

    with pytest.raises(RuntimeError):
        database.sync(
            _step(ListSource(_runs("b", date(2024, 2, 1), 1), before_first_search=fail)),
            snapshot_rule=RULE,
        )

    # then /health's document says degraded, with the previous successful sync time
    health = database.health()
    assert health is not None
    assert health.status is HealthStatus.DEGRADED
    assert health.last_error == "RuntimeError"
    assert health.last_sync == good.last_sync


@pytest.mark.usefixtures("aws")
def test_a_writer_that_keeps_losing_gives_up_with_a_conflict_after_its_attempts(
    tmp_path: Path,
) -> None:
    # given a database that another writer replaces while each attempt of ours runs
    _container(tmp_path / "first").sync(
        _step(ListSource(_runs("a", date(2024, 1, 1), 1))), snapshot_rule=RULE
    )
    rival = _container(tmp_path / "rival")
    rival_runs = iter(_runs("rival", date(2024, 3, 1), 10))

    def rival_writes() -> None:
        rival.sync(_step(ListSource([next(rival_runs)])), snapshot_rule=RULE)

    class AlwaysRaced(ListSource):
        def search(self, from_date: datetime | None, page: int) -> Any:
            rival_writes()
            return super().search(from_date, page)

    database = Database(
        S3BlobStore(s3_client(), BUCKET, "", tmp_path / "me"),
        "runs.duckdb",
        tmp_path / "work",
        max_attempts=3,
        sleep=lambda _: None,
        stores=DuckDBFiles(),
    )

    # when / then
    with pytest.raises(StoreConflict, match="3 attempts"):
        database.sync(_step(AlwaysRaced(_runs("b", date(2024, 2, 1), 1))), snapshot_rule=RULE)
    stored = _stored_ids(tmp_path)
    assert "b-0" not in stored
    assert {"rival-0", "rival-1", "rival-2"} <= stored


@pytest.mark.usefixtures("aws")
def test_the_sync_downloads_nothing_when_this_container_wrote_the_latest_version(
    tmp_path: Path,
) -> None:
    # given a container that wrote the current database
    traffic = S3Traffic()
    blobs = S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "cache")
    database = Database(blobs, "runs.duckdb", tmp_path / "work", stores=DuckDBFiles())
    database.sync(_step(ListSource(_runs("a", date(2024, 1, 1), 2))), snapshot_rule=RULE)
    traffic.reset()

    # when it syncs again
    database.sync(_step(ListSource(_runs("a", date(2024, 1, 1), 2))), snapshot_rule=RULE)

    # then its conditional GET found the cached copy current
    assert traffic.count("GetObject", "runs.duckdb", status=304) == 1
    assert "runs.duckdb" not in traffic.bytes_received


@pytest.mark.usefixtures("aws")
def test_a_sync_after_restoring_an_older_version_publishes_fresh_stats(tmp_path: Path) -> None:
    # given three syncs, then the first version restored on top (the runbook's restore)
    database = _container(tmp_path)
    database.sync(_step(ListSource(_runs("a", date(2024, 5, 1), 2))), snapshot_rule=RULE)
    first = s3_object_bytes("runs.duckdb")
    for tag, month in (("b", 6), ("c", 7)):
        database.sync(_step(ListSource(_runs(tag, date(2024, month, 1), 2))), snapshot_rule=RULE)
    s3_client().put_object(Bucket=BUCKET, Key="runs.duckdb", Body=first)
    published = database.stats_file()
    assert published is not None

    # when the next sync runs on the restored database
    database.sync(_step(ListSource(_runs("d", date(2024, 8, 1), 1))), snapshot_rule=RULE)

    # then the stats document describes the restored database plus the new run, not the old one
    stats_file = database.stats_file()
    state = database.sync_state()
    assert stats_file is not None
    assert state is not None
    assert state.generation > published.generation
    assert stats_file.generation == state.generation
    assert stats_file.snapshot.totals.runs == 3
