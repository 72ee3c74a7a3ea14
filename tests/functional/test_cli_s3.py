"""The terminal with `STREAK_DB=s3://bucket/key.duckdb` (moto in-process, the fake SmashRun
over real HTTP): `streak sync` goes through the Lambda's conditional-upload path, the read
commands download (once per version) and never write, the notebook opens it too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

import streakcore
from fixtures.aws import BUCKET, REGION, S3Traffic, isolate_aws, live_activity_ids, make_bucket
from helpers import daily_runs
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage import aws_clients
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete

DB_KEY = "runs.duckdb"
S3_DB = f"s3://{BUCKET}/{DB_KEY}"
AS_OF = "2026-11-24T20:00:00-05:00"
"""The evening of the seeded database's last run: today counts, so `check` exits 0."""
WRITES = ("PutObject", "CopyObject", "DeleteObject", "DeleteObjects", "CreateMultipartUpload")


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(datetime.now(UTC))


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def cli_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    """Moto with an empty versioned bucket, and the session the CLI's clients come from (it
    builds them from `aws_clients.default_session()`)."""
    isolate_aws(monkeypatch)
    with mock_aws():
        make_bucket()
        session = boto3.session.Session(region_name=REGION)
        monkeypatch.setattr(aws_clients, "default_session", lambda: session)
        yield session


@pytest.fixture
def counted(cli_session: boto3.session.Session) -> S3Traffic:
    """Every S3 call the CLI makes."""
    watched = S3Traffic()
    watched.attach_session(cli_session)
    return watched


