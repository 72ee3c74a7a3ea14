"""Where the database and its cache live are settings: a directory named as the database
or a cache directory that cannot be written is one line naming the setting, exit 2, for
every command that would use it; never a traceback, never "try again" (exit 1)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from fixtures.aws import BUCKET, REGION, isolate_aws, make_bucket
from helpers import daily_runs
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun

S3_DB = f"s3://{BUCKET}/runs.duckdb"


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun([]) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        yield running


@pytest.fixture
def s3_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A streakcore database on (moto's) S3."""
    isolate_aws(monkeypatch)
    seed = tmp_path / "seed.duckdb"
    with DuckDBRunStore.open(seed) as store:
        runs = daily_runs("2026-11-01", 3)
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    with mock_aws():
        make_bucket()
        session = boto3.session.Session(region_name=REGION)
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
        session.client("s3").put_object(Bucket=BUCKET, Key="runs.duckdb", Body=seed.read_bytes())
        yield S3_DB


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert err.startswith("streak: error: "), err
    return err


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("command", ["sync", "stats"])
@pytest.mark.parametrize("spelling", ["{dir}", "{dir}/"])
def test_a_directory_given_as_the_database_exits_2_naming_it(
    command: str, spelling: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a folder where the database file should be named
    folder = tmp_path / "data"
    folder.mkdir()
    before = sorted(os.listdir(folder))

    # when
    code = main([command, "--db", spelling.format(dir=folder)])

    # then one line says to name the file in it, and nothing was written there
    err = one_error_line(capsys)
    assert code == 2
    assert "is a directory" in err
    assert f"{folder}/runs.duckdb" in err
    assert sorted(os.listdir(folder)) == before


def cache_that_is_a_file(tmp_path: Path) -> Path:
    path = tmp_path / "cache-is-a-file"
    path.write_text("not a directory\n")
    return path


def cache_under_a_file(tmp_path: Path) -> Path:
    return cache_that_is_a_file(tmp_path) / "streakcore"


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("cache", [cache_that_is_a_file, cache_under_a_file])
@pytest.mark.parametrize(
    ("command", "where"),
    # `stats` reads a local file in place: only an s3:// database goes through the cache.
    [("sync", "local"), ("sync", "s3"), ("stats", "s3")],
)
def test_a_cache_directory_that_cannot_be_written_exits_2_naming_the_setting(
    command: str,
    where: str,
    cache: Callable[[Path], Path],
    s3_database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given STREAK_CACHE_DIR where no directory can be made
    cache_dir = cache(tmp_path)
    monkeypatch.setenv("STREAK_CACHE_DIR", str(cache_dir))
    db = s3_database if where == "s3" else str(tmp_path / "runs.duckdb")

    # when
    code = main([command, "--db", db])

    # then
    err = one_error_line(capsys)
    assert code == 2
    assert "STREAK_CACHE_DIR" in err
    assert str(cache_dir) in err


@pytest.mark.usefixtures("fake")
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_a_read_only_cache_directory_exits_2_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir(mode=0o500)
    monkeypatch.setenv("STREAK_CACHE_DIR", str(cache_dir))

    # when
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])

    # then
    err = one_error_line(capsys)
    assert code == 2
    assert "STREAK_CACHE_DIR" in err
