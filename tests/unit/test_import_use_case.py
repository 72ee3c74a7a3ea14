"""The import and manual-run use cases on the in-memory store: batches, counts, one run
counted once, and nothing written when nothing was read."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from helpers import run
from streakcore.domain.models import Activity
from streakcore.errors import ConfigError
from streakcore.ports import (
    ActivitySkipped,
    Batch,
    FileRejected,
    RunRead,
    StoredActivity,
)
from streakcore.testing import InMemoryRunStore
from streakcore.usecases.import_runs import NothingToStore, import_activities
from streakcore.usecases.manual_runs import RunNotFound, add_manual_run, remove_run

HOME = ZoneInfo("America/New_York")


def read(activity: Activity, source: str = "gpx") -> RunRead:
    imported = activity.model_copy(
        update={"activity_id": f"{source}-{activity.activity_id}", "source": source,
                "source_id": activity.activity_id, "zone_source": "track-position"}
    )  # fmt: skip
    return RunRead(StoredActivity(imported, "fp", None, []), origin=f"{activity.activity_id}.gpx")


def test_runs_are_written_a_batch_at_a_time_and_counted() -> None:
    store = InMemoryRunStore()
    outcomes = [
        read(run(date(2026, 1, 1) + timedelta(days=d), activity_id=f"r{d}")) for d in range(5)
    ]
    outcomes += [ActivitySkipped("ride.fit", "cycling"), FileRejected("cut.fit", "truncated")]

    report = import_activities(store, outcomes, batch_size=2)

    assert store.batches_applied == 3
    assert (report.imported, report.duplicates, report.skipped, report.rejected) == (5, 0, 1, 1)
    assert report.skipped_by_sport == {"cycling": 1}
    assert [(r.file, r.reason) for r in report.rejected_files] == [("cut.fit", "truncated")]
    assert report.runs_in_database == 5


def test_copies_of_one_run_within_the_import_and_in_the_store_count_once() -> None:
    store = InMemoryRunStore()
    synced = run("2026-02-01", 3.0, activity_id="900")
    store.apply(Batch(activities=[StoredActivity(synced, "fp", None, [])]))
    again = read(run("2026-02-02", 3.0, activity_id="new"))

    report = import_activities(store, [read(synced, "gpx"), read(synced, "tcx"), again, again])

    assert (report.imported, report.duplicates, report.runs_in_database) == (1, 3, 2)
    assert [d.runs for d in store.days()] == [1, 1]


def test_an_import_that_reads_no_run_writes_nothing() -> None:
    store = InMemoryRunStore()
    with pytest.raises(NothingToStore) as refused:
        import_activities(store, [FileRejected("cut.fit", "truncated")])
    assert refused.value.report.rejected == 1
    assert not refused.value.report.read_anything
    assert store.batches_applied == 0


def test_two_manual_runs_of_one_day_both_count_and_take_the_next_ids() -> None:
    store = InMemoryRunStore()
    first = add_manual_run(store, local_date=date(2026, 12, 5), distance_m=3218.7,
                           duration_s=1110.0, note="treadmill", home=HOME)  # fmt: skip
    second = add_manual_run(store, local_date=date(2026, 12, 5), distance_m=3218.7,
                            duration_s=None, note=None, home=HOME)  # fmt: skip

    assert (first.activity_id, second.activity_id) == ("manual-20261205-1", "manual-20261205-2")
    assert second.start_local - first.start_local == timedelta(minutes=5)
    assert [(d.local_date.isoformat(), d.runs) for d in store.days()] == [("2026-12-05", 2)]
    assert store.source_counts() == {"manual": 2}


def test_remove_takes_out_a_manual_run_and_refuses_smashruns_and_unknown_ids() -> None:
    store = InMemoryRunStore()
    store.apply(Batch(activities=[StoredActivity(run("2026-12-01", activity_id="77"), "fp")]))
    logged = add_manual_run(store, local_date=date(2026, 12, 2), distance_m=2000.0,
                            duration_s=None, note=None, home=HOME)  # fmt: skip

    remove_run(store, logged.activity_id)

    assert store.source_counts() == {"smashrun": 1}
    with pytest.raises(ConfigError, match="delete it there"):
        remove_run(store, "77")
    with pytest.raises(RunNotFound, match="no run with the id 'nope'"):
        remove_run(store, "nope")
