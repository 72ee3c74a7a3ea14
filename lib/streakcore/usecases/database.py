"""The database wherever it lives: a local path or `s3://bucket/key`, opened the safe way.

Reading: `stats` answers from the stats document when the snapshot can, else from a
read-only copy of the database; nothing is ever written back.

Syncing is the only writer, and it never edits the stored object in place:

    fetch (conditional) -> private copy -> RunStore -> sync step -> checkpoint, verify
    -> keep the old object as `<key>.backup` -> replace if still at the fetched version
    -> publish `<key>.stats.json`, `<key>.sync_state.json`, `<key>.health.json`

If someone else replaced the object meanwhile, the replace fails with StoreConflict and
the whole round runs again on their version (the sync is idempotent), a bounded number
of times. Each replace is one atomic PUT (or rename), so a crash at any step leaves the
old database or the new one, never a torn one.

The database engine comes in as a `StoreOpener` (DuckDB, or an in-memory fake): this module
imports none, and the stats-document fast path opens no file.
"""

from __future__ import annotations

import fcntl
import logging
import random
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from zoneinfo import ZoneInfo

from streakcore.clock import utc_now
from streakcore.domain.days import Day
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import RulesBody, StatsBody, render_rules, render_stats
from streakcore.errors import (
    BlobStoreError,
    ConfigError,
    StoreConflict,
    StoreError,
    StoreNotFound,
    StreakError,
)
from streakcore.ports import BlobStore, RunStore, StoreOpener
from streakcore.usecases.documents import (
    Companion,
    HealthFile,
    StatsFile,
    SyncStateFile,
    companion_key,
    publish,
    read_document,
    record_health,
)
from streakcore.usecases.documents.companions import parse_document
from streakcore.usecases.documents.days import DaysFile, days_file

if TYPE_CHECKING:
    from streakcore.usecases.sync.report import SyncReport

GENERATION_KEY = "db_generation"
"""sync_state key: how many times this database has been uploaded."""

