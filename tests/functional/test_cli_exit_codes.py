"""What `streak` exits with when something goes wrong: 2 only for what the runner must fix
(flags, settings, no database, an unreadable or newer one), 1 for a job that failed and
may work next time, and for `streak check`, whose 1 means "at risk", 3 instead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.other_processes import held_open_for_writing
from helpers import daily_runs
from streakcore.entrypoints.cli.main import main
from streakcore.ports import Batch, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore

EVENING = "2026-11-24T20:00:00-05:00"
ZONE = ["--tz", "America/New_York"]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        runs = daily_runs("2026-11-01", 24)
        store.apply(Batch(activities=[StoredActivity(a, "fp") for a in runs]))
    return path


@pytest.fixture
def locked_db(db: Path) -> Iterator[Path]:
    with held_open_for_writing(db):
        yield db


def test_reading_a_database_another_process_is_writing_is_a_failure_not_a_setup_error(
    locked_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    code = main(["stats", "--db", str(locked_db), "--as-of", EVENING, *ZONE])
    err = capsys.readouterr().err
    # then
    assert code == 1
    assert "in use by another process" in err


def test_a_check_that_cannot_read_the_database_exits_3_not_at_risk(
    locked_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # when cron's evening check cannot read the database
    code = main(["check", "--no-sync", "--db", str(locked_db), "--as-of", EVENING, *ZONE])
    err = capsys.readouterr().err
    # then it neither claims the streak is at risk (1) nor blames the setup (2)
    assert code == 3
    assert err.startswith("streak: error: ")
    assert "in use by another process" in err


@pytest.mark.parametrize(
    ("as_of", "expected_code"),
    [(EVENING, 0), ("2026-11-25T20:00:00-05:00", 1), ("2026-12-10T20:00:00-05:00", 0)],
    ids=["done today", "at risk", "nothing at stake"],
)
def test_check_exits_0_or_1_by_the_streak_when_it_can_read_the_database(
    db: Path, as_of: str, expected_code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", "--no-sync", "--db", str(db), "--as-of", as_of, *ZONE])
    assert code == expected_code
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("argv", "expected_text"),
    [
        (["check", "--no-sync", "--as-of", "tonight"], "--as-of"),
        (["check", "--no-sync", "--db", "{missing}"], "no database"),
        (["check", "--no-sync", "--db", "{not_duckdb}"], "not a readable streakcore database"),
        (["stats", "--db", "{not_duckdb}"], "not a readable streakcore database"),
    ],
    ids=["bad flag", "no database", "corrupt database (check)", "corrupt database (stats)"],
)
def test_what_the_runner_must_fix_exits_2(
    argv: list[str],
    expected_text: str,
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a file that is not a database
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("these are my running notes, not a database\n")
    paths = {"{missing}": str(tmp_path / "missing.duckdb"), "{not_duckdb}": str(not_duckdb)}
    args = [paths.get(a, a) for a in argv]
    if "--db" not in args:
        args += ["--db", str(db)]
    # when
    code = main(args)
    # then
    assert code == 2
    assert expected_text in capsys.readouterr().err


def test_check_still_checks_when_the_sync_breaks_unexpectedly(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a sync that fails with something no one planned for
    def broken(*_: object) -> str:
        raise OSError("cache directory not writable")

    monkeypatch.setattr("streakcore.entrypoints.cli.commands.sync.run_incremental", broken)
    # when the evening check runs
    code = main(["check", "--db", str(db), "--as-of", EVENING, *ZONE])
    # then it warns and still answers from the stored runs (today counts: exit 0)
    captured = capsys.readouterr()
    assert code == 0
    assert "sync failed (cache directory not writable)" in captured.err
    assert captured.out.strip()
