"""Ctrl-C during a backfill keeps every batch already committed (issue 12)."""

from __future__ import annotations

import _thread
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fixtures.smashrun_sync import request_floor, requested, rig
from streakcore.domain.models import SplitUnit
from streakcore.entrypoints.cli.main import main
from streakcore.ports import ActivitySource, SearchPage, SplitsResult
from streakcore.smashrun.source import SmashRunSource
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SPLITS_BEFORE_CTRL_C = 60


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


class CtrlCDuringTheSplits:
    """Ctrl-C once some splits have been asked for: what the terminal's SIGINT handler
    does, it sets the sync's stop event."""

    def __init__(self, inner: ActivitySource, stop: threading.Event) -> None:
        self._inner = inner
        self._stop = stop
        self._asked = 0
        self._lock = threading.Lock()
        self.page_size = inner.page_size

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        return self._inner.search(from_date, page)

    def activity_ids(self, page: int) -> Sequence[str]:
        return self._inner.activity_ids(page)

    def activity(self, activity_id: str) -> SearchPage:
        return self._inner.activity(activity_id)

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult:
        result = self._inner.splits(activity_id, unit)
        with self._lock:
            self._asked += 1
            if self._asked == SPLITS_BEFORE_CTRL_C:
                self._stop.set()
        return result


def test_ctrl_c_keeps_every_batch_already_committed_and_the_next_sync_asks_nothing_twice(
    athlete: Athlete,
) -> None:
    with rig(athlete) as r:
        # when Ctrl-C stops a first sync halfway
        stop = threading.Event()
        stopped = r.sync(wrap=lambda source: CtrlCDuringTheSplits(source, stop), stop=stop)
        # then what came back before it is stored, and the report says it was interrupted
        assert stopped.interrupted
        assert stopped.status is SyncStatus.PARTIAL
        assert r.store.count("activities") == len(athlete.runs)
        assert 0 < stopped.backlog < len(athlete.runs)
        assert len(athlete.runs) - stopped.backlog >= SPLITS_BEFORE_CTRL_C
        # when the next sync runs
        resumed = r.sync()
        assert not resumed.interrupted
        # then it finishes, spending no request twice
        assert resumed.status is SyncStatus.SUCCESS
        asked = requested(r.fake)
        assert [req for req, n in Counter(asked).items() if n > 1] == []
        assert len(asked) == request_floor(len(athlete.runs))


@pytest.fixture
def fake(athlete: Athlete, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun(athlete, clock=lambda: athlete.now) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


def test_ctrl_c_in_the_terminal_exits_130_and_the_database_keeps_what_was_stored(
    clean_streak_env: Path,
    fake: FakeSmashRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    splits = SmashRunSource.splits
    asked = [0]

    def interrupted(self: SmashRunSource, activity_id: str, unit: SplitUnit) -> SplitsResult:
        result = splits(self, activity_id, unit)
        asked[0] += 1
        if asked[0] == SPLITS_BEFORE_CTRL_C:
            _thread.interrupt_main()
        return result

    db = tmp_path / "runs.duckdb"
    with monkeypatch.context() as patch:
        patch.setattr(SmashRunSource, "splits", interrupted)
        # when Ctrl-C stops `streak sync` halfway
        code = main(["sync", "--db", str(db)])
    err = capsys.readouterr().err
    # then it stops at the next safe point, exits as interrupted, says what it kept, and
    # the database holds it
    assert code == 130
    assert "stopping after the requests in flight" in err
    assert "kept" in err
    assert "nothing half-written" not in err
    with DuckDBRunStore.open(db, read_only=True) as store:
        assert store.count("activities") > 0
        assert store.count("splits") > 0
    # and the next sync finishes without asking anything twice
    assert main(["sync", "--db", str(db)]) == 0
    asked = [(q.path, tuple(sorted(q.query.items()))) for q in fake.requests]
    assert [req for req, n in Counter(asked).items() if n > 1] == []
