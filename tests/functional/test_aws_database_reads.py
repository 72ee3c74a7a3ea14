"""The read side of the database shell on S3 (moto): `/stats` from the stats document
(`runs.duckdb.stats.json`) when it can answer, from a cached read-only copy when it
cannot, and never a write."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import duckdb
import pytest
from moto import mock_aws

from fixtures.aws import BUCKET, REGION, ListSource, S3Traffic, isolate_aws, make_bucket, s3_client
from helpers import run
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.errors import ConfigError, StoreNotFound
from streakcore.ports import Deadline
from streakcore.storage.blob_readonly import ReadOnlyBlobStore
from streakcore.storage.blob_s3 import S3BlobStore
from streakcore.storage.duckdb import DuckDBFiles
from streakcore.usecases.database import Database, parse_db_location
from streakcore.usecases.sync import sync

HOME = ZoneInfo("America/New_York")
RULE = StreakRule()
RUNS = [run(date(2024, 3, 1) + timedelta(days=i), 2.0, activity_id=f"r{i}") for i in range(10)]
AFTER_LAST_RUN = datetime(2024, 3, 10, 21, 0, tzinfo=HOME)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolate_aws(monkeypatch)
    with mock_aws():
        make_bucket()
        yield


@pytest.fixture
def synced(aws: None, tmp_path: Path) -> None:
    writer = Database(
        S3BlobStore(s3_client(), BUCKET, "", tmp_path / "w"),
        "runs.duckdb",
        tmp_path,
        stores=DuckDBFiles(),
    )
    writer.sync(
        lambda store: sync(
            ListSource(RUNS), store, deadline=Deadline(60), clock=lambda: datetime.now(UTC)
        ),
        snapshot_rule=RULE,
    )


def _reader(tmp_path: Path, traffic: S3Traffic) -> Database:
    blobs = ReadOnlyBlobStore(S3BlobStore(s3_client(traffic), BUCKET, "", tmp_path / "reader"))
    return Database(blobs, "runs.duckdb", tmp_path / "reader-work", stores=DuckDBFiles())


@pytest.mark.usefixtures("synced")
def test_stats_the_snapshot_can_answer_never_touch_the_database(tmp_path: Path) -> None:
    traffic = S3Traffic()
    reader = _reader(tmp_path, traffic)

    body = reader.stats(rule=RULE, as_of=AFTER_LAST_RUN, tz=HOME)

    assert body.current_streak.days == 10
    assert body.current_streak.status == "done_today"
    assert traffic.count("GetObject", "runs.duckdb") == 0


@pytest.mark.usefixtures("synced")
def test_a_rule_the_snapshot_lacks_is_answered_from_the_database(tmp_path: Path) -> None:
    # given a minimum the sync did not materialise (it keeps the configured one)
    traffic = S3Traffic()
    reader = _reader(tmp_path, traffic)
    three_miles = StreakRule(name=RuleName.USRSA, min_distance_m=3 * 1609.344)

    # when asked
    body = reader.stats(rule=three_miles, as_of=AFTER_LAST_RUN, tz=HOME)

    # then the database answered: no day of 2 miles reaches 3
    assert body.current_streak.days == 0
    assert traffic.bytes_received["runs.duckdb"] > 0


@pytest.mark.usefixtures("synced")
def test_a_question_about_the_past_counts_only_the_runs_started_by_then(tmp_path: Path) -> None:
    reader = _reader(tmp_path, S3Traffic())

    body = reader.stats(rule=RULE, as_of=datetime(2024, 3, 5, 12, 0, tzinfo=HOME), tz=HOME)

    assert body.totals.runs == 5
    assert body.current_streak.last_day == date(2024, 3, 5)


@pytest.mark.usefixtures("aws")
def test_reading_an_empty_bucket_says_to_sync_first(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="run a sync"):
        _reader(tmp_path, S3Traffic()).stats(rule=RULE, as_of=AFTER_LAST_RUN, tz=HOME)


@pytest.mark.usefixtures("synced")
def test_an_unreadable_stats_file_is_ignored_and_the_database_answers(tmp_path: Path) -> None:
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=BUCKET, Key="runs.duckdb.stats.json", Body=b'{"generation": "torn'
    )

    body = _reader(tmp_path, S3Traffic()).stats(rule=RULE, as_of=AFTER_LAST_RUN, tz=HOME)

    assert body.totals.runs == 10


@pytest.mark.usefixtures("aws")
def test_a_database_with_an_older_schema_is_read_through_an_upgraded_private_copy(
    tmp_path: Path,
) -> None:
    # given a DuckDB file from before the first migration, and no stats document
    old = tmp_path / "old.duckdb"
    duckdb.connect(str(old)).close()
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=BUCKET, Key="runs.duckdb", Body=old.read_bytes()
    )
    before = boto3.client("s3", region_name=REGION).head_object(Bucket=BUCKET, Key="runs.duckdb")

    # when /stats reads it
    body = _reader(tmp_path, S3Traffic()).stats(rule=RULE, as_of=AFTER_LAST_RUN, tz=HOME)

    # then it answers (nothing synced yet) and the stored object is untouched
    after = boto3.client("s3", region_name=REGION).head_object(Bucket=BUCKET, Key="runs.duckdb")
    assert body.totals.runs == 0
    assert after["ETag"] == before["ETag"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("s3://my-bucket/runs.duckdb", ("my-bucket", "", "runs.duckdb")),
        ("s3://my-bucket/athletes/sam/runs.duckdb", ("my-bucket", "athletes/sam", "runs.duckdb")),
        ("./data/runs.duckdb", (None, "", "runs.duckdb")),
    ],
)
def test_streak_db_names_a_local_file_or_an_s3_object(
    text: str, where: tuple[str | None, str, str]
) -> None:
    location = parse_db_location(text)
    assert (location.bucket, location.prefix, location.key) == where
    assert location.is_s3 is (where[0] is not None)


@pytest.mark.parametrize(
    "text", ["s3://", "s3://bucket-only", "s3://bucket/", "gs://b/runs.duckdb"]
)
def test_an_unusable_streak_db_is_a_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match="STREAK_DB"):
        parse_db_location(text)
