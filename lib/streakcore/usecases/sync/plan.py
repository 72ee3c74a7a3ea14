"""The sync's pure core: where the cycle stands and what a page or a sweep changes.

No I/O and no clock: the shell (`streakcore.usecases.sync.run`) gathers pages and the
time, calls these, and applies what they decide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel

from streakcore.ports import RejectedPayload, SearchPage, StoredActivity

OVERLAP = timedelta(days=1)
"""Searched again each time: covers clock skew and uploads that land while we search."""
SEARCH_INTERVAL_WHILE_BEHIND = timedelta(hours=1)
"""While a backlog drains, look for new runs at most this often (each look is a request)."""
SWEEP_SAMPLE = 3
"""Deletions confirmed first when a sweep says surprisingly many runs are gone."""
MAX_SPLIT_ATTEMPTS = 3
"""Syncs in which a run's splits may fail, while SmashRun answered other runs' splits,
before they are given up on (quarantined; `--full` asks again). Each of those syncs
already retried the request (`RetryPolicy`), and the schedule syncs twice a day: three is
a day or more of one run failing alone, which a flaky SmashRun does not do by chance. The
run itself stays stored and counts for the streak meanwhile; what waits on it is the
deletion sweep and a `success` status, which one bad payload must not hold up for long."""


class SearchPass(BaseModel):
    from_date: AwareDatetime | None
    started_at: AwareDatetime
    next_page: int = 0
    into_empty_store: bool = False
    """The store held no run when the pass began: nothing in it can have been deleted at
    SmashRun, so no id sweep follows (it would cost a page per 100 runs and find nothing)."""


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


@dataclass(slots=True)
class PageMerge:
    upserts: list[StoredActivity] = field(default_factory=list)
    needs_splits: list[str] = field(default_factory=list)
    quarantined: list[RejectedPayload] = field(default_factory=list)
    accepted_ids: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    """Id -> payload digest of each rejected item that names its id."""


class Checkpoint(BaseModel):
    """Where the cycle stands; the shell stores it with every batch it writes."""

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
    split_failures: dict[str, int] = {}
    """Id -> syncs in which the run's splits failed while other runs' splits came back."""
    splits_given_up: list[str] = []
    """Runs stored without splits after `MAX_SPLIT_ATTEMPTS`: a full sync asks again."""

    def caught_up(self) -> bool:
        idle = self.search is None and self.sweep is None
        return idle and not self.backlog and not self.sweep_due

    def end_search(self, finished_at: datetime) -> None:
        """The last page came back short: the next pass asks from where this one began."""
        assert self.search is not None  # only a pass under way can end
        self.watermark = self.search.started_at
        self.last_search_at = finished_at
        # Nothing in a store that was empty when the pass began can be gone; what was
        # uploaded while its pages were read, the next search finds (it asks from the start
        # of this pass, less `OVERLAP`).
        self.sweep_due = self.sweep_due or not self.search.into_empty_store
        self.search = None

    def record_merge(self, merge: PageMerge) -> list[StoredActivity]:
        """Take a merged page in; returns the rows whose splits are to be fetched."""
        waiting = set(self.backlog)
        if merge.needs_splits:
            self.backlog = list(dict.fromkeys([*self.backlog, *merge.needs_splits]))
        if merge.accepted_ids or merge.rejected:
            accepted = set(merge.accepted_ids)
            merged = {**self.rejected, **merge.rejected}
            self.rejected = {i: d for i, d in merged.items() if i not in accepted}
        # A run edited while its splits were on their way is fetched again: the later
        # answer is applied last, with the summary it belongs to.
        fetch = set(merge.needs_splits) | {
            s.activity.activity_id for s in merge.upserts if s.activity.activity_id in waiting
        }
        return [s for s in merge.upserts if s.activity.activity_id in fetch]

    def settle_splits(self, finished: set[str], failed: set[str]) -> None:
        """Drop the runs whose splits are stored; failing ones go to the back of the queue
        so they cannot hold up the others."""
        failing = failed - finished
        kept = [i for i in self.backlog if i not in finished and i not in failing]
        self.backlog = kept + [i for i in self.backlog if i in failing]
        self.split_failures = {i: n for i, n in self.split_failures.items() if i not in finished}

    def count_split_failures(self, ids: Iterable[str]) -> list[str]:
        """One more failed sync for each of `ids`; returns those now at the bound, which
        leave the backlog for `splits_given_up`."""
        given_up: list[str] = []
        for activity_id in dict.fromkeys(ids):
            attempts = self.split_failures.get(activity_id, 0) + 1
            if attempts < MAX_SPLIT_ATTEMPTS:
                self.split_failures[activity_id] = attempts
                continue
            self.split_failures.pop(activity_id, None)
            given_up.append(activity_id)
        if given_up:
            out = set(given_up)
            self.backlog = [i for i in self.backlog if i not in out]
            self.splits_given_up = list(dict.fromkeys([*self.splits_given_up, *given_up]))
        return given_up

    def retry_given_up(self) -> None:
        """A full sync: the runs whose splits were given up on join the backlog again."""
        if self.splits_given_up:
            self.backlog = list(dict.fromkeys([*self.backlog, *self.splits_given_up]))
            self.splits_given_up = []

    def forget(self, ids: Sequence[str]) -> None:
        gone = set(ids)
        self.backlog = [i for i in self.backlog if i not in gone]
        self.splits_given_up = [i for i in self.splits_given_up if i not in gone]
        self.split_failures = {i: n for i, n in self.split_failures.items() if i not in gone}

    def sweep_ready(self) -> bool:
        """A sweep runs only once the search has finished and every backlog run has splits."""
        waiting = self.search is not None or bool(self.backlog)
        return not waiting and (self.sweep_due or self.sweep is not None)

    def start_sweep(self) -> Sweep:
        """The sweep under way, or a new one."""
        sweep = self.sweep or Sweep()
        self.sweep = sweep
        self.sweep_due = False
        return sweep


def next_search(
    checkpoint: Checkpoint, now: datetime, *, full: bool, store_empty: bool = False
) -> SearchPass | None:
    """The search pass this run makes: a new full one when asked (unless one is under way),
    else the pass under way, else one from the watermark when it is time to look again.
    `store_empty`: the store holds no run now (a new pass into it needs no id sweep)."""
    current = checkpoint.search
    resuming_full = current is not None and current.from_date is None
    if full and not resuming_full:
        return SearchPass(from_date=None, started_at=now, into_empty_store=store_empty)
    if current is None and _time_to_search(checkpoint, now):
        watermark = checkpoint.watermark
        from_date = watermark - OVERLAP if watermark is not None else None
        return SearchPass(from_date=from_date, started_at=now, into_empty_store=store_empty)
    return current


def _time_to_search(checkpoint: Checkpoint, now: datetime) -> bool:
    if checkpoint.caught_up() or checkpoint.last_search_at is None:
        return True
    return now - checkpoint.last_search_at >= SEARCH_INTERVAL_WHILE_BEHIND


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
    # An id twice on one page (SmashRun's paging shifting under an upload) is taken once,
    # in its later copy: the same result as if the copies had come on separate pages,
    # where the later one is applied last.
    latest = {item.activity.activity_id: item for item in page.accepted}
    for activity_id, item in latest.items():
        merge.accepted_ids.append(activity_id)
        stored = fingerprints.get(activity_id)
        if stored == item.fingerprint and not refetch_splits:
            continue
        merge.upserts.append(StoredActivity(item.activity, item.fingerprint, item.payload, None))
        if refetch_splits or not item.keeps_splits_of(stored):
            merge.needs_splits.append(activity_id)
    quarantined: set[tuple[str | None, str]] = set()
    for bad in page.rejected:
        digest = payload_digest(bad.payload)
        if (bad.activity_id, digest) in quarantined:
            continue  # the same payload twice on this page
        quarantined.add((bad.activity_id, digest))
        if bad.activity_id is not None:
            if known.get(bad.activity_id) == digest:
                continue
            merge.rejected[bad.activity_id] = digest
        merge.quarantined.append(bad)
    return merge


def newest_first(
    rows: Iterable[StoredActivity], failing: Mapping[str, int] | None = None
) -> list[StoredActivity]:
    """The order split requests are spent in: the newest runs first, runs whose splits
    already failed last.

    A backfill of years takes many budget hours, and what a runner reads meanwhile is the
    recent past: this month's runs, the current streak, the records they are chasing now.
    Newest first makes those final first; the oldest runs, which come from watches that
    often recorded no GPS, wait longest. Runs that failed go last so that they cannot
    hold the others up (as `Checkpoint.settle_splits` keeps them at the back).
    """
    bad = failing or {}
    return sorted(
        rows,
        key=lambda r: (r.activity.activity_id in bad, -r.activity.start_local.timestamp()),
    )


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
