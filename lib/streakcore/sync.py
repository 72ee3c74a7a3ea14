"""The sync use case: every run SmashRun has, in the store exactly once, with its splits.

Gather -> pure merge -> apply, in three resumable phases that form one cycle:

1. search: pages of activities new or updated since the watermark (all of them on the
   first run or with `full`), newest first. New and changed summaries are stored at once
   (the streak needs only the summary); those whose split inputs changed join the backlog.
2. splits: the backlog's splits, fetched on `concurrency` threads while the search goes
   on, stored a batch at a time by the main thread.
3. sweep: every page of `/search/ids`, to find runs deleted at SmashRun (each confirmed
   one by one before it is marked deleted) and runs the search never showed us.

Each page or batch is one transaction that carries the checkpoint (phase, page, backlog)
with it, so a stop at any point — the time budget, a rate limit, an outage, a crash —
resumes without repeating a request that succeeded and without losing anything.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ValidationError

from streakcore.domain.models import Split, SplitUnit
from streakcore.errors import (
    SmashRunAuthError,
    SmashRunError,
    SmashRunNotFound,
    SmashRunRateLimited,
    StoreError,
    StreakError,
)
from streakcore.ports import (
    ActivitySource,
    Deadline,
    RejectedPayload,
    RequestLedger,
    SearchPage,
)
from streakcore.stats_query import LAST_SYNC_KEY
from streakcore.storage.duckdb_store import Batch, QuarantinedPayload, RunStore, StoredActivity

log = logging.getLogger(__name__)

CHECKPOINT_KEY = "sync_checkpoint"
LEDGER_KEY = "request_budget"
ATTEMPT_KEY = "last_sync_attempt"

OVERLAP = timedelta(days=1)
"""Searched again each time: covers clock skew and uploads that land while we search."""
SEARCH_INTERVAL_WHILE_BEHIND = timedelta(hours=1)
"""While a backlog drains, look for new runs at most this often (each look is a request)."""
BATCH_SIZE = 50
MAX_SPLIT_FAILURES = 3
"""Split fetches that may fail in one run before we call it an outage and stop."""
SWEEP_SAMPLE = 3
"""Deletions confirmed first when a sweep says surprisingly many runs are gone."""


class SyncStatus(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILED = "failed"


class SyncReport(BaseModel):
    """What one sync did. `POST /sync` returns it; `streak sync --json` prints it."""

    status: SyncStatus
    runs_synced: int = 0
    splits_stored: int = 0
    quarantined: int = 0
    deleted: int = 0
    requests: int = 0
    backlog: int = 0
    """Activities still waiting for their splits."""
    duration_s: float = 0.0
    error: str | None = None
    warnings: list[str] = []


class SearchPass(BaseModel):
    from_date: AwareDatetime | None
    started_at: AwareDatetime
    next_page: int = 0


class Sweep(BaseModel):
    """The pages of `/search/ids` read so far; the list ends at the first short page."""

    pages: dict[int, list[str]] = {}
    end: int | None = None

    def complete(self) -> bool:
        return self.end is not None and all(p in self.pages for p in range(self.end + 1))

    def next_pages(self, expected: int, width: int) -> list[int]:
        """Up to `width` pages still to read, lowest first, up to the end if it is known,
        else up to the `expected` number of pages (and one past the furthest read)."""
        if self.end is not None:
            limit = self.end + 1
        else:
            limit = max(expected, max(self.pages, default=-1) + 2)
        return [p for p in range(limit) if p not in self.pages][: max(1, width)]

    def add(self, number: int, ids: list[str], page_size: int) -> None:
        self.pages[number] = ids
        if len(ids) < page_size and (self.end is None or number < self.end):
            self.end = number

    def seen(self) -> list[str]:
        last = self.end if self.end is not None else max(self.pages, default=-1)
        return [i for p in sorted(self.pages) if p <= last for i in self.pages[p]]


class Checkpoint(BaseModel):
    """Where the cycle stands; stored in sync_state under `CHECKPOINT_KEY`."""

    watermark: AwareDatetime | None = None
    """Start of the last search pass that finished: the next one asks from here."""
    last_search_at: AwareDatetime | None = None
    search: SearchPass | None = None
    backlog: list[str] = []
    sweep_due: bool = False
    sweep: Sweep | None = None
    rejected: dict[str, str] = {}
    """Id -> digest of the payload we quarantined for it: the same payload is not
    quarantined twice, and the sweep does not fetch it again."""

    def caught_up(self) -> bool:
        idle = self.search is None and self.sweep is None
        return idle and not self.backlog and not self.sweep_due


@dataclass(frozen=True, slots=True)
class SyncOptions:
    full: bool = False
    """Search from the beginning, not the watermark; unchanged runs still keep their splits."""
    refetch_splits: bool = False
    """With `full`: fetch the splits of every run again."""
    concurrency: int = 4
    split_units: tuple[SplitUnit, ...] = ("mi",)
    """Miles feed the fastest mile; each extra unit is one more request per run."""
    batch_size: int = BATCH_SIZE


class SyncProgress(Protocol):
    def update(self, phase: str, done: int, total: int | None) -> None: ...


Clock = Callable[[], datetime]


# -- the pure core ----------------------------------------------------------------------------


@dataclass(slots=True)
class PageMerge:
    upserts: list[StoredActivity] = field(default_factory=list)
    needs_splits: list[str] = field(default_factory=list)
    quarantined: list[QuarantinedPayload] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    """Id -> payload digest of each rejected item that names its id."""


def merge_page(
    page: SearchPage,
    fingerprints: Mapping[str, str],
    *,
    rejected: Mapping[str, str] | None = None,
    refetch_splits: bool = False,
) -> PageMerge:
    """Decide what a page changes: unchanged runs are skipped, edited ones re-stored, and
    only those whose split inputs changed (or that are new) need a splits request. A
    payload already quarantined (`rejected`: id -> digest) is not quarantined again."""
    known = rejected or {}
    merge = PageMerge()
    for item in page.accepted:
        activity_id = item.activity.activity_id
        merge.accepted_ids.append(activity_id)
        stored = fingerprints.get(activity_id)
        if stored == item.fingerprint and not refetch_splits:
            continue
        merge.upserts.append(StoredActivity(item.activity, item.fingerprint, item.payload, None))
        if refetch_splits or not item.keeps_splits_of(stored):
            merge.needs_splits.append(activity_id)
    for bad in page.rejected:
        digest = payload_digest(bad.payload)
        if bad.activity_id is not None:
            if known.get(bad.activity_id) == digest:
                continue
            merge.rejected[bad.activity_id] = digest
        merge.quarantined.append(_quarantine(bad))
    return merge


def payload_digest(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class SweepPlan:
    candidates: list[str]
    """Stored runs the sweep did not list: deleted once SmashRun confirms (404)."""
    unknown: list[str]
    """Listed runs we do not have: fetched one by one."""
    sample_first: bool
    """So many candidates that a few are confirmed before the rest are looked at."""
    trusted: bool
    warning: str | None = None


def plan_sweep(seen: Sequence[str], live: set[str], quarantined: set[str]) -> SweepPlan:
    listed = set(seen)
    if not listed and live:
        return SweepPlan(
            [], [], sample_first=False, trusted=False,
            warning=f"SmashRun listed no activities while {len(live)} are stored; "
            "nothing was marked deleted",
        )  # fmt: skip
    candidates = sorted(live - listed)
    unknown = [i for i in dict.fromkeys(seen) if i not in live and i not in quarantined]
    many = len(candidates) > max(SWEEP_SAMPLE, len(live) // 10)
    return SweepPlan(candidates, unknown, sample_first=many, trusted=True)


def _quarantine(rejected: RejectedPayload) -> QuarantinedPayload:
    return QuarantinedPayload(
        source=rejected.source,
        reason=rejected.reason,
        payload=rejected.payload,
        activity_id=rejected.activity_id,
    )


# -- the shell --------------------------------------------------------------------------------


class _OutOfTime(Exception):
    """The time budget ran out; everything done so far is committed."""


@dataclass(slots=True)
class _Tally:
    runs_synced: int = 0
    splits_stored: int = 0
    quarantined: int = 0
    deleted: int = 0
    batches: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Fetched:
    row: StoredActivity
    splits: list[Split]
    rejected: list[RejectedPayload]


@dataclass(frozen=True, slots=True)
class _Skipped:
    row: StoredActivity


@dataclass(frozen=True, slots=True)
class _Gone:
    row: StoredActivity


@dataclass(frozen=True, slots=True)
class _Failed:
    row: StoredActivity
    error: SmashRunError


_Outcome = _Fetched | _Skipped | _Gone | _Failed


class _SplitFetcher:
    """Fetches splits on a thread pool while the main thread searches and writes.

    Runs are submitted once their summary is committed (so splits never land before the
    run they belong to) and outcomes are taken in submission order and stored a batch at
    a time by the main thread only: DuckDB is written from one thread.
    """

    def __init__(self, sync: _Sync, pool: ThreadPoolExecutor) -> None:
        self._sync = sync
        self._pool = pool
        self.stop = threading.Event()
        self._queue: deque[Future[_Outcome]] = deque()
        self._latest: dict[str, StoredActivity] = {}
        self._ready: list[_Fetched | _Gone] = []
        self._failures: list[_Failed] = []
        self.first_error: SmashRunError | None = None
        self.done = 0

    def submit(self, rows: Iterable[StoredActivity]) -> None:
        for row in rows:
            self._latest[row.activity.activity_id] = row
            self._queue.append(self._pool.submit(self._fetch, row))

    def _fetch(self, row: StoredActivity) -> _Outcome:
        if self.stop.is_set() or self._sync.out_of_time():
            return _Skipped(row)
        activity_id = row.activity.activity_id
        try:
            splits: list[Split] = []
            rejected: list[RejectedPayload] = []
            for unit in self._sync.options.split_units:
                result = self._sync.source.splits(activity_id, unit)
                splits.extend(result.splits)
                if result.rejected is not None:
                    rejected.append(result.rejected)
            return _Fetched(row, splits, rejected)
        except SmashRunNotFound:
            return _Gone(row)
        except SmashRunError as exc:
            return _Failed(row, exc)
        except BaseException:
            self.stop.set()
            raise

    def collect(self, *, wait: bool, after_error: bool = False) -> None:
        """Store finished outcomes in order (all of them, when `wait`).

        `after_error`: another error is already on its way up; keep what can be kept and
        let that error be the one reported.
        """
        while self._queue and (wait or self._queue[0].done()):
            future = self._queue.popleft()
            try:
                outcome = future.result()
            except StreakError:
                if after_error:
                    continue
                raise
            if outcome.row is not self._latest[_id_of(outcome)]:
                continue  # superseded: the run was edited meanwhile and is fetched again
            if isinstance(outcome, _Failed):
                self._failed(outcome)
            elif isinstance(outcome, _Fetched | _Gone):
                self._ready.append(outcome)
                self.done += 1
                if len(self._ready) >= self._sync.options.batch_size:
                    self.flush()
        if wait:
            self.flush()

    def _failed(self, failure: _Failed) -> None:
        self._failures.append(failure)
        self.first_error = self.first_error or failure.error
        stops_all = isinstance(failure.error, SmashRunRateLimited | SmashRunAuthError)
        if stops_all or len(self._failures) >= MAX_SPLIT_FAILURES:
            self.stop.set()

    def flush(self) -> None:
        # Checked again here: the search may have stored a newer summary since collecting.
        ready = [o for o in self._ready if o.row is self._latest[_id_of(o)]]
        self._ready = []
        if ready or self._failures:
            self._sync.apply_splits(ready, self._failures)
        self._sync.report_splits_progress(self.done)

    def abandon(self) -> None:
        """After a failed write: let the pool wind down without touching the store again."""
        self.stop.set()
        self._queue.clear()
        self._ready = []


def _id_of(outcome: _Outcome) -> str:
    return outcome.row.activity.activity_id


class _Sync:
    def __init__(
        self,
        source: ActivitySource,
        store: RunStore,
        *,
        deadline: Deadline,
        clock: Clock,
        options: SyncOptions,
        ledger: RequestLedger | None,
        progress: SyncProgress | None,
    ) -> None:
        self.source = source
        self.store = store
        self.deadline = deadline
        self.clock = clock
        self.options = options
        self.ledger = ledger
        self.progress = progress
        self.tally = _Tally()
        self.checkpoint = Checkpoint()

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
        except _OutOfTime:
            pass
        except StoreError:
            self._record_attempt(SyncStatus.FAILED, "the database could not be written")
            raise
        except StreakError as exc:
            error = exc
        except Exception as exc:
            # A bug, not SmashRun: health must still say the sync failed. Only the type is
            # recorded, as the message could quote a payload.
            self._record_attempt(SyncStatus.FAILED, f"unexpected {type(exc).__name__}")
            raise
        status = self._status(error)
        report = SyncReport(
            status=status,
            runs_synced=self.tally.runs_synced,
            splits_stored=self.tally.splits_stored,
            quarantined=self.tally.quarantined,
            deleted=self.tally.deleted,
            requests=self.source.requests_made - requests_before,
            backlog=len(self.checkpoint.backlog),
            duration_s=round(time.monotonic() - started, 3),
            error=str(error) if error is not None else None,
            warnings=self.tally.warnings,
        )
        self._record_attempt(status, report.error)
        return report

    def _status(self, error: StreakError | None) -> SyncStatus:
        if error is None:
            return SyncStatus.SUCCESS if self.checkpoint.caught_up() else SyncStatus.PARTIAL
        if isinstance(error, SmashRunRateLimited) or self.tally.batches:
            return SyncStatus.PARTIAL
        return SyncStatus.FAILED

    def _cycle(self, pool: ThreadPoolExecutor) -> None:
        cp = self.checkpoint
        now = self.clock()
        resuming_full = cp.search is not None and cp.search.from_date is None
        if self.options.full and not resuming_full:
            cp.search = SearchPass(from_date=None, started_at=now)
        elif cp.search is None and self._time_to_search(now):
            from_date = cp.watermark - OVERLAP if cp.watermark is not None else None
            cp.search = SearchPass(from_date=from_date, started_at=now)
        fetcher = _SplitFetcher(self, pool)
        try:
            if cp.backlog:
                self._check_time()
                rows = _stored_rows(self.store, cp.backlog)
                cp.backlog = [i for i in cp.backlog if i in rows]  # deleted meanwhile
                fetcher.submit(rows[i] for i in cp.backlog)
            self._search_phase(fetcher)
            fetcher.collect(wait=True)
            self._raise_split_failure(fetcher)
            if cp.search is None and not cp.backlog and (cp.sweep_due or cp.sweep is not None):
                self._sweep_phase(fetcher, pool)
                # Runs the sweep found that the search had not shown us still need splits.
                fetcher.collect(wait=True)
                self._raise_split_failure(fetcher)
        except StoreError:
            fetcher.abandon()
            raise
        except BaseException:
            # Whatever stopped us, what was already fetched is worth keeping.
            fetcher.stop.set()
            fetcher.collect(wait=True, after_error=True)
            raise

    def _raise_split_failure(self, fetcher: _SplitFetcher) -> None:
        if fetcher.first_error is not None:
            raise fetcher.first_error
        self._check_time()

    def _time_to_search(self, now: datetime) -> bool:
        cp = self.checkpoint
        if cp.caught_up() or cp.last_search_at is None:
            return True
        return now - cp.last_search_at >= SEARCH_INTERVAL_WHILE_BEHIND

    def out_of_time(self) -> bool:
        # Whatever the budget, one batch gets done: a run that commits nothing would leave
        # the next one exactly where it started.
        return self.tally.batches > 0 and self.deadline.expired()

    def _check_time(self) -> None:
        if self.out_of_time():
            raise _OutOfTime

    # -- phase 1: search -------------------------------------------------------------------------

    def _search_phase(self, fetcher: _SplitFetcher) -> None:
        cp = self.checkpoint
        if cp.search is None:
            return
        fingerprints = self.store.fingerprints()
        refetch = self.options.full and self.options.refetch_splits
        pages = 0
        while cp.search is not None:
            self._check_time()
            page = self.source.search(cp.search.from_date, cp.search.next_page)
            merge = merge_page(page, fingerprints, rejected=cp.rejected, refetch_splits=refetch)
            if page.size < self.source.page_size:
                cp.watermark = cp.search.started_at
                cp.last_search_at = self.clock()
                cp.search = None
                cp.sweep_due = True
            else:
                cp.search.next_page += 1
            self._store_merge(merge, fetcher)
            fingerprints.update((s.activity.activity_id, s.fingerprint) for s in merge.upserts)
            pages += 1
            self._report_progress("search", pages, None)
            fetcher.collect(wait=False)

    def _store_merge(self, merge: PageMerge, fetcher: _SplitFetcher) -> None:
        """Commit a merged page with the checkpoint it leads to, then queue its splits."""
        cp = self.checkpoint
        waiting = set(cp.backlog)
        if merge.needs_splits:
            cp.backlog = list(dict.fromkeys([*cp.backlog, *merge.needs_splits]))
        if merge.accepted_ids or merge.rejected:
            accepted = set(merge.accepted_ids)
            merged = {**cp.rejected, **merge.rejected}
            cp.rejected = {i: d for i, d in merged.items() if i not in accepted}
        self._apply(
            Batch(activities=merge.upserts, quarantined=merge.quarantined),
            runs=len(merge.upserts),
        )
        # A run edited while its splits were on their way is fetched again: the later
        # answer is applied last, with the summary it belongs to.
        fetch = set(merge.needs_splits) | {
            s.activity.activity_id for s in merge.upserts if s.activity.activity_id in waiting
        }
        fetcher.submit(s for s in merge.upserts if s.activity.activity_id in fetch)

    # -- phase 2: splits (on the fetcher's threads) ------------------------------------------------

    def apply_splits(
        self, outcomes: Sequence[_Fetched | _Gone], failures: Sequence[_Failed]
    ) -> None:
        cp = self.checkpoint
        finished = {_id_of(o) for o in outcomes}
        failed = {_id_of(f) for f in failures} - finished
        rows: list[StoredActivity] = []
        quarantined: list[QuarantinedPayload] = []
        for outcome in outcomes:
            if isinstance(outcome, _Gone):
                continue  # the sweep confirms deletions; nothing to store meanwhile
            row = outcome.row
            splits = [] if outcome.rejected else outcome.splits
            rows.append(StoredActivity(row.activity, row.fingerprint, row.payload, splits))
            quarantined.extend(_quarantine(r) for r in outcome.rejected)
        # A failing run goes to the back of the queue so it cannot hold up the others.
        kept = [i for i in cp.backlog if i not in finished and i not in failed]
        cp.backlog = kept + [i for i in cp.backlog if i in failed]
        self._apply(Batch(activities=rows, quarantined=quarantined))
        self.tally.splits_stored += sum(len(r.splits or ()) for r in rows)

    def report_splits_progress(self, done: int) -> None:
        self._report_progress("splits", done, done + len(self.checkpoint.backlog))

    # -- phase 3: sweep ---------------------------------------------------------------------------

    def _sweep_phase(self, fetcher: _SplitFetcher, pool: ThreadPoolExecutor) -> None:
        cp = self.checkpoint
        sweep = cp.sweep or Sweep()
        cp.sweep = sweep
        cp.sweep_due = False
        live = self.store.live_ids()
        # Pages certain to be full (nothing deleted) are asked together; the rest in turn.
        expected_pages = len(live) // self.source.page_size + 1
        fetched = 0
        try:
            while not sweep.complete():
                self._check_time()
                wanted = sweep.next_pages(expected_pages, self.options.concurrency)
                asked = [(n, pool.submit(self.source.activity_ids, n)) for n in wanted]
                failure: StreakError | None = None
                for number, future in asked:
                    try:
                        ids = future.result()
                    except StreakError as exc:
                        failure = failure or exc
                        continue
                    sweep.add(number, list(ids), self.source.page_size)
                    fetched += 1
                if failure is not None:
                    raise failure
                self._report_progress("sweep", len(sweep.pages), None)
        finally:
            if fetched:
                # The pages read so far are kept, so a stop does not read them again.
                self._apply(Batch())
        plan = plan_sweep(sweep.seen(), live, set(cp.rejected))
        if plan.warning:
            self.tally.warnings.append(plan.warning)
        if plan.trusted:
            self._reconcile(plan, fetcher)
        cp.sweep = None
        self._apply(Batch())

    def _reconcile(self, plan: SweepPlan, fetcher: _SplitFetcher) -> None:
        candidates = plan.candidates
        if plan.sample_first:
            sample = candidates[:SWEEP_SAMPLE]
            if not all(self._confirm_gone(i, fetcher) for i in sample):
                self.tally.warnings.append(
                    f"SmashRun's id list left out {len(candidates)} stored runs but still has "
                    "the ones we checked; nothing was marked deleted"
                )
                return
            self._delete(sample)
            candidates = candidates[SWEEP_SAMPLE:]
        for activity_id in candidates:
            if self._confirm_gone(activity_id, fetcher):
                self._delete([activity_id])
        for activity_id in plan.unknown:
            self._check_time()
            self._take_detail(activity_id, fetcher)

    def _confirm_gone(self, activity_id: str, fetcher: _SplitFetcher) -> bool:
        self._check_time()
        try:
            page = self.source.activity(activity_id)
        except SmashRunNotFound:
            return True
        self._store_page(page, fetcher)
        return False

    def _take_detail(self, activity_id: str, fetcher: _SplitFetcher) -> None:
        try:
            page = self.source.activity(activity_id)
        except SmashRunNotFound:
            return  # deleted between the sweep and now
        self._store_page(page, fetcher, requested_id=activity_id)

    def _store_page(
        self, page: SearchPage, fetcher: _SplitFetcher, requested_id: str | None = None
    ) -> None:
        merge = merge_page(page, self.store.fingerprints(), rejected=self.checkpoint.rejected)
        if requested_id is not None and page.rejected and not page.accepted:
            # A payload too broken to name its id is remembered under the id we asked for.
            merge.rejected.setdefault(requested_id, payload_digest(page.rejected[0].payload))
        self._store_merge(merge, fetcher)

    def _delete(self, ids: Sequence[str]) -> None:
        cp = self.checkpoint
        gone = set(ids)
        cp.backlog = [i for i in cp.backlog if i not in gone]
        self._apply(Batch(deleted_ids=list(ids)))
        self.tally.deleted += len(ids)

    # -- applying ---------------------------------------------------------------------------------

    def _apply(self, batch: Batch, *, runs: int = 0) -> None:
        """One transaction: the batch's rows together with the checkpoint they lead to."""
        batch.state[CHECKPOINT_KEY] = self.checkpoint.model_dump(mode="json")
        if self.ledger is not None:
            batch.state[LEDGER_KEY] = self.ledger.snapshot()
        self.store.apply(batch)
        self.tally.batches += 1
        self.tally.runs_synced += runs
        self.tally.quarantined += len(batch.quarantined)

    def _load_checkpoint(self) -> Checkpoint:
        raw = self.store.get_state(CHECKPOINT_KEY)
        if raw is None:
            return Checkpoint()
        try:
            return Checkpoint.model_validate(raw)
        except ValidationError:
            self.tally.warnings.append(
                "the sync checkpoint was unreadable; searched everything again"
            )
            return Checkpoint()

    def _record_attempt(self, status: SyncStatus, error: str | None) -> None:
        """Best effort: a health check reads it, and it must not mask the real error."""
        finished = self.clock().astimezone(UTC)
        state: dict[str, Any] = {
            ATTEMPT_KEY: {"at": _iso(finished), "status": status.value, "error": error}
        }
        if status is not SyncStatus.FAILED:
            state[LAST_SYNC_KEY] = _iso(finished)
        if self.ledger is not None:
            state[LEDGER_KEY] = self.ledger.snapshot()
        try:
            self.store.apply(Batch(state=state))
        except StoreError as exc:
            log.warning("could not record the sync attempt: %s", exc)

    def _report_progress(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress.update(phase, done, total)


def _stored_rows(store: RunStore, ids: Iterable[str]) -> dict[str, StoredActivity]:
    """The stored summary (activity, fingerprint, payload) of live runs waiting for splits."""
    wanted = set(ids)
    if not wanted:
        return {}
    fingerprints = store.fingerprints()
    payloads = _payloads(store, wanted)
    return {
        a.activity_id: StoredActivity(
            a, fingerprints[a.activity_id], payloads.get(a.activity_id), None
        )
        for a in store.activities()
        if a.activity_id in wanted
    }


def _payloads(store: RunStore, ids: set[str]) -> dict[str, str | None]:
    import duckdb

    try:
        rows = store.connection.execute(
            "SELECT activity_id, payload FROM activities WHERE activity_id IN (SELECT unnest($1))",
            [sorted(ids)],
        ).fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"could not read pending activities: {exc}") from exc
    return {r[0]: r[1] for r in rows}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


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
