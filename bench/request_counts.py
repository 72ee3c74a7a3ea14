"""Requests a sync costs against the fake SmashRun, counted by the fake, vs the floor.

The floor of a first sync of n runs (issue 14): ceil(n/100) search pages + n splits calls
(one per run: a run without GPS is only known to have none once asked) + 2; an id sweep
has nothing to find in a store that was empty when the pass began. Later syncs: 1 search
page, 1 splits call per new run, and the id sweep that finds deleted runs.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from bench.sync_harness import (
    NOW,
    api_requests,
    by_kind,
    describe,
    kind_of,
    next_day_run,
    pages,
    repeated,
    sync_once,
    uploaded_runs,
)
from bench.table import Row
from streakcore.errors import StreakError
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun, RecordedRequest, decade_athlete
from streakcore.usecases.sync import SyncStatus

DAY_S = 86_400.0
RESUME_BUDGET_S = 0.25
"""Far too short for a decade of runs: the backfill has to resume many times."""
MAX_RESUMES = 500


def _measured(fake: FakeSmashRun, store: DuckDBRunStore) -> list[RecordedRequest]:
    fake.reset_requests()
    sync_once(fake, store)
    return api_requests(fake)


def _row(
    name: str,
    asked: list[RecordedRequest],
    floor: int,
    floor_name: str,
    note: str = "",
    *,
    at_most: bool = False,
) -> Row:
    met = len(asked) <= floor if at_most else len(asked) == floor
    target = f"<= {floor:,}" if at_most else f"= {floor:,}"
    return Row(
        "requests", name, len(asked), "", floor_name, floor, target, met,
        f"asked {describe(by_kind(asked))}; repeated within the sync: {len(repeated(asked))}"
        + (f"; {note}" if note else ""),
    )  # fmt: skip


def _resumed_backfill(tmp: Path) -> tuple[list[RecordedRequest], list[int]]:
    """Syncs under `RESUME_BUDGET_S` until one finishes: every request, and each sync's
    share of them."""
    with (
        FakeSmashRun(decade_athlete(NOW), clock=lambda: NOW) as fake,
        DuckDBRunStore.open(tmp / "resumed.duckdb") as store,
    ):
        per_sync: list[int] = []
        for _ in range(MAX_RESUMES):
            report = sync_once(fake, store, budget_s=RESUME_BUDGET_S)
            per_sync.append(report.requests)
            if report.status is SyncStatus.SUCCESS:
                return api_requests(fake), per_sync
    raise StreakError(f"the resumed backfill did not finish in {MAX_RESUMES} syncs")


def first_sync_floor(runs: int) -> int:
    """Issue 14's floor for a full backfill of `runs` into an empty store."""
    return pages(runs) + runs + 2


def run() -> list[Row]:
    athlete = decade_athlete(NOW)
    n = uploaded_runs(athlete)
    without_splits = sum(1 for run in athlete.runs if not run.splits_mi)
    with tempfile.TemporaryDirectory() as tmp:
        with (
            FakeSmashRun(athlete, clock=lambda: NOW) as fake,
            DuckDBRunStore.open(Path(tmp) / "runs.duckdb") as store,
        ):
            backfill = _measured(fake, store)
            # A day later, the day's run has been uploaded.
            fake.advance(DAY_S)
            payload, splits_mi = next_day_run(athlete)
            fake.add_activity(payload, splits_mi)
            incremental = _measured(fake, store)
            idle = _measured(fake, store)
        resumed, per_sync = _resumed_backfill(Path(tmp))
    repeats = repeated(resumed)
    repeated_kinds = Counter(kind_of(path) for _, path, _ in repeats)
    sweep = pages(n + 1)
    return [
        _row(f"full backfill, {n:,} runs (10 years)", backfill, first_sync_floor(n),
             f"ceil(n/100) + n + 2 = {pages(n)} search + {n:,} splits + 2",
             f"the splits floor includes the {without_splits} treadmill and manual runs, "
             "which only answer with no splits once asked; no id sweep: the store was empty "
             "when the pass began, so nothing in it can have been deleted",
             at_most=True),
        _row("incremental day, 1 new run", incremental, 1 + 1 + sweep,
             f"1 search + 1 splits + {sweep} id sweep"),
        _row("idle re-sync", idle, 1 + sweep, f"1 search + {sweep} id sweep"),
        Row("requests", "resumed backfill: requests repeated across syncs", len(repeats), "",
            "requests asked in all", len(resumed), "0", not repeats,
            f"{len(per_sync)} syncs of {RESUME_BUDGET_S} s each; same method+path+query asked "
            "twice counts once per distinct request"
            + (f" ({describe(repeated_kinds)})" if repeats else "")
            + "; no re-read is expected: each page, batch of splits and sweep page is "
            "committed with the checkpoint that skips it next time, and the frozen clock "
            "never makes a new search due while the backlog drains"),
        Row("requests", "resumed backfill: total requests", len(resumed), "",
            "the full backfill in one sync", len(backfill), "= one sync",
            len(resumed) == len(backfill),
            f"asked {describe(by_kind(resumed))}; the syncs' own reports add up to "
            f"{sum(per_sync):,}; requests per sync: min {min(per_sync)}, max {max(per_sync)}"),
    ]  # fmt: skip