DEFAULT_ATTEMPTS = 5
BACKOFF_BASE_S = 0.05
STALE_WORK_S = 3600.0
"""Older than the longest Lambda invocation (15 min) with a wide margin."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DbLocation:
    """Where `STREAK_DB` points: a directory and a file name, or a bucket, prefix and key."""

    key: str
    directory: Path | None = None
    bucket: str | None = None
    prefix: str = ""

    @property
    def is_s3(self) -> bool:
        return self.bucket is not None


def parse_db_location(text: str) -> DbLocation:
    """`./runs.duckdb`, `/data/runs.duckdb` or `s3://bucket/prefix/runs.duckdb`."""
    if text.startswith("s3://"):
        bucket, _, object_path = text.removeprefix("s3://").partition("/")
        prefix, _, key = object_path.rpartition("/")
        if not bucket or not key:
            raise ConfigError(
                f"cannot read STREAK_DB {text!r}: write s3://bucket/runs.duckdb "
                "(or s3://bucket/prefix/runs.duckdb)"
            )
        return DbLocation(key=key, bucket=bucket, prefix=prefix)
    if "://" in text:
        raise ConfigError(f"cannot read STREAK_DB {text!r}: use a file path or s3://bucket/key")
    path = Path(text).expanduser()
    if not path.name:
        raise ConfigError(f"STREAK_DB {text!r} names a directory; name the .duckdb file")
    return DbLocation(key=path.name, directory=path.parent)


@dataclass(frozen=True, slots=True)
class Published:
    """The database version a sync uploaded."""

    generation: int
    db_etag: str


T = TypeVar("T")

SyncStep = Callable[[RunStore], "SyncReport"]
"""One pass of the sync against an open store; may run again after a conflict."""


class Database:
    """The use-case shell around the DuckDB file in a blob store."""

    def __init__(
        self,
        blobs: BlobStore,
        key: str,
        work_dir: Path,
        *,
        stores: StoreOpener,
        max_attempts: int = DEFAULT_ATTEMPTS,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        name: str | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.blobs = blobs
        self.key = key
        self._stores = stores
        self.name = name or key
        """What errors call the database (the runner's path or s3:// URL), never the local
        copies it is read and synced through."""
        self._work_dir = work_dir
        self._max_attempts = max_attempts
        self._clock = clock
        self._sleep = sleep
        self._recent_days: tuple[str, tuple[Day, ...]] | None = None
        self.last_published: Published | None = None
        """What this object's last sync uploaded."""

    def companion(self, companion: Companion) -> str:
        """The key of a document kept next to this database."""
        return companion_key(self.key, companion)

    # -- reading ---------------------------------------------------------------------------

    def stats_file(self) -> StatsFile | None:
        return read_document(self.blobs, self.companion(Companion.STATS), StatsFile)

    def recent_days(self) -> tuple[Day, ...] | None:
        """The page's per-day totals of the last year or so (`documents.days`); None when
        the document is missing or unreadable. Kept while the document's version stays the
        same: a page view between two syncs converts nothing."""
        key = self.companion(Companion.DAYS)
        blob = self.blobs.read(key)
        if blob is None:
            return None
        kept = self._recent_days
        if kept is not None and kept[0] == blob.etag:
            return kept[1]
        document = parse_document(blob.data, key, DaysFile)
        if document is None:
            return None
        days = tuple(document.as_days())
        self._recent_days = (blob.etag, days)
        return days

    def health(self) -> HealthFile | None:
        return read_document(self.blobs, self.companion(Companion.HEALTH), HealthFile)

    def sync_state(self) -> SyncStateFile | None:
        return read_document(self.blobs, self.companion(Companion.SYNC_STATE), SyncStateFile)

    def stats(self, *, rule: StreakRule, as_of: datetime, tz: ZoneInfo) -> StatsBody:
        """The `/stats` body at `as_of`: from the stats document when it can answer, else
        from the database (a question about the past, or a rule the snapshot lacks)."""
        stats_file = self.stats_file()
        if stats_file is not None and stats_file.snapshot.answers(rule, as_of):
            return render_stats(
                stats_file.snapshot, rule=rule, as_of=as_of, tz=tz, last_sync=stats_file.last_sync
            )
        from streakcore.usecases.stats import stats_from_store

        with self.reading() as store:
            return stats_from_store(store, rule=rule, as_of=as_of, tz=tz)

    def rules(self, *, min_distance_m: float, as_of: datetime, tz: ZoneInfo) -> RulesBody:
        """The `?rule=all` body: from the stats document when it can answer, else the
        database."""
        stats_file = self.stats_file()
        if stats_file is not None and stats_file.snapshot.answers_all_rules(min_distance_m, as_of):
            return render_rules(
                stats_file.snapshot,
                min_distance_m=min_distance_m,
                as_of=as_of,
                tz=tz,
                last_sync=stats_file.last_sync,
            )
        from streakcore.domain.days import group_days
        from streakcore.domain.rule_compare import compare_rules
        from streakcore.domain.stats import rules_body
        from streakcore.domain.streaks import today_in
        from streakcore.usecases.stats import last_sync_of

        with self.reading() as store:
            runs = store.run_facts(until=as_of)
            last_sync = last_sync_of(store)
        comparison = compare_rules(
            group_days(runs), min_distance_m=min_distance_m, today=today_in(as_of, tz)
        )
        return rules_body(comparison, as_of=as_of, tz=tz, last_sync=last_sync)

    @contextmanager
    def reading(self) -> Iterator[RunStore]:
        """The current database, opened read-only from the local cache."""
        copy = self.blobs.fetch(self.key)
        if copy is None:
            raise StoreNotFound(
                "no runs synced yet: run a sync (POST /sync or `streak sync`) first"
            )
        try:
            store = self._stores.open(copy.path, read_only=True, label=self.name)
        except StoreError as exc:
            if type(exc) is not StoreError:
                raise
            # An older schema (a deploy brought a migration): upgrade a private copy for
            # this answer; the stored object changes only with the next sync.
            with (
                self._private_copy(copy.path) as work,
                self._stores.open(work, label=self.name) as upgraded,
            ):
                yield upgraded
            return
        with store:
            yield store

    # -- syncing ---------------------------------------------------------------------------

    def sync(self, step: SyncStep, *, snapshot_rule: StreakRule) -> SyncReport:
        """Run `step` on the latest database and upload the result without losing anyone
        else's; publish the companions. The report says how many rounds it took. On
        failure, record it in the health document and raise."""
        started = self._clock()
        try:
            report, last_sync = self._sync_with_retries(step, snapshot_rule)
        except Exception as exc:
            # When the store itself failed (a missing bucket, no network), the health
            # document is probably out of reach too: try, but the sync's own error says it all.
            quiet = isinstance(exc, BlobStoreError)
            self._record_health(started, type(exc).__name__, None, quiet=quiet)
            raise
        self._record_health(started, "SyncFailed" if report.failed else None, last_sync)
        return report

    def _record_health(
        self, at: datetime, failure: str | None, last_sync: datetime | None, *, quiet: bool = False
    ) -> None:
        key = self.companion(Companion.HEALTH)
        try:
            record_health(
                self.blobs, self.key, at=at, now=self._clock(), failure=failure, last_sync=last_sync
            )
        except StreakError as exc:
            # The sync's own outcome matters more than its health note; say so and go on.
            logger.log(
                logging.DEBUG if quiet else logging.WARNING, "could not record %s: %s", key, exc
            )

    def _sync_with_retries(
        self, step: SyncStep, rule: StreakRule
    ) -> tuple[SyncReport, datetime | None]:
        return self._with_retries(lambda attempt: self._sync_once(step, rule, attempt), "sync")

    def _with_retries(self, once: Callable[[int], T], what: str) -> T:
        self._remove_stale_work()
        for attempt in range(1, self._max_attempts + 1):
            try:
                return once(attempt)
            except StoreConflict:
                if attempt == self._max_attempts:
                    break
                # Jitter so that writers who collided do not collide again in lock-step.
                self._sleep(BACKOFF_BASE_S * 2 ** (attempt - 1) * (0.5 + random.random()))  # noqa: S311
        raise StoreConflict(
            f"the database kept changing under this {what} ({self._max_attempts} attempts); "
            "another sync is probably running: try again in a minute"
        )

    def change(self, step: Callable[[RunStore], T], *, snapshot_rule: StreakRule, what: str) -> T:
        """Change the database by `step` the way a sync does (a private copy, replaced only
        if nobody replaced it meanwhile, else `step` runs again on theirs; `<key>.backup`
        kept, the stats document published), so an import or a manual run is one atomic
        write wherever the database lives. The sync's own documents (health, sync state)
        are left alone: this was no sync. `what` names the change in a conflict's message."""

        def once(attempt: int) -> T:
            result, _ = self._replace_once(step, snapshot_rule)
            return result

        return self._with_retries(once, what)

    def _replace_once(self, step: Callable[[RunStore], T], rule: StreakRule) -> tuple[T, StatsFile]:
        """Run `step` on a private copy, replace the database with it, publish the stats and
        days documents (the page reads the days)."""
        from streakcore.usecases.stats import last_sync_of, snapshot_from_store

        fetched = self.blobs.fetch(self.key)
        with self._private_copy(fetched.path if fetched else None) as work:
            with self._stores.open(work, label=self.name) as store:
                report = step(store)
                # Past anything already published too: after a restore of an older version
                # the database's own count is behind the stats document, which would otherwise
                # refuse every snapshot until the count caught up.
                generation = (
                    max(int(store.get_state(GENERATION_KEY, 0)), self._published_generation()) + 1
                )
                store.set_state(GENERATION_KEY, generation)
                snapshot = snapshot_from_store(store, rule)
                days = store.days()
                last_sync = last_sync_of(store)
                store.checkpoint()
            self._verify(work)
            if fetched is not None:
                backup = self.companion(Companion.BACKUP)
                self.blobs.copy(self.key, backup, expected=fetched.etag)
            etag = self.blobs.replace(self.key, work, expected=fetched.etag if fetched else None)
        stats = StatsFile(
            generation=generation, db_etag=etag, snapshot=snapshot, last_sync=last_sync
        )
        publish(self.blobs, self.companion(Companion.STATS), stats)
        publish(
            self.blobs,
            self.companion(Companion.DAYS),
            days_file(days, rule=rule, generation=generation, db_etag=etag),
        )
        self.last_published = Published(generation=generation, db_etag=etag)
        return report, stats

    def _sync_once(
        self, step: SyncStep, rule: StreakRule, attempt: int
    ) -> tuple[SyncReport, datetime | None]:
        report, stats = self._replace_once(step, rule)
        generation, etag, last_sync = stats.generation, stats.db_etag, stats.last_sync
        state = SyncStateFile(
            generation=generation,
            db_etag=etag,
            last_sync=last_sync,
            report=report.model_dump(mode="json"),
            attempts=attempt,
        )
        publish(self.blobs, self.companion(Companion.SYNC_STATE), state)
        return report.model_copy(update={"attempts": attempt}), last_sync

    def _published_generation(self) -> int:
        documents = (self.stats_file(), self.sync_state())
        return max((d.generation for d in documents if d is not None), default=0)

    def _remove_stale_work(self) -> None:
        """Working files a killed run left behind (SIGKILL, a Lambda timeout: no `finally`
        runs). Each live one is flagged by a lock its process holds until it ends, so the
        files of a dead run go at once, whatever process or thread is still at work; files
        without a lock file (from before there was one) only once older than any run."""
        for flag in self._work_dir.glob("work-*.lock"):
            with suppress(OSError), flag.open("rb") as handle:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its run is still going
                self._remove_work(flag.with_suffix(".duckdb"))
                flag.unlink(missing_ok=True)
        cutoff = time.time() - STALE_WORK_S
        for leftover in self._work_dir.glob("work-*.duckdb*"):
            with suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()

    @contextmanager
    def _private_copy(self, source: Path | None) -> Iterator[Path]:
        """A working file only this call touches, removed afterwards whatever happens (and
        by the next sync if this process is killed first)."""
        name = f"work-{uuid.uuid4().hex}"
        work = self._work_dir / f"{name}.duckdb"
        flag = self._work_dir / f"{name}.lock"
        try:
            self._work_dir.mkdir(parents=True, exist_ok=True)
            handle = flag.open("wb")
        except OSError as exc:
            raise BlobStoreError(
                f"cannot write to the work directory {self._work_dir}: {exc.strerror}"
            ) from exc
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                if source is not None:
                    # Copies handed out by a blob store are whole files; a log beside one
                    # would hold writes the copy lacks.
                    if self._stores.log_of(source).exists():
                        raise StoreError(
                            f"the local copy of {self.name} at {source} has a write-ahead log "
                            "beside it; delete that copy and run again"
                        )
                    try:
                        shutil.copyfile(source, work)
                    except OSError as exc:
                        raise BlobStoreError(
                            f"cannot copy {self.name} into the work directory "
                            f"{self._work_dir}: {exc.strerror}"
                        ) from exc
                yield work
            finally:
                self._remove_work(work)
                flag.unlink(missing_ok=True)

    def _remove_work(self, work: Path) -> None:
        work.unlink(missing_ok=True)
        self._stores.log_of(work).unlink(missing_ok=True)

    def _verify(self, work: Path) -> None:
        """Refuse to upload anything that is not a complete, readable streakcore database."""
        if self._stores.log_of(work).exists():
            raise StoreError(
                f"the synced copy of {self.name} still has a write-ahead log after "
                f"checkpointing; {self.name} was left as it was"
            )
        self._stores.open(work, read_only=True, label=self.name).close()
