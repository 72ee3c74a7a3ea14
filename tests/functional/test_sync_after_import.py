"""A SmashRun sync of a run already imported from a file merges into it: the day counts
the run once, and syncing again changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli_outcome import streak
from fixtures.activity_files import CENTRAL_PARK, gpx_bytes, steady_points
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


def payload(activity_id: int, day: str) -> dict[str, object]:
    return {
        "activityId": activity_id,
        "startDateTimeLocal": f"{day}T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
    }


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    runs = [payload(1001 + i, f"2026-11-{10 + i:02d}") for i in range(5)]
    with FakeSmashRun(runs) as running:
        monkeypatch.setenv("STREAK_SMASHRUN_BASE_URL", running.base_url)
        monkeypatch.setenv("STREAK_SMASHRUN_ACCESS_TOKEN", running.access_token)
        monkeypatch.setenv("STREAK_REQUESTS_PER_HOUR", "1000000")
        yield running


def test_a_sync_after_an_import_of_the_same_run_counts_it_once(
    fake: FakeSmashRun, tmp_path: Path
) -> None:
    # given the watch's GPX of SmashRun's run 1002 (07:00 New York on 11 November, 5 km;
    # the GPS measured 5.1 km), imported before any sync
    db = tmp_path / "runs.duckdb"
    gpx = tmp_path / "run.gpx"
    start = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    gpx.write_bytes(
        gpx_bytes(start, steady_points(seconds=1500, metres_per_s=3.4, start=CENTRAL_PARK))
    )
    assert streak(["import", str(gpx), "--db", str(db)]).code == 0

    # when SmashRun is synced, twice
    first = streak(["sync", "--db", str(db), "--json"])
    second = streak(["sync", "--db", str(db), "--json"])

    # then five runs count, the 11th once, from the file (it has splits; SmashRun's has none)
    assert first.code == 0, first.err
    assert second.code == 0, second.err
    stats = json.loads(streak(["stats", "--db", str(db), "--json"]).out)
    assert stats["totals"]["runs"] == 5
    assert stats["sources"] == {"gpx": 1, "smashrun": 4}
    with DuckDBRunStore.open(db, read_only=True) as store:
        days = {d.local_date.isoformat(): d for d in store.days()}
        assert days["2026-11-11"].runs == 1
        assert days["2026-11-11"].distance_m == pytest.approx(5100.0, abs=60.0)
        assert store.live_ids() == {str(1001 + i) for i in range(5)}
