"""A sync works on a private copy in the cache's work directory, and writes the database
through temporary files beside it. A sync killed with SIGKILL (or a Lambda timeout) leaves
them behind: the next sync removes its work copy (and the copy's log) at once, never the
copy of a sync still running, and its temporary files once no write can still be using
them; never a file of the runner's."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streakcore.entrypoints.cli.main import main
from streakcore.testing import FakeSmashRun


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun([]) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        yield running


def leave_work_files(work_dir: Path, name: str) -> list[Path]:
    files = [work_dir / f"{name}{suffix}" for suffix in (".duckdb", ".duckdb.wal", ".lock")]
    for path in files:
        path.write_bytes(b"left by a sync")
    return files


@pytest.mark.usefixtures("fake")
def test_a_killed_syncs_work_copy_goes_at_the_next_sync_and_a_running_ones_stays(
    tmp_path: Path,
) -> None:
    # given the work files of a sync that was killed, and of one still running
    work_dir = tmp_path / "cache" / "work"
    work_dir.mkdir(parents=True)
    dead = leave_work_files(work_dir, "work-0dead")
    running = leave_work_files(work_dir, "work-1live")
    with running[-1].open("rb") as flag:
        fcntl.flock(flag.fileno(), fcntl.LOCK_EX)  # what a running sync holds

        # when another sync runs
        code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])

    # then the killed sync's files are gone and the running one's are untouched
    assert code == 0
    assert [path for path in dead if path.exists()] == []
    assert [path.read_bytes() for path in running] == [b"left by a sync"] * 3


@pytest.mark.usefixtures("fake")
def test_temporary_files_a_killed_sync_left_beside_the_database_go_once_an_hour_old(
    tmp_path: Path,
) -> None:
    # given the half-written temporary files of a sync killed two hours ago, one of a sync
    # writing now, and files of the runner's own with similar names
    data = tmp_path / "data"
    data.mkdir()
    old = [data / ".runs.duckdb.k1ll3d.part", data / "..runs.duckdb.backup.k1ll3d.part.x.part"]
    fresh = data / ".runs.duckdb.wr1t1ng.part"
    own = [data / "runs.duckdb.part", data / ".notes.part"]
    two_hours_ago = time.time() - 7200
    for path in [*old, fresh, *own]:
        path.write_bytes(b"partial")
        os.utime(path, (two_hours_ago, two_hours_ago))
    os.utime(fresh)

    # when two syncs run (the second one also writes a backup)
    codes = [main(["sync", "--db", str(data / "runs.duckdb")]) for _ in range(2)]

    # then only the killed sync's files are gone
    assert codes == [0, 0]
    assert [path for path in old if path.exists()] == []
    assert fresh.exists()
    assert all(path.exists() for path in own)
