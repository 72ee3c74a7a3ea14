"""Requests a sync costs against the fake SmashRun, counted by the fake, vs the floor.

The floor of a first sync of n runs (issue 14): ceil(n/100) search pages + n splits calls
(one per run: a run without GPS is only known to have none once asked) + 2; an id sweep
has nothing to find in a store that was empty when the pass began. Later syncs: 1 search
page, 1 splits call per new run, and the id sweep that finds deleted runs.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.sync_harness import (
    HOME_TZ,
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
from streakcore.domain.records import FastestMile
from streakcore.domain.rules import StreakRule
from streakcore.errors import StreakError
from streakcore.ports import Deadline
from streakcore.settings import Settings
from streakcore.smashrun.budget import RequestBudget
from streakcore.smashrun.client import SmashRunClient
from streakcore.smashrun.http import StaticToken, build_http
from streakcore.smashrun.source import SmashRunSource
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import FakeSmashRun, RecordedRequest, decade_athlete
from streakcore.usecases.stats import stats_from_store
from streakcore.usecases.sync import SyncStatus, sync

DAY_S = 86_400.0
RESUME_BUDGET_S = 0.25
"""Far too short for a decade of runs: the backfill has to resume many times."""
MAX_RESUMES = 500
RESUME_HOURLY_BUDGET_S = 300.0
"""Each hourly sync's time budget: long enough that only the request budget stops it."""


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


HOURLY_BUDGET: int = Settings.model_fields["requests_per_hour"].default


@dataclass(frozen=True, slots=True)
class HourlySync:
    requests: int
    """Requests this sync asked (the fake's count)."""
    fastest_mile: FastestMile | None


def _hourly_backfill(tmp: Path) -> list[HourlySync]:
    """The decade athlete's backfill under the default budget (240 requests an hour), one
    sync an hour, as a schedule or a patient runner would run it. The budget's clock is
    virtual: its waits move it on, and each sync starts an hour after the one before."""
    instant = [NOW.timestamp()]

    def wait(seconds: float) -> None:
        instant[0] += seconds

    budget = RequestBudget(HOURLY_BUDGET, clock=lambda: instant[0], sleep=wait)
    rule, home = StreakRule(), ZoneInfo(HOME_TZ)
    syncs: list[HourlySync] = []
    with (
        FakeSmashRun(decade_athlete(NOW), clock=lambda: NOW) as fake,
        DuckDBRunStore.open(tmp / "hourly.duckdb") as store,
    ):
        for _ in range(MAX_RESUMES):
            asked = len(api_requests(fake))
            deadline = Deadline(RESUME_HOURLY_BUDGET_S)
            http = build_http(
                fake.base_url, StaticToken(fake.access_token), budget=budget, deadline=deadline
            )
            source = SmashRunSource(SmashRunClient(http))
            try:
                report = sync(source, store, deadline=deadline, clock=fake.now, ledger=budget)
            finally:
                source.close()
            if report.error is not None:
                raise StreakError(f"the hourly backfill stopped on an error: {report.error}")
            body = stats_from_store(store, rule=rule, as_of=NOW, tz=home)
            syncs.append(HourlySync(len(api_requests(fake)) - asked, body.fastest_mile))
            if report.status is SyncStatus.SUCCESS:
                return syncs
            instant[0] += 3600.0
    raise StreakError(f"the hourly backfill did not finish in {MAX_RESUMES} syncs")


def _fastest_mile_rows(syncs: list[HourlySync]) -> list[Row]:
    """When the fastest mile reaches its final value, and when it stops being provisional,
    in requests after the first sync."""
    final = syncs[-1].fastest_mile
    if final is None or final.provisional:
        raise StreakError("the hourly backfill ended without a final fastest mile")
    after_first = [sum(s.requests for s in syncs[1 : k + 1]) for k in range(len(syncs))]
    reached = next(
        k for k, s in enumerate(syncs)
        if s.fastest_mile is not None and s.fastest_mile.seconds == final.seconds
    )  # fmt: skip
    note = (
        f"the decade athlete under the default budget ({HOURLY_BUDGET} requests an hour), "
        f"one sync an hour: {len(syncs)} syncs, the first asking {syncs[0].requests:,}; "
        "split requests go newest run first"
    )
    return [
        Row("requests", "fastest mile at its final value: requests after the first sync",
            after_first[reached], "", "requests after the first sync until the backfill is "
            "complete", after_first[-1], "report", None,
            f"{note}; the value is final after sync {reached + 1} of {len(syncs)}, "
            f"{final.seconds:.0f} s on {final.date}"),
        Row("requests", "fastest mile no longer provisional: requests after the first sync",
            after_first[-1], "", "", None, "report", None,
            f"{note}; provisional until every run has its splits, {len(syncs) - 1} hourly "
            "syncs after the first"),
    ]  # fmt: skip


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
        hourly = _hourly_backfill(Path(tmp))
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
        *_fastest_mile_rows(hourly),
    ]  # fmt: skip
