"""A damaged database file (a block overwritten, the file cut short, someone else's file
under the name) is a setup problem the runner must fix: `streak stats`, `streak sync`,
`streak check` and `streak streaks` alike exit 2 with one line naming the runner's file,
and leave it byte for byte as it was; the notebook gets StoreCorrupt. Never "in use by
another process", never a traceback, never the name of a private copy."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws

import streakcore
from fixtures.aws import BUCKET, isolate_aws, make_bucket, s3_object_bytes
from helpers import daily_runs, mile_splits
from streakcore.entrypoints.cli.main import main
from streakcore.errors import StoreCorrupt
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun

EVENING = "2026-11-24T20:00:00-05:00"
HEADER_BYTES = 3 * 4096
"""DuckDB's file header: the main header and two database headers, before block 0."""


def block_of(db: Path, table: str, column: str) -> int:
    """The block holding `table.column`'s data, as DuckDB's storage_info lists it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT min(block_id), any_value(block_size) FROM pragma_storage_info($1), "
            "(SELECT block_size FROM pragma_database_size() "
            " WHERE database_name = current_database()) "
            "WHERE column_name = $2 AND block_id >= 0",
            [table, column],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    assert row[0] is not None
    return int(row[0]) * int(row[1])


def overwrite_a_block_of_runs(db: Path) -> None:
    """Bytes inside the block of the runs' start times replaced: the block's checksum fails
    when a query reads it, though the file opens."""
    at = HEADER_BYTES + block_of(db, "activities", "start_local") + 1000
    with db.open("r+b") as handle:
        handle.seek(at)
        handle.write(b"\xff" * 64)


def cut_in_half(db: Path) -> None:
    with db.open("r+b") as handle:
        handle.truncate(db.stat().st_size // 2)


def write_notes(db: Path) -> None:
    db.write_text("these are my running notes, not a database\n")


def empty(db: Path) -> None:
    db.write_bytes(b"")


def another_programs_duckdb(db: Path) -> None:
    db.unlink()
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE readings AS SELECT range AS x FROM range(1000)")
    con.close()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "a block overwritten": overwrite_a_block_of_runs,
    "cut in half": cut_in_half,
    "not a database": write_notes,
    "empty": empty,
    "another program's DuckDB file": another_programs_duckdb,
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A streakcore database of several blocks: eight years of daily runs with splits."""
    path = tmp_path_factory.mktemp("pristine") / "runs.duckdb"
    runs = daily_runs("2018-11-01", 8 * 365 + 24)
    with DuckDBRunStore.open(path) as store:
        store.apply(
            Batch(
                activities=[
                    StoredActivity(a, "fp", '{"source": 1}', mile_splits(a, [500.0] * 3))
                    for a in runs
                ]
            )
        )
    return path


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun([]) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


@pytest.fixture(params=list(DAMAGE))
def damaged(request: pytest.FixtureRequest, pristine: Path, tmp_path: Path) -> Path:
    db = tmp_path / "data" / "runs.duckdb"
    db.parent.mkdir()
    shutil.copyfile(pristine, db)
    DAMAGE[request.param](db)
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


COMMANDS = {
    "stats": ["stats", "--as-of", EVENING],
    "sync": ["sync"],
    "check": ["check", "--as-of", EVENING],
    "streaks": ["streaks"],
}


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_damaged_database_exits_2_with_one_line_naming_it_and_is_left_untouched(
    command: str, damaged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    before = digest(damaged)

    # when
    code = main([*COMMANDS[command], "--db", str(damaged)])

    # then
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith(f"streak: error: {damaged} ")
    assert "in use" not in err
    assert "work-" not in err
    assert digest(damaged) == before
    assert not damaged.with_name(damaged.name + ".wal").exists()


def test_the_notebook_refuses_a_damaged_database_naming_it(damaged: Path) -> None:
    # given
    before = digest(damaged)

    # when it is opened and asked for its stats
    with pytest.raises(StoreCorrupt) as refused, streakcore.open(damaged) as db:
        db.stats()

    # then
    assert str(refused.value).startswith(f"{damaged} ")
    assert digest(damaged) == before


def test_a_block_overwritten_is_found_by_the_first_query_that_reads_it(
    pristine: Path, tmp_path: Path
) -> None:
    # given a file whose damage DuckDB only meets when it reads the runs
    db = tmp_path / "runs.duckdb"
    shutil.copyfile(pristine, db)
    overwrite_a_block_of_runs(db)

    # when the store opens it and reads the runs
    with DuckDBRunStore.open(db, read_only=True) as store, pytest.raises(StoreCorrupt) as refused:
        store.run_facts()

    # then the read says the file is damaged, in the store's terms
    assert str(refused.value).startswith(f"{db} is not a readable streakcore database")


@pytest.mark.usefixtures("fake")
@pytest.mark.parametrize("command", ["stats", "sync"])
def test_a_damaged_database_on_s3_is_named_by_its_url_not_the_local_copy(
    command: str,
    pristine: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a database object on S3 whose bytes are damaged
    isolate_aws(monkeypatch)
    local = tmp_path / "runs.duckdb"
    shutil.copyfile(pristine, local)
    overwrite_a_block_of_runs(local)
    url = f"s3://{BUCKET}/runs.duckdb"
    with mock_aws():
        make_bucket()
        boto3.client("s3").put_object(Bucket=BUCKET, Key="runs.duckdb", Body=local.read_bytes())

        # when
        code = main([*COMMANDS[command], "--db", url])

        # then one line names the object, not the copy it was read through
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1, err
        assert err.startswith(f"streak: error: {url} is not a readable streakcore database")
        assert str(tmp_path) not in err
        assert s3_object_bytes("runs.duckdb") == local.read_bytes()
