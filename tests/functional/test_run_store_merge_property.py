"""Order of arrival does not change the answer: whatever order and batches the records of
a few real runs reach the store in (files, a Strava export, SmashRun, a manual log), the
store counts one record per real run, the richest, and the same days as `dedupe.kept`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from streakcore.domain.dedupe import RunRecord, kept
from streakcore.domain.models import Activity, Split
from streakcore.ports import Batch, RunStore, StoredActivity
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import InMemoryRunStore

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
HOME = timezone(timedelta(hours=-5))
SOURCES = ["fit", "tcx", "gpx", "strava-export", "smashrun", "manual"]


@st.composite
def arrivals(draw: st.DrawFn) -> list[StoredActivity]:
    """1-4 real runs six hours apart, each reaching us from 1-4 different sources, copies
    within half the dedupe tolerances of the real run (so within them of each other)."""
    rows: list[StoredActivity] = []
    for run in range(draw(st.integers(1, 4))):
        base_s = run * 6 * 3600.0 + draw(st.integers(0, 3600))
        base_m = draw(st.floats(1000.0, 30_000.0))
        for source in draw(st.lists(st.sampled_from(SOURCES), min_size=1, max_size=4, unique=True)):
            activity_id = f"{source}-{run}"
            start = T0 + timedelta(seconds=base_s + draw(st.integers(-89, 89)))
            activity = Activity(
                activity_id=activity_id,
                start_local=start.astimezone(HOME),
                distance_m=base_m * (1 + draw(st.floats(-0.045, 0.045))),
                duration_s=float(draw(st.integers(600, 10_000))),
                source=source,  # type: ignore[arg-type]
                source_id=activity_id,
            )
            splits = [
                Split(activity_id=activity_id, unit="mi", index=1, distance_m=1609.344,
                      elapsed_s=480.0)
            ] if draw(st.booleans()) and activity.distance_m > 1609.344 else []  # fmt: skip
            rows.append(StoredActivity(activity, f"fp-{activity_id}", None, splits))
    return rows


def record(row: StoredActivity) -> RunRecord:
    a = row.activity
    return RunRecord(
        source=a.source,
        source_id=a.activity_id,
        start_utc=a.start_local.astimezone(UTC),
        distance_m=a.distance_m,
        duration_s=a.duration_s,
        has_splits=bool(row.splits),
        from_file=a.source not in ("smashrun", "manual"),
    )


def counted(store: RunStore) -> tuple[set[str], list[tuple[str, int, float]]]:
    ids = {f.activity_id for f in store.run_facts()}
    days = [(d.local_date.isoformat(), d.runs, round(d.distance_m, 6)) for d in store.days()]
    return ids, days


@settings(max_examples=60, deadline=None)
@given(arrivals(), st.randoms(use_true_random=False), st.integers(1, 4))
def test_any_order_and_batching_of_arrivals_counts_the_same_runs(
    rows: list[StoredActivity], rng: object, batch: int
) -> None:
    expected_ids = {r.source_id for r in kept(record(r) for r in rows)}
    shuffled = list(rows)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    real_runs = len({r.activity.activity_id.rsplit("-", 1)[1] for r in rows})
    answers = []
    for store in (DuckDBRunStore.open(":memory:"), InMemoryRunStore()):
        with store:
            for start in range(0, len(shuffled), batch):
                store.apply(Batch(activities=shuffled[start : start + batch]))
            answers.append(counted(store))
            assert answers[-1][0] == expected_ids
            assert sum(runs for _, runs, _ in answers[-1][1]) == real_runs
    assert answers[0] == answers[1]
