"""A sync works on a private copy in the cache's work directory. A sync killed with SIGKILL
(or a Lambda timeout) leaves its copy, and the copy's log, behind: the next sync removes
them at once, but never the copy of a sync still running."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from pathlib import Path

import pytest

from streakcore.cli import main
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
