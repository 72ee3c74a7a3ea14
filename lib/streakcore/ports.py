"""Ports: what the use cases need from the outside world, as small `typing.Protocol`s,
and the plain values they speak.

Adapters implement them (DuckDB, the local directory and S3, the SmashRun client, the token
file, Secrets Manager); tests use in-memory fakes (`streakcore.testing.InMemoryRunStore`).
Nothing here does I/O, and nothing here imports an adapter.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, SecretStr

from streakcore.domain.days import Day
from streakcore.domain.models import Activity, RunFacts, Split, SplitUnit
from streakcore.domain.records import MileTime


class OAuthTokens(BaseModel):
    """A SmashRun access token and, for the code flow, the refresh token that renews it."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    def refresh_due_at(self) -> datetime | None:
        """Half-life: refreshing then leaves the other half as margin for failed runs."""
        if self.expires_at is None or self.refresh_token is None:
            return None
        return self.issued_at + (self.expires_at - self.issued_at) / 2

    def to_storage_json(self) -> str:
        """The tokens in clear, for a token store to keep; never log this."""
        return json.dumps(
            {
                "access_token": self.access_token.get_secret_value(),
                "refresh_token": (
                    self.refresh_token.get_secret_value() if self.refresh_token else None
                ),
                "issued_at": self.issued_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_storage_json(cls, text: str | bytes) -> OAuthTokens:
        """Inverse of `to_storage_json`; raises pydantic's ValidationError on a bad document."""
        return cls.model_validate_json(text)


class TokenStore(Protocol):
    """Where OAuth tokens live between runs (a 0600 file, Secrets Manager)."""

    def load(self) -> OAuthTokens | None:
        """The stored tokens, None when nothing was stored yet; TokenStoreError if unreadable."""
        ...

    def save(self, tokens: OAuthTokens) -> None:
        """Replace the stored tokens; TokenStoreError if they could not be written."""
        ...


@dataclass(frozen=True, slots=True)
class SourceActivity:
    """An activity summary as a source delivered it, already converted to the domain.

    `fingerprint` changes whenever the summary changes and starts with `splits_key` and a
    dot; `splits_key` changes only with what the splits depend on (start, distance,
    duration, type), so an edited note is stored without spending a request on splits.
    """

    activity: Activity
    fingerprint: str
    splits_key: str
    payload: str

    def keeps_splits_of(self, stored_fingerprint: str | None) -> bool:
        """Whether splits fetched for the summary behind `stored_fingerprint` still hold."""
        return stored_fingerprint is not None and stored_fingerprint.startswith(
            self.splits_key + "."
        )


@dataclass(frozen=True, slots=True)
class RejectedPayload:
    """A payload that failed validation: quarantined with its reason, never dropped. The
    same record goes into the store's quarantine table."""

    source: str
    reason: str
    payload: str
    activity_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of activities new or updated since a date, newest first."""

    accepted: Sequence[SourceActivity] = ()
    rejected: Sequence[RejectedPayload] = ()
    size: int = 0
    """How many items the page held, valid or not: fewer than asked means the last page."""


@dataclass(frozen=True, slots=True)
class SplitsResult:
    """The splits of one activity (empty for runs without GPS), or why they were rejected."""

    splits: Sequence[Split] = field(default_factory=tuple)
    rejected: RejectedPayload | None = None


class ActivitySource(Protocol):
    """What the sync needs from SmashRun.

    Implementations raise only streakcore errors: `SmashRunAuthError`,
    `SmashRunRateLimited`, `SmashRunNotFound`, `SmashRunUnavailable`.
    """

    page_size: int

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        """Activities new or updated since `from_date` (all when None), newest first."""
        ...

    def activity_ids(self, page: int) -> Sequence[str]:
        """One page of the ids of every activity the athlete has now."""
        ...

    def activity(self, activity_id: str) -> SearchPage:
        """One activity by id, as a one-item page; SmashRunNotFound when it is gone."""
        ...

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult: ...

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (retries included): what the report counts."""
        ...


class RequestLedger(Protocol):
    """The client-side request budget, whose state outlives one run (kept in sync_state)."""

    def restore(self, snapshot: Mapping[str, Any] | None) -> None:
        """Merge a persisted state into this one, forgetting nothing either holds: a sync
        retried after a conflict reloads the winner's state and still counts its own."""
        ...

    def snapshot(self) -> dict[str, Any]: ...

    @property
    def requests_per_hour(self) -> int: ...

    def available(self) -> int:
        """Requests the window has room for now."""
        ...

    def next_opening(self) -> float | None:
        """The epoch instant the budget next has room for a request; None: it has now."""
        ...


class Deadline:
    """The end of a time budget, shared by the sync and the HTTP client so that neither
    starts a request, a backoff or a wait for rate budget that would end after it."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._at = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - self._clock())

    def expired(self) -> bool:
        return self._clock() >= self._at

    def allows_wait(self, seconds: float) -> bool:
        return self._clock() + seconds < self._at


# -- the run store ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredActivity:
    """An activity as the sync hands it to the store.

    `splits` None keeps the splits already stored (the summary did not change); a list
    (possibly empty: treadmill runs have none) replaces them.
    """

    activity: Activity
    fingerprint: str
    payload: str | None = None
    splits: Sequence[Split] | None = None


@dataclass(slots=True)
class Batch:
    """One unit of work: applied whole or not at all."""

    activities: list[StoredActivity] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    quarantined: list[RejectedPayload] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    splits_only: bool = False
    """The activities' summaries are stored already, exactly as given (a batch of fetched
    splits): only their splits are replaced, so a run is not upserted twice."""

    def is_empty(self) -> bool:
        return not (self.activities or self.deleted_ids or self.quarantined or self.state)


STORE_TABLES = frozenset({"activities", "splits", "quarantine", "runs"})
"""What `RunStore.count` counts: `runs` is the live activities."""


class RunStore(Protocol):
    """An open database's tables: runs with their splits, the sync's state, the quarantine.

    A run that reached us more than once (a file and SmashRun, a GPX and a FIT) is stored
    once per source, and every write groups them again (`streakcore.domain.dedupe`): the
    richest record counts, the others are kept as its copies. Every read that adds runs up
    (`run_facts`, `days`, records, mile times, `count("runs")`) sees the counted ones only.

    Every method raises only streakcore errors (`StoreCorrupt` for a damaged file,
    `StoreError` otherwise). Writes go through `apply`, one batch one transaction.
    """

    label: str
    """What errors call the database: the runner's file or s3:// URL, never a copy."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    # -- writing

    def apply(self, batch: Batch, *, now: datetime | None = None) -> None:
        """Apply one batch atomically: upserts, split replacements, deletions, quarantine,
        state."""
        ...

    def set_state(self, key: str, value: Any) -> None: ...

    def checkpoint(self) -> None:
        """Make the file alone hold every committed write (no log beside it)."""
        ...

    # -- reading

    def get_state(self, key: str, default: Any = None) -> Any: ...

    def fingerprints(self) -> dict[str, str]:
        """Fingerprints of the live SmashRun runs (copies of imported runs too): what the
        sync compares to skip unchanged ones."""
        ...

    def live_ids(self) -> set[str]:
        """The ids of the live SmashRun runs (copies of imported runs too): what the sync's
        sweep compares with SmashRun's list."""
        ...

    def activities(
        self, *, include_deleted: bool = False, ids: Iterable[str] | None = None
    ) -> list[Activity]:
        """Stored runs (all, or those in `ids`) as domain Activities, in start order,
        copies of another run included (their day counts once, through the run kept)."""
        ...

    def source_counts(self, *, until: datetime | None = None) -> dict[str, int]:
        """Counted runs (started by `until`) per source: `{"smashrun": 3700, "fit": 12}`."""
        ...

    def stored_payloads(self, activity_ids: Iterable[str]) -> dict[str, str]:
        """The payload kept for each of `activity_ids` (deleted runs too); runs stored
        without one, or not stored at all, are left out."""
        ...

    def run_facts(self, *, until: datetime | None = None) -> list[RunFacts]:
        """The live runs (started by `until`, if given) as cheap facts, in start order."""
        ...

    def days(self, *, until: datetime | None = None) -> list[Day]:
        """Live runs added up per local date (totals only), in date order."""
        ...

    def record_candidates(
        self, race_windows_m: Sequence[tuple[float, float]], *, until: datetime | None = None
    ) -> list[RunFacts]:
        """The only runs that can hold a run record: the longest, and those in a race
        window."""
        ...

    def local_dates(self, activity_ids: Sequence[str]) -> dict[str, date]: ...

    def latest_start(self, *, until: datetime | None = None) -> datetime | None: ...

    def mile_times(self, *, until: datetime | None = None, best: bool = False) -> list[MileTime]:
        """Whole-mile times of live runs (started by `until`); with `best`, the fastest only."""
        ...

    def splits(self, activity_ids: Iterable[str] | None = None) -> list[Split]: ...

    def count(self, table: str) -> int:
        """Rows in one of `STORE_TABLES`."""
        ...

    def quarantined(self) -> list[dict[str, Any]]: ...


class StoreOpener(Protocol):
    """Opens a database file as a RunStore: how the use cases reach the engine (DuckDB)
    without importing it."""

    def open(self, path: Path, *, read_only: bool = False, label: str | None = None) -> RunStore:
        """Open (and for writing, create or migrate) the file at `path`. `label` is what
        errors call it when `path` is a private copy of the runner's database."""
        ...

    def log_of(self, path: Path) -> Path:
        """Where the engine keeps the write-ahead log of the file `path`: a copy of the file
        is whole only without one beside it."""
        ...


# -- activity files ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunRead:
    """A run read from an activity file or an export, ready for the store."""

    row: StoredActivity
    origin: str
    """The file (and zip member) it came from, for messages."""


@dataclass(frozen=True, slots=True)
class ActivitySkipped:
    """An activity of a sport that does not count (a ride), or a file with no activity."""

    origin: str
    sport: str


@dataclass(frozen=True, slots=True)
class FileRejected:
    """A file that cannot be read (corrupt, truncated, unsafe): it changes nothing."""

    origin: str
    reason: str


FileOutcome = RunRead | ActivitySkipped | FileRejected


class ActivityFiles(Protocol):
    """What an import needs from activity files (GPX, TCX, FIT, exports): each activity
    under some paths, one at a time, so memory does not grow with an export's size."""

    def read(self, paths: Sequence[Path]) -> Iterator[FileOutcome]: ...


# -- the blob store ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LocalCopy:
    """A downloaded object: a file the store keeps in its cache. Read or copy it; never
    write to it (the next `fetch` hands out the same file while the version is current)."""

    path: Path
    etag: str


@dataclass(frozen=True, slots=True)
class Blob:
    """A small object read into memory, with the version it was at."""

    data: bytes
    etag: str


class BlobStore(Protocol):
    """Objects addressed by a plain key (`runs.duckdb`) under one directory or S3 prefix.

    The database file and its small companions (`<key>.stats.json`, `<key>.health.json`,
    ...) live here between runs. Every version of an object has an ETag; writers replace an
    object only if it is still at the version they started from, so two syncs racing each
    other cannot erase one another's runs.
    """

    def fetch(self, key: str) -> LocalCopy | None:
        """A local copy of the object, transferred only if it changed; None when absent."""
        ...

    def read(self, key: str) -> Blob | None:
        """A small object's bytes; None when absent."""
        ...

    def replace(self, key: str, data: Path | bytes, *, expected: str | None) -> str:
        """Write `data` as `key` only if the object is still at version `expected`
        (None: only if there is none yet). Returns the new version.

        Raises StoreConflict when someone else replaced (or created) it meanwhile.
        """
        ...

    def put(self, key: str, data: bytes) -> str:
        """Write a small object unconditionally. Returns the new version."""
        ...

    def copy(self, source_key: str, target_key: str, *, expected: str) -> None:
        """Copy `source_key` to `target_key` if the source is still at version `expected`."""
        ...


class PageTokens(Protocol):
    """Where the page's share token is kept (`storage.page_token`)."""

    where: str
    """Where it is kept, for messages (a path, a secret id, a variable), never the token."""

    def current(self) -> SecretStr: ...

    def matches(self, presented: str) -> bool:
        """Whether `presented` is the current token, compared in constant time."""
        ...

    def rotate(self) -> SecretStr:
        """Replace the token: the old link stops working."""
        ...
