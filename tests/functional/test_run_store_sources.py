"""Runs from several sources in one store: each keeps its source, one real run counts once
(DuckDB and the in-memory store alike), and a file migrated from schema 1 keeps its runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from helpers import mile_splits, run
from streakcore.domain.models import Activity
from streakcore.ports import Batch, RunStore, StoredActivity
from streakcore.storage.duckdb.migrations import MIGRATIONS
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import InMemoryRunStore


@pytest.fixture(params=["duckdb", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    opened: RunStore = (
        DuckDBRunStore.open(tmp_path / "runs.duckdb")
        if request.param == "duckdb"
        else InMemoryRunStore()
    )
    with opened:
        yield opened


def from_file(activity: Activity, source: str = "fit", *, metres_more: float = 0.0) -> Activity:
    """The same run as `activity`, read from a file (a few metres apart, as devices are)."""
    return activity.model_copy(
        update={
            "activity_id": f"{source}-{activity.activity_id}",
            "source": source,
            "source_id": f"sha-{activity.activity_id}",
            "zone_source": "track-position",
            "distance_m": activity.distance_m + metres_more,
        }
    )


def put(store: RunStore, activity: Activity, *, splits: bool) -> None:
    rows = mile_splits(activity, [480.0] * int(activity.distance_m // 1609.344)) if splits else []
    row = StoredActivity(activity, f"fp-{activity.activity_id}", None, rows)
    store.apply(Batch(activities=[row]))


def test_a_run_from_a_file_and_from_smashrun_counts_once_and_the_day_is_not_doubled(
    store: RunStore,
) -> None:
    smashrun = run("2026-03-01", 3.0, activity_id="101")
    put(store, smashrun, splits=False)
    put(store, from_file(smashrun, metres_more=40.0), splits=True)

    days = store.days()
    assert [(d.local_date.isoformat(), d.runs) for d in days] == [("2026-03-01", 1)]
    assert days[0].distance_m == pytest.approx(smashrun.distance_m + 40.0)
    assert store.count("runs") == 1
    assert store.source_counts() == {"fit": 1}
    # The sync still sees its own run, so it neither fetches it again nor calls it deleted.
    assert set(store.fingerprints()) == {"101"}
    assert store.live_ids() == {"101"}


def test_a_later_smashrun_copy_with_splits_beats_an_imported_summary(store: RunStore) -> None:
    smashrun = run("2026-03-02", 5.0, activity_id="202")
    put(store, from_file(smashrun, "strava-export"), splits=False)
    put(store, smashrun, splits=True)

    assert [f.activity_id for f in store.run_facts()] == ["202"]
    assert store.source_counts() == {"smashrun": 1}
    assert {m.activity_id for m in store.mile_times()} == {"202"}


def test_removing_the_run_kept_lets_its_copy_count_again(store: RunStore) -> None:
    smashrun = run("2026-03-03", 3.0, activity_id="303")
    put(store, smashrun, splits=False)
    imported = from_file(smashrun, "gpx")
    put(store, imported, splits=True)
    store.apply(Batch(deleted_ids=[imported.activity_id]))

    assert [(f.activity_id, f.source) for f in store.run_facts()] == [("303", "smashrun")]


def test_two_runs_of_one_day_hours_apart_both_count(store: RunStore) -> None:
    morning = run("2026-03-04", 3.0, at="07:00", activity_id="404")
    evening = from_file(run("2026-03-04", 3.0, at="19:00", activity_id="405"), "tcx")
    put(store, morning, splits=False)
    put(store, evening, splits=True)

    assert [d.runs for d in store.days()] == [2]
    assert store.source_counts() == {"smashrun": 1, "tcx": 1}


def test_activities_keep_their_source_and_how_their_day_was_found(store: RunStore) -> None:
    put(store, from_file(run("2026-03-05", 2.0, activity_id="505"), "fit"), splits=False)

    (activity,) = store.activities()
    assert (activity.source, activity.source_id, activity.zone_source) == (
        "fit",
        "sha-505",
        "track-position",
    )


def test_a_schema_1_file_upgrades_with_every_run_marked_smashrun(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TIMESTAMPTZ)")
    con.execute(MIGRATIONS[0][1])
    con.execute("INSERT INTO schema_version VALUES (1, $1)", [datetime.now(UTC)])
    con.execute(
        "INSERT INTO activities (activity_id, start_local, utc_offset_min, local_date, "
        "distance_m, duration_s, activity_type, fingerprint, synced_at) VALUES "
        "('77', TIMESTAMP '2025-05-01 07:00', -240, DATE '2025-05-01', 5000, 1500, "
        "'running', 'fp', now())"
    )
    con.close()

    with DuckDBRunStore.open(path) as store:
        rows = store.connection.execute(
            "SELECT activity_id, source, source_id, zone_source FROM runs"
        ).fetchall()
        assert rows == [("77", "smashrun", "77", "smashrun-local-time")]
        assert store.source_counts() == {"smashrun": 1}


def test_the_notebooks_runs_show_their_source(tmp_path: Path) -> None:
    import streakcore

    path = tmp_path / "runs.duckdb"
    with DuckDBRunStore.open(path) as store:
        put(store, run("2026-03-06", 3.0, activity_id="606"), splits=False)
        put(store, from_file(run("2026-03-07", 3.0, activity_id="607"), "tcx"), splits=False)

    db = streakcore.open(str(path))
    rows = db.runs().project("activity_id, source, zone_source").fetchall()
    assert rows == [
        ("606", "smashrun", "smashrun-local-time"),
        ("tcx-607", "tcx", "track-position"),
    ]
