"""`streak sync` during a long backfill: the hourly request budget pauses it (issue 12)."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from streakcore.entrypoints.cli.main import main
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete

ZONE = "Europe/London"


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(datetime.now(UTC))


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def fake(athlete: Athlete, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    with FakeSmashRun(athlete, clock=lambda: athlete.now) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "240")
        monkeypatch.setenv("STREAK_TIMEZONE", ZONE)
        yield running


def _spent_earlier(db: Path, requests: int, *, seconds_ago: float) -> float:
    """A store whose request window already holds `requests` from an earlier sync."""
    at = time.time() - seconds_ago
    with DuckDBRunStore.open(db) as store:
        store.set_state("request_budget", {"requests": [[at, requests]]})
    return at


def _minute_after(instant: float) -> str:
    opens = datetime.fromtimestamp(math.ceil(instant / 60) * 60, UTC).astimezone(ZoneInfo(ZONE))
    return f"{opens:%a %d %b %H:%M} ({ZONE})"


def test_a_sync_stopped_by_the_hourly_budget_says_how_far_and_when_without_an_error(
    fake: FakeSmashRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an hour that has 40 requests left
    db = tmp_path / "runs.duckdb"
    first_request = _spent_earlier(db, 200, seconds_ago=120)
    # when a first sync of about 190 runs meets it
    code = main(["sync", "--db", str(db)])
    out, err = capsys.readouterr()
    # then it stops with its progress kept, exit 0, and no word of an error
    assert code == 0
    assert len(fake.requests) == 40
    assert "error" not in (out + err).lower()
    assert out.startswith("sync partial: ")
    progress = re.search(r"backfill: ([\d,]+) / ([\d,]+) runs have splits", out)
    assert progress is not None
    done, total = (int(g.replace(",", "")) for g in progress.groups())
    assert 0 < done < total
    # when it continues: local time, to the minute, and how many syncs more
    assert f"after {_minute_after(first_request + 3600)}" in out
    assert "about 1 more sync, an hour apart" in out


def test_a_sync_before_the_budget_opens_asks_nothing_and_exits_0(
    fake: FakeSmashRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "runs.duckdb"
    first_request = _spent_earlier(db, 200, seconds_ago=120)
    main(["sync", "--db", str(db)])
    first = capsys.readouterr().out
    asked = len(fake.requests)
    # when the runner syncs again at once
    code = main(["sync", "--db", str(db)])
    out, err = capsys.readouterr()
    # then nothing is asked, nothing failed, and it says the same as the sync before
    assert code == 0
    assert len(fake.requests) == asked
    assert out.startswith("sync paused: ")
    assert "error" not in (out + err).lower()
    assert "failed" not in out
    assert "rate limited" not in out
    assert first.splitlines()[1] in out
    assert f"after {_minute_after(first_request + 3600)}" in out
