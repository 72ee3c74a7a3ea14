"""The sync's split fetcher: splits asked for on a thread pool while the search goes on.

Runs are submitted once their summary is committed (so splits never land before the run
they belong to) and outcomes are taken in submission order and handed, a batch at a time,
to the sync on the main thread only: DuckDB is written from one thread.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from streakcore.domain.models import Split, SplitUnit
from streakcore.errors import (
    SmashRunAuthError,
    SmashRunError,
    SmashRunNotFound,
    SmashRunRateLimited,
    SmashRunUnavailable,
    StreakError,
)
from streakcore.ports import ActivitySource, RejectedPayload, StoredActivity

MAX_SPLIT_FAILURES = 3
"""Split fetches that may fail in one run before we call it an outage and stop."""


@dataclass(frozen=True, slots=True)
class Fetched:
    row: StoredActivity
    splits: list[Split]
    rejected: list[RejectedPayload]


@dataclass(frozen=True, slots=True)
class Skipped:
    """Not asked: the fetcher was stopped or the time ran out first."""

    row: StoredActivity


@dataclass(frozen=True, slots=True)
class Gone:
    """SmashRun no longer has the run (404)."""

    row: StoredActivity


@dataclass(frozen=True, slots=True)
class Failed:
    row: StoredActivity
    error: SmashRunError


Outcome = Fetched | Skipped | Gone | Failed


def outcome_id(outcome: Outcome) -> str:
    return outcome.row.activity.activity_id


def may_be_the_runs_own(error: SmashRunError) -> bool:
    """Whether a failed splits request may say something about the run itself. A rate limit
    or a refused token says nothing about it, nor do retries the time budget cut short."""
    if isinstance(error, SmashRunRateLimited | SmashRunAuthError):
        return False
    return not (isinstance(error, SmashRunUnavailable) and error.cut_short)


def given_up_record(failure: Failed, failed_syncs: int) -> RejectedPayload:
    """The quarantine row of a run whose splits were given up on: there is no payload to
    keep, so it records what failed instead."""
    activity_id = outcome_id(failure)
    return RejectedPayload(
        source=f"activities/{activity_id}/splits",
        reason=(
            f"its splits failed in {failed_syncs} syncs while SmashRun answered for other "
            "runs; the run is stored without splits until `streak sync --full` asks again "
            f"(last error: {failure.error})"
        ),
        payload=json.dumps(
            {
                "activity_id": activity_id,
                "failed_syncs": failed_syncs,
                "last_error": str(failure.error),
            },
            sort_keys=True,
        ),
        activity_id=activity_id,
    )


def rows_to_store(
    outcomes: Sequence[Fetched | Gone],
) -> tuple[list[StoredActivity], list[RejectedPayload]]:
    """The rows (summary with its new splits) and quarantined payloads a batch stores."""
    rows: list[StoredActivity] = []
    quarantined: list[RejectedPayload] = []
    for outcome in outcomes:
        if isinstance(outcome, Gone):
            continue  # the sweep confirms deletions; nothing to store meanwhile
        row = outcome.row
        splits = [] if outcome.rejected else outcome.splits
        rows.append(StoredActivity(row.activity, row.fingerprint, row.payload, splits))
        quarantined.extend(outcome.rejected)
    return rows, quarantined


class SplitsSink(Protocol):
    """What the fetcher needs from the sync that owns it."""

    def out_of_time(self) -> bool:
        """Called from the pool's threads too."""
        ...

    def apply_splits(self, outcomes: Sequence[Fetched | Gone], failures: Sequence[Failed]) -> None:
        """Store a batch; called on the main thread only."""
        ...

    def report_splits_progress(self, done: int) -> None: ...


class SplitFetcher:
    """Fetches splits on `pool` and hands what came back to `sink` in submission order."""

    def __init__(
        self,
        source: ActivitySource,
        pool: ThreadPoolExecutor,
        sink: SplitsSink,
        *,
        units: tuple[SplitUnit, ...],
        batch_size: int,
    ) -> None:
        self._source = source
        self._pool = pool
        self._sink = sink
        self._units = units
        self._batch_size = batch_size
        self.stop = threading.Event()
        self._queue: deque[Future[Outcome]] = deque()
        self._latest: dict[str, StoredActivity] = {}
        self._ready: list[Fetched | Gone] = []
        self._unflushed_failures: list[Failed] = []
        self._failed: list[Failed] = []
        self._failed_in_sync = 0
        self.done = 0

    def submit(self, rows: Iterable[StoredActivity]) -> None:
        for row in rows:
            self._latest[row.activity.activity_id] = row
            self._queue.append(self._pool.submit(self._fetch, row))

    def _fetch(self, row: StoredActivity) -> Outcome:
        if self.stop.is_set() or self._sink.out_of_time():
            return Skipped(row)
        activity_id = row.activity.activity_id
        try:
            splits: list[Split] = []
            rejected: list[RejectedPayload] = []
            for unit in self._units:
                result = self._source.splits(activity_id, unit)
                splits.extend(result.splits)
                if result.rejected is not None:
                    rejected.append(result.rejected)
            return Fetched(row, splits, rejected)
        except SmashRunNotFound:
            return Gone(row)
        except SmashRunError as exc:
            return Failed(row, exc)
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
            if outcome.row is not self._latest[outcome_id(outcome)]:
                continue  # superseded: the run was edited meanwhile and is fetched again
            if isinstance(outcome, Failed):
                self._note_failure(outcome)
            elif isinstance(outcome, Fetched | Gone):
                self._ready.append(outcome)
                self.done += 1
                if len(self._ready) >= self._batch_size:
                    self.flush()
        if wait:
            self.flush()

    def _note_failure(self, failure: Failed) -> None:
        self._unflushed_failures.append(failure)
        self._failed.append(failure)
        self._failed_in_sync += 1
        stops_all = isinstance(failure.error, SmashRunRateLimited | SmashRunAuthError)
        if stops_all or self._failed_in_sync >= MAX_SPLIT_FAILURES:
            self.stop.set()

    def take_failures(self) -> list[Failed]:
        """The failures collected since the last call, for the sync to judge."""
        failed, self._failed = self._failed, []
        return failed

    def flush(self) -> None:
        # Checked again here: the search may have stored a newer summary since collecting.
        ready = [o for o in self._ready if o.row is self._latest[outcome_id(o)]]
        failures, self._unflushed_failures = self._unflushed_failures, []
        self._ready = []
        if ready or failures:
            self._sink.apply_splits(ready, failures)
        self._sink.report_splits_progress(self.done)

    def abandon(self) -> None:
        """After a failed write: let the pool wind down without touching the store again."""
        self.stop.set()
        self._queue.clear()
        self._ready = []
