"""A write-ahead log left beside the database by a writer killed mid-write (`streak demo`,
a notebook, the duckdb shell): whatever copies the file first folds the log into it, so
nothing committed is lost and no log is left that no longer matches its file."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from moto import mock_aws

from fixtures.aws import BUCKET, REGION, isolate_aws, live_activity_ids, make_bucket
from fixtures.other_processes import (
    held_open_for_writing,
    sync_in_place_then_die,
    wal_of,
    write_then_die,
)
from helpers import daily_runs
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun

DB_NAME = "runs.duckdb"


def payload(activity_id: int, day: str) -> dict[str, Any]:
    """A run as `/my/activities/search` lists it (distance in km)."""
    return {
        "activityId": activity_id,
        "startDateTimeLocal": f"{day}T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
    }


FIRST_RUNS = {str(1001 + i) for i in range(5)}


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    runs = [payload(1001 + i, f"2026-11-{10 + i:02d}") for i in range(5)]
    with FakeSmashRun(runs) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


@pytest.fixture
def db_with_a_leftover_wal(fake: FakeSmashRun, tmp_path: Path) -> Path:
    """A database whose every committed write lives only in the log beside it."""
    db = tmp_path / "data" / DB_NAME
    db.parent.mkdir()
    assert sync_in_place_then_die(db) == "success 5"
    assert wal_of(db).stat().st_size > 0
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, Any, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out else None, captured.err


def test_sync_keeps_runs_that_lived_only_in_a_leftover_wal(
    db_with_a_leftover_wal: Path, fake: FakeSmashRun, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a run uploaded since the killed writer's sync
    db = db_with_a_leftover_wal
    new = str(fake.add_activity(payload(2001, "2026-11-20")))

    # when the database is synced
    code, body, err = run_json(["sync", "--db", str(db)], capsys)

    # then the sync carried on from what the log held (it fetched only the new run)
    assert (code, body["status"], body["runs_synced"]) == (0, "success", 1), err
    assert live_activity_ids(db) == {*FIRST_RUNS, new}
    # and no log is left beside the file
    assert not wal_of(db).exists()
    # and the next stats read all of it
    code, stats, err = run_json(["stats", "--db", str(db)], capsys)
    assert (code, stats["totals"]["runs"]) == (0, 6), err


def test_the_backup_a_sync_keeps_holds_what_lived_in_the_leftover_wal(
    db_with_a_leftover_wal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when the database is synced
    db = db_with_a_leftover_wal
    code, _, err = run_json(["sync", "--db", str(db)], capsys)

    # then the backup of the previous version is that version whole, with no log of its own
    backup = db.with_name(f"{DB_NAME}.backup")
    assert code == 0, err
    assert live_activity_ids(backup) == FIRST_RUNS
    assert not wal_of(backup).exists()


def test_stats_reads_runs_committed_to_a_leftover_wal_and_leaves_both_files_alone(
    db_with_a_leftover_wal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    db = db_with_a_leftover_wal
    before = (digest(db), digest(wal_of(db)))

    # when
    code, stats, err = run_json(["stats", "--db", str(db)], capsys)

    # then the committed runs count, and reading changed neither file
    assert (code, stats["totals"]["runs"]) == (0, 5), err
    assert (digest(db), digest(wal_of(db))) == before


@pytest.mark.skipif(
    int(duckdb.__version__.split(".")[0]) < 2,
    reason="DuckDB before 2.0 cannot tell a log of an older version of the file from its own",
)
@pytest.mark.parametrize("command", ["sync", "stats"])
def test_a_wal_of_an_older_version_of_the_file_is_refused_with_what_to_do(
    command: str, db_with_a_leftover_wal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a log left beside a newer version of its file (what syncs before this fix made)
    db = db_with_a_leftover_wal
    wal = wal_of(db)
    alone = db.with_name("alone.duckdb")
    shutil.copyfile(db, alone)  # the file without its log, written to and put back
    DuckDBRunStore.open(alone).close()
    os.replace(alone, db)
    before = (digest(db), digest(wal))

    # when
    code = main([command, "--db", str(db)])

    # then one line names the log and says what to do, and both files are as they were
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert str(wal) in err
    assert "out of the way" in err
    assert (digest(db), digest(wal)) == before


def test_a_sync_while_another_program_has_the_file_open_for_writing_changes_nothing(
    db_with_a_leftover_wal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the log folded in, then the file held open for writing by another program
    db = db_with_a_leftover_wal
    assert main(["sync", "--db", str(db)]) == 0
    capsys.readouterr()
    before = digest(db)
    siblings = sorted(os.listdir(db.parent))

    # when a sync runs meanwhile
    with held_open_for_writing(db):
        code = main(["sync", "--db", str(db)])

    # then it fails as a job that may pass next time, and leaves the file alone
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1, err
    assert f"{db} is in use by another process" in err
    assert digest(db) == before
    assert sorted(os.listdir(db.parent)) == siblings


def test_a_cached_copy_of_an_s3_database_that_something_wrote_to_is_fetched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an s3:// database read once (so cached), then its cached copy written to in place
    isolate_aws(monkeypatch)
    seed = tmp_path / "seed.duckdb"
    with DuckDBRunStore.open(seed) as store:
        runs = daily_runs("2026-11-01", 3)
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    url = f"s3://{BUCKET}/{DB_NAME}"
    with mock_aws():
        make_bucket()
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.session.Session(region_name=REGION))
        boto3.client("s3").put_object(Bucket=BUCKET, Key=DB_NAME, Body=seed.read_bytes())
        assert run_json(["stats", "--db", url], capsys)[0] == 0
        (cached,) = (tmp_path / "cache").rglob("*.blob")
        write_then_die(cached, "UPDATE activities SET deleted_at = now()")

        # when the stats are read again
        code, stats, err = run_json(["stats", "--db", url], capsys)

    # then they are the object's, and no log is left in the cache
    assert (code, stats["totals"]["runs"]) == (0, 3), err
    assert list((tmp_path / "cache").rglob("*.wal")) == []
