"""What SmashRun sends at the edges: runs that cannot be runs once in metres and seconds,
and the same id twice on one page. Nothing is dropped, nothing is counted twice, and the
stats stay numbers."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fixtures.openapi import schema_errors
from fixtures.scripted_smashrun import Scripted
from fixtures.smashrun_sync import rig
from streakcore.domain.rules import StreakRule
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, recent_athlete
from streakcore.usecases.stats import stats_from_store
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
HOME = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


def _payload(athlete: Athlete, **change: Any) -> dict[str, Any]:
    """A real run's payload, without its id (the fake gives it a new one)."""
    payload = {k: v for k, v in athlete.runs[-1].activity.items() if k != "activityId"}
    return {**payload, **change}


def _stats_body(store: DuckDBRunStore) -> dict[str, Any]:
    body = stats_from_store(store, rule=StreakRule(), as_of=NOW, tz=HOME)
    dumped: dict[str, Any] = json.loads(body.model_dump_json())
    return dumped


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"distance": 1e306}, id="1e306 km, infinite in metres"),
        pytest.param({"distance": 5000.0}, id="a 5 k sent in metres as km"),
        pytest.param({"duration": 1e308}, id="a duration of 1e308 s"),
        pytest.param({"startDateTimeLocal": "9999-12-31T23:59:59-12:00"}, id="year 9999"),
        pytest.param({"startDateTimeLocal": "0001-01-01T00:00:00+05:00"}, id="year 1"),
    ],
)
def test_a_run_that_cannot_be_a_run_in_metres_and_seconds_is_quarantined_and_the_stats_stay_valid(
    athlete: Athlete, change: dict[str, Any]
) -> None:
    with rig(athlete) as r:
        # given one impossible run among good ones
        bad_id = r.fake.add_activity(
            _payload(athlete, **change), uploaded_at=NOW - timedelta(hours=1)
        )
        # when the sync takes it in
        report = r.sync()
        # then the others are stored, it is quarantined under its id, and the sync is done
        assert report.status is SyncStatus.SUCCESS
        assert report.quarantined == 1
        assert str(bad_id) not in r.store.live_ids()
        assert len(r.store.live_ids()) == len(athlete.runs)
        [row] = r.store.quarantined()
        assert row["activity_id"] == str(bad_id)
        # and the stats are finite numbers the API's contract accepts
        body = _stats_body(r.store)
        assert schema_errors("Stats", body) == []
        totals = body["totals"]
        assert all(math.isfinite(totals[k]) for k in ("distance_m", "duration_s"))
        json.dumps(body, allow_nan=False)
        # and the next sync does not quarantine the same payload again
        assert r.sync().quarantined == 0


def _item(activity_id: int, **change: Any) -> dict[str, Any]:
    return {
        "activityId": activity_id,
        "startDateTimeLocal": "2026-11-25T07:00:00-05:00",
        "distance": 5.0,
        "duration": 1500.0,
        "activityType": "running",
        "notes": None,
        **change,
    }


def test_an_id_twice_on_one_page_is_stored_and_counted_once_and_the_later_copy_wins() -> None:
    # given a search page that lists run 7 twice, with different notes, beside run 8
    smashrun = Scripted(
        items=[_item(7, notes="first copy"), _item(8), _item(7, notes="second copy")]
    )
    with DuckDBRunStore.open(":memory:") as store:
        # when a sync takes the page in
        report = smashrun.sync(store, clock=lambda: NOW)
        # then each run is stored and counted once, with the copy read last
        assert report.status is SyncStatus.SUCCESS
        assert report.runs_synced == 2
        assert store.live_ids() == {"7", "8"}
        [seven] = [a for a in store.activities() if a.activity_id == "7"]
        assert seven.notes == "second copy"
        # and only one splits request was spent on it
        assert smashrun.requests.count("/v1/my/activities/7/splits/mi") == 1


def test_the_same_broken_payload_twice_on_one_page_is_quarantined_once() -> None:
    # given a page that lists one unreadable run twice
    broken = _item(9, distance="far")
    smashrun = Scripted(items=[broken, _item(8), broken])
    with DuckDBRunStore.open(":memory:") as store:
        # when a sync takes the page in
        report = smashrun.sync(store, clock=lambda: NOW)
        # then it is quarantined once, and the sweep does not fetch it again
        assert report.quarantined == 1
        assert [row["activity_id"] for row in store.quarantined()] == ["9"]
        assert "/v1/my/activities/9" not in smashrun.requests