@pytest.fixture
def fake(athlete: Athlete, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun(athlete, clock=lambda: athlete.now) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


def aside() -> Any:
    """The test's own S3 client, on a session the CLI does not share: not counted."""
    return boto3.session.Session(region_name=REGION).client("s3")


def s3_object_bytes(key: str) -> bytes:
    return aside().get_object(Bucket=BUCKET, Key=key)["Body"].read()


def versions_of(key: str) -> list[dict[str, Any]]:
    listing = aside().list_object_versions(Bucket=BUCKET, Prefix=key)
    return [v for v in listing.get("Versions", []) if v["Key"] == key]


def every_version() -> list[tuple[str, str]]:
    listing = aside().list_object_versions(Bucket=BUCKET)
    return sorted((v["Key"], v["VersionId"]) for v in listing.get("Versions", []))


def uploaded_ids(athlete: Athlete) -> set[str]:
    return {
        str(run.activity["activityId"]) for run in athlete.runs if run.uploaded_at <= athlete.now
    }


def download(tmp_path: Path, name: str = "downloaded.duckdb") -> Path:
    """The database object as it is on S3 now, as a local file."""
    path = tmp_path / name
    path.write_bytes(s3_object_bytes(DB_KEY))
    return path


def add_runs(path: Path) -> set[str]:
    """24 daily 3-mile runs to 2026-11-24 written into the file; returns their ids."""
    runs = daily_runs("2026-11-01", 24)
    with DuckDBRunStore.open(path) as store:
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return {a.activity_id for a in runs}


def put_database(tmp_path: Path) -> None:
    """A database written locally and uploaded by hand: what the read tests start from."""
    path = tmp_path / "seed.duckdb"
    add_runs(path)
    aside().put_object(Bucket=BUCKET, Key=DB_KEY, Body=path.read_bytes())


class PutRecorder:
    """The conditions each PutObject of the database carried, in order."""

    def __init__(self) -> None:
        self.conditions: list[tuple[str | None, str | None]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        if str(params.get("url_path", "")).endswith(f"/{DB_KEY}"):
            headers = params.get("headers", {})
            self.conditions.append((headers.get("If-Match"), headers.get("If-None-Match")))


# -- syncing -------------------------------------------------------------------------------------


def test_sync_to_s3_uploads_a_database_with_every_run_and_says_where(
    counted: S3Traffic,
    fake: FakeSmashRun,
    athlete: Athlete,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    code = main(["sync", "--db", S3_DB, "--json"])
    body = json.loads(capsys.readouterr().out)
    # then the report names the object and the object holds every run SmashRun had
    assert code == 0
    assert (body["status"], body["uploaded_to"], body["attempts"]) == ("success", S3_DB, 1)
    assert body["runs_synced"] == len(uploaded_ids(athlete))
    assert live_activity_ids(download(tmp_path)) == uploaded_ids(athlete)
    # and the companions the Lambda's sync writes are there too
    health = json.loads(s3_object_bytes(f"{DB_KEY}.health.json"))
    stats = json.loads(s3_object_bytes(f"{DB_KEY}.stats.json"))
    assert health["status"] == "healthy"
    assert stats["generation"] == 1


def test_sync_to_s3_prints_the_summary_and_the_upload(
    counted: S3Traffic, fake: FakeSmashRun, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", S3_DB])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("sync success: ")
    assert out[-1] == f"uploaded to {S3_DB}"


def test_a_second_sync_replaces_the_object_only_if_it_is_still_the_one_it_read(
    cli_session: boto3.session.Session, fake: FakeSmashRun, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a recorder of the database uploads' conditions
    puts = PutRecorder()
    cli_session.events.register("before-call.s3.PutObject", puts)
    # when two syncs run
    assert main(["sync", "--db", S3_DB]) == 0
    first_etag = versions_of(DB_KEY)[0]["ETag"]
    assert main(["sync", "--db", S3_DB]) == 0
    capsys.readouterr()
    # then the first upload could only create, the second only replace the first version
    assert puts.conditions == [(None, "*"), (first_etag, None)]
    assert len(versions_of(DB_KEY)) == 2


def test_a_sync_that_loses_the_race_runs_again_on_the_winners_version(
    cli_session: boto3.session.Session,
    counted: S3Traffic,
    fake: FakeSmashRun,
    athlete: Athlete,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a database on S3, and another writer that changes it just before our upload
    assert main(["sync", "--db", S3_DB]) == 0
    capsys.readouterr()
    theirs = download(tmp_path, "theirs.duckdb")
    with DuckDBRunStore.open(theirs) as store:
        store.set_state("written_by", "the other writer")
    raced: list[bool] = []

    def replace_first(params: dict[str, Any], **_: Any) -> None:
        if str(params.get("url_path", "")).endswith(f"/{DB_KEY}") and not raced:
            raced.append(True)
            aside().put_object(Bucket=BUCKET, Key=DB_KEY, Body=theirs.read_bytes())

    cli_session.events.register("before-call.s3.PutObject", replace_first)
    # when a second sync runs
    code = main(["sync", "--db", S3_DB, "--json"])
    body = json.loads(capsys.readouterr().out)
    # then its first upload was refused and the retry went on top of the other writer's
    assert code == 0
    assert raced == [True]
    assert body["attempts"] == 2
    assert counted.count("PutObject", DB_KEY, status=412) == 1
    assert len(versions_of(DB_KEY)) == 3
    with DuckDBRunStore.open(download(tmp_path), read_only=True) as store:
        assert store.get_state("written_by") == "the other writer"
        assert store.live_ids() == uploaded_ids(athlete)


def test_a_sync_without_credentials_stops_before_touching_s3(
    counted: S3Traffic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", S3_DB])
    err = capsys.readouterr().err
    assert code == 2  # missing credentials: a setup step
    assert "streak auth" in err
    assert counted.calls == []
    assert every_version() == []


def test_a_sync_to_a_missing_bucket_fails_before_asking_smashrun_anything(
    counted: S3Traffic, fake: FakeSmashRun, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--db", "s3://no-such-bucket/runs.duckdb"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out == ""
    assert captured.err.startswith("streak: error: could not download s3://no-such-bucket/")
    assert "bucket does not exist" in captured.err
    assert fake.count("/my/") == 0


# -- reading -------------------------------------------------------------------------------------


def test_stats_json_from_s3_is_the_answer_from_the_same_file_locally(
    counted: S3Traffic,
    fake: FakeSmashRun,
    athlete: Athlete,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a database synced to S3, and a local copy of the same object
    assert main(["sync", "--db", S3_DB]) == 0
    local = download(tmp_path)
    capsys.readouterr()
    # when
    assert main(["stats", "--json", "--db", S3_DB, "--as-of", AS_OF]) == 0
    from_s3 = json.loads(capsys.readouterr().out)
    assert main(["stats", "--json", "--db", str(local), "--as-of", AS_OF]) == 0
    from_file = json.loads(capsys.readouterr().out)
    # then
    assert from_s3 == from_file
    assert from_s3["totals"]["runs"] > 0
    assert from_s3["last_sync"] is not None


READ_COMMANDS = [
    ["stats", "--as-of", AS_OF],
    ["stats", "--json", "--as-of", AS_OF],
    ["streaks", "--json"],
    ["rules", "--json", "--as-of", AS_OF],
    ["check", "--no-sync", "--as-of", AS_OF],
    ["heatmap", "--year", "2026", "-o", "{out}"],
    ["badge", "--as-of", AS_OF, "-o", "{out}"],
    ["ledger", "--csv"],
]


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=lambda argv: " ".join(argv))
def test_read_commands_download_the_database_and_write_nothing_to_s3(
    argv: list[str], counted: S3Traffic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    put_database(tmp_path)
    before = every_version()
    counted.reset()
    args = [a.replace("{out}", str(tmp_path / "out.svg")) for a in argv]
    # when
    code = main([*args, "--db", S3_DB])
    # then it read the database once and wrote nothing
    assert code == 0, capsys.readouterr().err
    assert counted.count("GetObject", DB_KEY, status=200) == 1
    assert sum(counted.count(op) for op in WRITES) == 0
    assert every_version() == before


def test_a_second_read_of_an_unchanged_database_downloads_nothing(
    counted: S3Traffic, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    put_database(tmp_path)
    size = len(s3_object_bytes(DB_KEY))
    assert main(["stats", "--json", "--db", S3_DB, "--as-of", AS_OF]) == 0
    first = capsys.readouterr().out
    assert main(["stats", "--json", "--db", S3_DB, "--as-of", AS_OF]) == 0
    assert capsys.readouterr().out == first
    assert counted.bytes_received[DB_KEY] == size
    assert counted.count("GetObject", DB_KEY, status=304) == 1


def test_reading_before_any_sync_says_to_sync_first(
    counted: S3Traffic, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stats", "--db", S3_DB])
    err = capsys.readouterr().err
    assert code == 2
    assert "streak sync" in err
    assert every_version() == []


def test_reading_from_a_missing_bucket_is_a_one_line_error(
    counted: S3Traffic, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stats", "--db", "s3://no-such-bucket/runs.duckdb"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("streak: error: ")
    assert "s3://no-such-bucket/runs.duckdb" in err
    assert "bucket does not exist" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("db", ["s3://", "s3://bucket-only", "s3:///runs.duckdb"])
def test_an_s3_address_without_bucket_or_key_is_a_usage_error(
    db: str, counted: S3Traffic, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--db", db]) == 2
    assert "s3://bucket/" in capsys.readouterr().err
    assert counted.calls == []


# -- the notebook --------------------------------------------------------------------------------


def test_the_notebook_opens_an_s3_database_read_only_from_the_cache(
    counted: S3Traffic, tmp_path: Path
) -> None:
    # given
    put_database(tmp_path)
    before = every_version()
    expected = live_activity_ids(download(tmp_path))
    # when
    with streakcore.open(S3_DB, cache_dir=tmp_path / "nb-cache") as db:
        ids = {row[0] for row in db.sql.sql("SELECT activity_id FROM runs").fetchall()}
        current = db.stats(tz="America/New_York", as_of=datetime.fromisoformat(AS_OF))
        with pytest.raises(Exception, match="read-only"):
            db.sql.execute("DELETE FROM activities")
    # then
    assert ids == expected
    assert current.totals.runs == len(expected)
    assert any((tmp_path / "nb-cache").rglob("*.blob"))
    assert sum(counted.count(op) for op in WRITES) == 0
    assert every_version() == before


def test_import_and_add_into_s3_replace_the_object_once_each_and_publish_the_stats(
    cli_session: boto3.session.Session, tmp_path: Path
) -> None:
    # given a GPX run in Tokyo (07:00 local, 22:00 UTC the day before)
    from fixtures.activity_files import TOKYO_STATION, gpx_bytes, steady_points

    gpx = tmp_path / "tokyo.gpx"
    start = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    gpx.write_bytes(
        gpx_bytes(start, steady_points(seconds=1500, metres_per_s=3.0, start=TOKYO_STATION))
    )
    # when it is imported into the s3:// database, and a manual run added
    assert main(["import", str(gpx), "--db", S3_DB]) == 0
    assert main(["add", "--date", "2026-11-22", "--distance", "3km", "--db", S3_DB]) == 0
    # then the object was replaced once per command, and the stats document counts both
    assert len(versions_of(DB_KEY)) == 2
    stats = json.loads(s3_object_bytes(f"{DB_KEY}.stats.json"))
    assert stats["snapshot"]["sources"] == {"gpx": 1, "manual": 1}
    days = json.loads(s3_object_bytes(f"{DB_KEY}.days.json"))
    assert days["generation"] == stats["generation"]
    with streakcore.open(S3_DB) as db:
        dates = db.runs().project("CAST(local_date AS VARCHAR), source").fetchall()
    assert sorted(dates) == [("2026-11-21", "gpx"), ("2026-11-22", "manual")]
