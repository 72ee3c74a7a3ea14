"""The state one sync carries through its phases, and how it is written: each page or
batch is one transaction that carries the checkpoint (phase, page, backlog) and the request
ledger with it, so a stop at any point resumes without repeating a request that succeeded.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import ValidationError

from streakcore.domain.models import SplitUnit
from streakcore.errors import StoreError
from streakcore.ports import ActivitySource, Batch, Deadline, RequestLedger, RunStore
from streakcore.usecases.stats import BACKFILL_KEY, CHECKPOINT_KEY, LAST_SYNC_KEY
from streakcore.usecases.sync.plan import Checkpoint, PageMerge, newest_first
from streakcore.usecases.sync.rate_limits import RateLimitWatch
from streakcore.usecases.sync.report import SyncStatus
from streakcore.usecases.sync.splits import SplitFetcher

log = logging.getLogger(__name__)

LEDGER_KEY = "request_budget"
ATTEMPT_KEY = "last_sync_attempt"

BATCH_SIZE = 100
"""Runs' splits stored per transaction: a search page's worth. Each batch rewrites the
checkpoint and the request window, so fewer, larger batches cost less CPU; what a crash
(not Ctrl-C, which stores what it has) can make us ask again is at most one batch."""
WINDOW_S = 3600.0
"""The request budget's window: it lets `requests_per_hour` through in any hour."""


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
    stop: threading.Event | None = None
    """Set from outside (Ctrl-C in the terminal) to stop at the next safe point, as when
    the time budget runs out: every batch committed stays, nothing is half-applied."""


class SyncProgress(Protocol):
    def update(self, phase: str, done: int, total: int | None) -> None: ...


@runtime_checkable
class BudgetedProgress(SyncProgress, Protocol):
    """A progress display that also shows when the hourly request budget, not the
    network, decides how long the backfill takes."""

    def budget_eta(self, seconds: float | None) -> None:
        """About how long the splits left take under the budget; None: the budget has
        room for all of them now, so the network sets the pace."""
        ...


Clock = Callable[[], datetime]


class OutOfTime(Exception):
    """The time budget ran out; everything done so far is committed."""


@dataclass(slots=True)
class Tally:
    runs_synced: int = 0
    splits_stored: int = 0
    quarantined: int = 0
    deleted: int = 0
    batches: int = 0
    answers: int = 0
    """SmashRun answers taken in: search and sweep pages, splits, details (404s included)."""
    warnings: list[str] = field(default_factory=list)


class SyncBase:
    """What every phase of one sync shares."""

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
        self.watch = RateLimitWatch(source)
        self.source: ActivitySource = self.watch
        self.store = store
        self.deadline = deadline
        self.clock = clock
        self.options = options
        self.ledger = ledger
        self.progress = progress
        self.tally = Tally()
        self.checkpoint = Checkpoint()
        self._splits_answered = 0
        """Runs whose splits SmashRun answered in this sync: a run whose splits fail
        beside them may be at fault itself."""

    def out_of_time(self) -> bool:
        if self.stopped():
            return True
        # Whatever the budget, one batch gets done: a run that commits nothing would leave
        # the next one exactly where it started.
        return self.tally.batches > 0 and self.deadline.expired()

    def stopped(self) -> bool:
        """Whoever runs the sync asked it to stop (`SyncOptions.stop`)."""
        return self.options.stop is not None and self.options.stop.is_set()

    def _check_time(self) -> None:
        if self.out_of_time():
            raise OutOfTime

    def _store_merge(self, merge: PageMerge, fetcher: SplitFetcher | None) -> None:
        """Commit a merged page with the checkpoint it leads to, then queue its splits on
        `fetcher` (None: they wait in the backlog for the search to finish)."""
        to_fetch = self.checkpoint.record_merge(merge)
        self._apply(
            Batch(activities=merge.upserts, quarantined=merge.quarantined),
            runs=len(merge.upserts),
        )
        if fetcher is not None:
            fetcher.submit(newest_first(to_fetch, self.checkpoint.split_failures))

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

    def _record_attempt(
        self,
        status: SyncStatus,
        error: str | None,
        *,
        heard_from_smashrun: bool = False,
        resume_at: datetime | None = None,
    ) -> None:
        """Best effort: a health check reads it, and it must not mask the real error.
        `resume_at` (the request budget's next opening) is what `/stats` quotes as the
        backfill's `next_sync_after`."""
        finished = self.clock().astimezone(UTC)
        state: dict[str, Any] = {
            ATTEMPT_KEY: {"at": iso(finished), "status": status.value, "error": error},
            BACKFILL_KEY: {"next_sync_after": iso(resume_at) if resume_at else None},
        }
        if status is not SyncStatus.FAILED and heard_from_smashrun:
            state[LAST_SYNC_KEY] = iso(finished)
        if self.ledger is not None:
            state[LEDGER_KEY] = self.ledger.snapshot()
        try:
            self.store.apply(Batch(state=state))
        except StoreError as exc:
            log.warning("could not record the sync attempt: %s", exc)

    def _report_progress(self, phase: str, done: int, total: int | None) -> None:
        if self.progress is None:
            return
        if phase == "splits" and total is not None and isinstance(self.progress, BudgetedProgress):
            self.progress.budget_eta(self._budget_eta_s(total - done))
        self.progress.update(phase, done, total)

    def _budget_eta_s(self, splits_left: int) -> float | None:
        """How long `splits_left` take when the hourly budget is what holds them back: an
        hour for each budget's worth beyond what it has room for now."""
        if self.ledger is None:
            return None
        beyond = splits_left * len(self.options.split_units) - self.ledger.available()
        if beyond <= 0:
            return None
        return math.ceil(beyond / self.ledger.requests_per_hour) * WINDOW_S


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
