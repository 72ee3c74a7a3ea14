"""The sync use case: every run SmashRun has, in the store exactly once, with its splits.

Gather -> pure merge -> apply, in three resumable phases that form one cycle:

1. search: pages of activities new or updated since the watermark (all of them on the
   first run or with `full`), newest first. New and changed summaries are stored at once
   (the streak needs only the summary); those whose split inputs changed join the backlog.
2. splits: the backlog's splits, once the search is done (its pages bring the whole
   history the streak needs, so they come first in the hour's request budget), newest run
   first, fetched on `concurrency` threads and stored a batch at a time by the main thread.
3. sweep: every page of `/search/ids`, to find runs deleted at SmashRun (each confirmed
   one by one before it is marked deleted) and runs the search never showed us. Not after
   a pass that began with an empty store (a first backfill): nothing in it can be gone.

What a page, a batch or a sweep changes is decided by the pure core in `sync_plan`; this
module gathers and applies. Each page or batch is one transaction that carries the
checkpoint (phase, page, backlog) with it, so a stop at any point — the time budget, a rate
limit, an outage, a crash — resumes without repeating a request that succeeded and without
losing anything.

`last_sync` says when the store last heard from SmashRun, so only a sync that took in at
least one answer (a search page, a sweep page, a batch of splits, a run's detail) stamps
it. A sync stopped by an error before that is `failed`, SmashRun's rate limit or not:
otherwise a SmashRun that answers nothing but 429 would look fresh forever.

Our own hourly request budget is different: it is how a long backfill is meant to go, an
hour's worth at a time. A sync it stops is `partial` (or `paused` when it could not ask
anything), with no error; the report says how far the backfill is, when the budget opens
again and about how many more syncs it takes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from streakcore.errors import (
    RequestBudgetSpent,
    SmashRunError,
    SmashRunRateLimited,
    StoreError,
    StreakError,
)
from streakcore.ports import (
    ActivitySource,
    Batch,
    Deadline,
    RequestLedger,
    RunStore,
    StoredActivity,
)
from streakcore.usecases.sync.base import (
    LEDGER_KEY,
    Clock,
    OutOfTime,
    SyncOptions,
    SyncProgress,
    iso,
)
from streakcore.usecases.sync.plan import (
    MAX_SPLIT_ATTEMPTS,
    merge_page,
    newest_first,
    next_search,
)
from streakcore.usecases.sync.report import SyncReport, SyncStatus, kind_of
from streakcore.usecases.sync.splits import (
    Failed,
    Fetched,
    Gone,
    SplitFetcher,
    given_up_record,
    may_be_the_runs_own,
    outcome_id,
    rows_to_store,
)
from streakcore.usecases.sync.sweep import SweepPhase


class _Sync(SweepPhase):
    # -- running -------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        started = time.monotonic()
        requests_before = self.source.requests_made
        self.checkpoint = self._load_checkpoint()
        if self.ledger is not None:
            self.ledger.restore(self.store.get_state(LEDGER_KEY))
        error: StreakError | None = None
        try:
            with ThreadPoolExecutor(
                max_workers=self.options.concurrency, thread_name_prefix="smashrun"
            ) as pool:
                self._cycle(pool)
        except OutOfTime:
            pass
        except StoreError:
            self._record_attempt(SyncStatus.FAILED, "the database could not be written")
            raise
        except RequestBudgetSpent:
            pass  # a pause, not a failure: `_status` and the report say when it goes on
        except StreakError as exc:
            error = exc
        except Exception as exc:
            # A bug, not SmashRun: health must still say the sync failed. Only the type is
            # recorded, as the message could quote a payload.
            self._record_attempt(SyncStatus.FAILED, f"unexpected {type(exc).__name__}")
            raise
        interrupted = self.stopped()
        status = self._status(error, interrupted=interrupted)
        if status is SyncStatus.FAILED and isinstance(error, SmashRunRateLimited):
            error = self._rate_limited_before_any_answer(error)
        resume_at = self._budget_opens() if status is not SyncStatus.SUCCESS else None
        report = SyncReport(
            status=status,
            runs_synced=self.tally.runs_synced,
            splits_stored=self.tally.splits_stored,
            quarantined=self.tally.quarantined,
            deleted=self.tally.deleted,
            requests=self.source.requests_made - requests_before,
            backlog=len(self.checkpoint.backlog),
            runs_stored=len(self.store.live_ids()),
            next_sync_after=resume_at,
            syncs_left=self._syncs_left(),
            duration_s=round(time.monotonic() - started, 3),
            error=str(error) if error is not None else None,
            error_kind=kind_of(error),
            rate_limited=self.watch.hit,
            retry_after_s=self.watch.retry_after_s,
            warnings=self.tally.warnings,
            interrupted=interrupted,
        )
        self._record_attempt(
            status, report.error, heard_from_smashrun=self.tally.answers > 0, resume_at=resume_at
        )
        return report

    def _status(self, error: StreakError | None, *, interrupted: bool = False) -> SyncStatus:
        if error is None:
            if self.checkpoint.caught_up():
                return SyncStatus.SUCCESS
            if interrupted:
                return SyncStatus.PARTIAL
            return SyncStatus.PARTIAL if self.tally.answers else SyncStatus.PAUSED
        return SyncStatus.PARTIAL if self.tally.answers else SyncStatus.FAILED

    def _budget_opens(self) -> datetime | None:
        """The minute the hourly request budget has room again (rounded up, so a sync
        started then finds it open); None when it has room now."""
        opening = self.ledger.next_opening() if self.ledger is not None else None
        if opening is None:
            return None
        return datetime.fromtimestamp(math.ceil(opening / 60) * 60, UTC)

    def _syncs_left(self) -> int | None:
        """About how many more syncs the work left takes, each spending one hour's request
        budget: the backlog's splits, one search page and the id sweep. None when caught up
        (or when no budget bounds the syncs)."""
        cp = self.checkpoint
        if cp.caught_up() or self.ledger is None:
            return None
        requests = len(cp.backlog) * len(self.options.split_units) + 1
        if cp.sweep_due or cp.sweep is not None:
            requests += math.ceil(len(self.store.live_ids()) / self.source.page_size)
        return max(1, math.ceil(requests / self.ledger.requests_per_hour))

    def _rate_limited_before_any_answer(self, error: SmashRunRateLimited) -> SmashRunRateLimited:
        retry_at = self.clock() + timedelta(seconds=error.retry_after)
        return SmashRunRateLimited(
            error.retry_after,
            "rate limited before SmashRun answered anything, so nothing was synced; try again "
            f"after {iso(retry_at)}. {error}",
        )

    def _cycle(self, pool: ThreadPoolExecutor) -> None:
        cp = self.checkpoint
        cp.search = next_search(
            cp, self.clock(), full=self.options.full, store_empty=not self.store.live_ids()
        )
        fetcher = SplitFetcher(
            self.source,
            pool,
            self,
            units=self.options.split_units,
            batch_size=self.options.batch_size,
        )
        if self.options.full:
            cp.retry_given_up()
        try:
            self._search_phase()
            self._fetch_backlog(fetcher)
            fetcher.collect(wait=True)
            self._settle_split_failures(fetcher)
            if cp.sweep_ready():
                self._sweep_phase(fetcher, pool)
                # Runs the sweep found that the search had not shown us still need splits.
                fetcher.collect(wait=True)
                self._settle_split_failures(fetcher)
        except StoreError:
            fetcher.abandon()
            raise
        except BaseException:
            # Whatever stopped us, what was already fetched is worth keeping.
            fetcher.stop.set()
            fetcher.collect(wait=True, after_error=True)
            raise

    def _fetch_backlog(self, fetcher: SplitFetcher) -> None:
        """Ask for the splits of every run waiting for them, newest first.

        Only once the search is done: its pages (one per 100 runs) bring the whole history
        the streak is counted from, so they come before any splits request in the hour's
        budget, and the splits can then be spent newest first over all of it."""
        cp = self.checkpoint
        if not cp.backlog:
            return
        self._check_time()
        rows = _stored_rows(self.store, cp.backlog)
        cp.backlog = [i for i in cp.backlog if i in rows]  # deleted meanwhile
        fetcher.submit(newest_first((rows[i] for i in cp.backlog), cp.split_failures))

    def _settle_split_failures(self, fetcher: SplitFetcher) -> None:
        """Count this sync's failed splits against their runs, if SmashRun answered the
        splits of other runs (else the fault is SmashRun's, and nothing is counted); give
        up on the runs at `MAX_SPLIT_ATTEMPTS`, and stop on any failure left."""
        failures = fetcher.take_failures()
        suspects = {outcome_id(f): f for f in failures if may_be_the_runs_own(f.error)}
        given_up: list[str] = []
        if suspects and self._others_answered(set(suspects)):
            given_up = self.checkpoint.count_split_failures(suspects)
            self._give_up_on_splits([suspects[i] for i in given_up])
        left = [f for f in failures if outcome_id(f) not in given_up]
        if left:
            raise left[0].error
        self._check_time()

    def _others_answered(self, suspects: set[str]) -> bool:
        """Whether SmashRun answered the splits of another run in this sync. When no other
        run was asked for, one stored run's splits are (one request): a SmashRun that fails
        them too is having an outage, which must not cost any run its splits."""
        if self._splits_answered:
            return True
        cp = self.checkpoint
        waiting = suspects | set(cp.backlog) | set(cp.splits_given_up)
        controls = [i for i in self.store.live_ids() if i not in waiting]
        if not controls or self.out_of_time():
            return False
        # The newest upload (SmashRun numbers runs as they arrive) is the likeliest to be
        # like the runs now failing.
        control = max(controls, key=lambda i: (len(i), i))
        try:
            self.source.splits(control, self.options.split_units[0])
        except SmashRunError:
            return False
        self.tally.answers += 1
        return True

    def _give_up_on_splits(self, failures: Sequence[Failed]) -> None:
        """Store the runs without splits and quarantine what failed, in one batch with the
        checkpoint that counted the failures (written also when `failures` is empty)."""
        rows = [
            StoredActivity(f.row.activity, f.row.fingerprint, f.row.payload, []) for f in failures
        ]
        records = [given_up_record(f, MAX_SPLIT_ATTEMPTS) for f in failures]
        self._apply(Batch(activities=rows, quarantined=records, splits_only=True))
        for failure in failures:
            self.tally.warnings.append(
                f"gave up on the splits of run {outcome_id(failure)} after they failed in "
                f"{MAX_SPLIT_ATTEMPTS} syncs; the run is kept without them and the failure "
                "quarantined (`streak sync --full` asks again)"
            )

    # -- phase 1: search -------------------------------------------------------------------------

    def _search_phase(self) -> None:
        cp = self.checkpoint
        if cp.search is None:
            return
        fingerprints = self.store.fingerprints()
        refetch = self.options.full and self.options.refetch_splits
        pages = 0
        while cp.search is not None:
            self._check_time()
            page = self.source.search(cp.search.from_date, cp.search.next_page)
            self.tally.answers += 1
            merge = merge_page(page, fingerprints, rejected=cp.rejected, refetch_splits=refetch)
            if page.size < self.source.page_size:
                cp.end_search(self.clock())
            else:
                cp.search.next_page += 1
            self._store_merge(merge, fetcher=None)
            fingerprints.update((s.activity.activity_id, s.fingerprint) for s in merge.upserts)
            pages += 1
            self._report_progress("search", pages, None)

    # -- phase 2: splits (fetched on the fetcher's threads, stored here) -------------------------

    def apply_splits(self, outcomes: Sequence[Fetched | Gone], failures: Sequence[Failed]) -> None:
        rows, quarantined = rows_to_store(outcomes)
        self.tally.answers += len(outcomes)
        self._splits_answered += len(outcomes)
        self.checkpoint.settle_splits(
            finished={outcome_id(o) for o in outcomes},
            failed={outcome_id(f) for f in failures},
        )
        # The summaries went in with their search page (splits are only asked for a run
        # whose summary is committed, and a superseded answer is dropped): splits only.
        self._apply(Batch(activities=rows, quarantined=quarantined, splits_only=True))
        self.tally.splits_stored += sum(len(r.splits or ()) for r in rows)

    def report_splits_progress(self, done: int) -> None:
        self._report_progress("splits", done, done + len(self.checkpoint.backlog))


def _stored_rows(store: RunStore, ids: Iterable[str]) -> dict[str, StoredActivity]:
    """The stored summary (activity, fingerprint, payload) of live runs waiting for splits."""
    wanted = set(ids)
    if not wanted:
        return {}
    fingerprints = store.fingerprints()
    payloads = store.stored_payloads(wanted)
    return {
        a.activity_id: StoredActivity(
            a, fingerprints[a.activity_id], payloads.get(a.activity_id), None
        )
        for a in store.activities(ids=wanted)
    }


def sync(
    source: ActivitySource,
    store: RunStore,
    *,
    deadline: Deadline,
    clock: Clock,
    options: SyncOptions | None = None,
    ledger: RequestLedger | None = None,
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Bring `store` up to date with `source` within `deadline`; never raises for SmashRun
    trouble (the report says what happened), only for a database that cannot be written."""
    return _Sync(
        source,
        store,
        deadline=deadline,
        clock=clock,
        options=options or SyncOptions(),
        ledger=ledger,
        progress=progress,
    ).run()
