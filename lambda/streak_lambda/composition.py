"""The Lambda's composition root: settings read once per container, adapters built lazily.

A `GET /stats` answered from the stats document builds the S3 client and nothing else; the
DuckDB, SmashRun and Secrets Manager adapters are imported and built only by the requests
that need them. Warm invocations reuse everything built here (clients, the ETag cache).

The imports of this module are the standard library and `streakcore.errors` only: the
rest is imported where it is first needed, so importing the handler stays cheap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from streakcore.errors import ConfigError, SmashRunRateLimited, StreakError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from streakcore.domain.evening_check import EveningCheck
    from streakcore.domain.models import SplitUnit
    from streakcore.ports import SearchPage, SplitsResult, TokenStore
    from streakcore.settings import Settings
    from streakcore.smashrun import SmashRunSource
    from streakcore.storage.blob import BlobStore
    from streakcore.storage.duckdb.store import RunStore
    from streakcore.usecases.database import Database, DbLocation
    from streakcore.usecases.sync.run import SyncReport

SNS_SUBJECT = "Run streak at risk"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EveningReading:
    """The evening check, and how fresh the runs behind it are."""

    check: EveningCheck
    runs_as_of: datetime | None
    """The last successful sync: a run uploaded after it is not in `check`."""


@dataclass(frozen=True, slots=True)
class SyncRun:
    """A finished sync as the handler reports it."""

    report: SyncReport
    attempts: int
    rate_limited: bool
    retry_after_s: float | None = None
    """When rate limited: the longest wait SmashRun (or our budget) asked for."""

    @property
    def failed(self) -> bool:
        from streakcore.usecases.database import FAILED_STATUS

        return str(self.report.status) == FAILED_STATUS

    @property
    def needs_auth(self) -> bool:
        """SmashRun refused the credentials: someone must run `streak auth` again."""
        from streakcore.usecases.sync.run import SyncErrorKind

        return self.report.error_kind == SyncErrorKind.AUTH

    @property
    def runs_synced(self) -> int:
        return self.report.runs_synced

    @property
    def splits_stored(self) -> int:
        return self.report.splits_stored

    @property
    def quarantined(self) -> int:
        return self.report.quarantined

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.report.model_dump(mode="json")
        body["attempts"] = self.attempts
        return body

    def log_fields(self) -> dict[str, Any]:
        """What the log may say about a sync: counts and status, never payloads."""
        return {
            "status": str(self.report.status),
            "runs_synced": self.report.runs_synced,
            "splits_stored": self.report.splits_stored,
            "quarantined": self.report.quarantined,
            "backlog": self.report.backlog,
            "requests": self.report.requests,
            "attempts": self.attempts,
        }


class RateLimitWatch:
    """An ActivitySource that notes whether SmashRun (or our budget) said "not now".

    The sync turns a rate limit into a partial report; the RateLimited metric needs to
    know it happened.
    """

    def __init__(self, inner: SmashRunSource) -> None:
        self._inner = inner
        self.page_size = inner.page_size
        self.hit = False
        self.retry_after_s: float | None = None

    def close(self) -> None:
        self._inner.close()

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def _watch(self, exc: SmashRunRateLimited) -> SmashRunRateLimited:
        self.hit = True
        self.retry_after_s = max(self.retry_after_s or 0.0, exc.retry_after)
        return exc

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        try:
            return self._inner.search(from_date, page)
        except SmashRunRateLimited as exc:
            raise self._watch(exc) from None

    def activity_ids(self, page: int) -> Sequence[str]:
        try:
            return self._inner.activity_ids(page)
        except SmashRunRateLimited as exc:
            raise self._watch(exc) from None

    def activity(self, activity_id: str) -> SearchPage:
        try:
            return self._inner.activity(activity_id)
        except SmashRunRateLimited as exc:
            raise self._watch(exc) from None

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult:
        try:
            return self._inner.splits(activity_id, unit)
        except SmashRunRateLimited as exc:
            raise self._watch(exc) from None


class Container:
    """Everything one Lambda container (or one local gateway) needs, built on first use.

    `boto_session` and `clock` are for tests: a session whose events they observe, and
    the instant the evening check and `/stats` take as "now".
    """

    def __init__(
        self,
        settings: Settings,
        *,
        boto_session: Any = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        from streakcore.usecases.database import parse_db_location

        self.settings = settings
        self.location: DbLocation = parse_db_location(settings.db)
        self._session = boto_session
        self.now = clock

    # -- AWS clients ---------------------------------------------------------------------------

    @cached_property
    def _boto_session(self) -> Any:
        if self._session is not None:
            return self._session
        import boto3

        return boto3.session.Session()

    def _client(self, service: str) -> Any:
        from streakcore.storage.aws_clients import client

        return client(service, self._boto_session)

    # -- storage -------------------------------------------------------------------------------

    @cached_property
    def blobs(self) -> BlobStore:
        from streakcore.storage.blob import LocalDirectoryBlobStore

        location = self.location
        cache_dir = self.settings.cache_dir
        if location.bucket is not None:
            from streakcore.storage.s3_blob import S3BlobStore

            return S3BlobStore(self._client("s3"), location.bucket, location.prefix, cache_dir)
        assert location.directory is not None
        return LocalDirectoryBlobStore(location.directory, cache_dir)

    @cached_property
    def database(self) -> Database:
        """The database for the sync path: the only one that writes."""
        from streakcore.usecases.database import Database

        return Database(self.blobs, self.location.key, self.settings.cache_dir / "work")

    @cached_property
    def read_database(self) -> Database:
        """The database for `/stats`, `/health` and the badge: it cannot write."""
        from streakcore.storage.blob import ReadOnlyBlobStore
        from streakcore.usecases.database import Database

        return Database(
            ReadOnlyBlobStore(self.blobs), self.location.key, self.settings.cache_dir / "work"
        )

    @cached_property
    def token_store(self) -> TokenStore:
        if self.settings.token_secret_id:
            from streakcore.storage.secrets_manager import SecretsManagerTokenStore

            return SecretsManagerTokenStore(
                self._client("secretsmanager"), self.settings.token_secret_id
            )
        from streakcore.storage.token_file import FileTokenStore

        return FileTokenStore(self.settings.token_file)

    # -- use cases -----------------------------------------------------------------------------

    def sync(self, *, budget_s: float) -> SyncRun:
        """Sync within `budget_s` seconds (retries after a conflict share the budget)."""
        from streakcore.ports import Deadline
        from streakcore.smashrun import RequestBudget, open_source
        from streakcore.usecases.sync.run import SyncOptions, sync

        settings = self.settings
        deadline = Deadline(budget_s)
        budget = RequestBudget(settings.requests_per_hour)
        options = SyncOptions(concurrency=settings.sync_concurrency)
        opened: list[RateLimitWatch] = []

        def step(store: RunStore) -> SyncReport:
            # Opened inside the step so that missing credentials count as a failed sync
            # (the health document turns degraded); kept for a retry after a conflict.
            if not opened:
                opened.append(
                    RateLimitWatch(
                        open_source(
                            settings, token_store=self.token_store, deadline=deadline, budget=budget
                        )
                    )
                )
            return sync(
                opened[0], store, deadline=deadline, clock=self.now, options=options, ledger=budget
            )

        try:
            outcome = self.database.sync(step, snapshot_rule=settings.streak_rule)
        finally:
            for source in opened:
                source.close()
        return SyncRun(
            report=outcome.report,
            attempts=outcome.attempts,
            rate_limited=opened[0].hit,
            retry_after_s=opened[0].retry_after_s,
        )

    def evening_check(self, now: datetime) -> EveningReading:
        from streakcore.domain.days import group_days
        from streakcore.domain.evening_check import evening_check
        from streakcore.usecases.stats import last_sync_of

        with self.database.reading() as store:
            days = group_days(store.run_facts())
            runs_as_of = last_sync_of(store)
        check = evening_check(days, rule=self.settings.streak_rule, now=now, tz=self.settings.zone)
        return EveningReading(check=check, runs_as_of=runs_as_of)

    def alert_if_at_risk(self, check: EveningCheck, message: str) -> bool:
        """Publish `message` when the streak is at risk, once per home date; say whether
        this call published it."""
        if not check.at_risk:
            return False
        topic = self.settings.sns_topic_arn
        if not topic:
            raise ConfigError("the streak is at risk but STREAK_SNS_TOPIC_ARN is not set")
        from botocore.exceptions import BotoCoreError, ClientError

        from streakcore.usecases.documents import claim_alert, release_alert

        # Claimed before publishing: two checks at once cannot both send; a failed send
        # gives the day back so that a retry sends it.
        claim = claim_alert(self.blobs, self.location.key, check.today)
        if claim is None:
            return False
        try:
            self._client("sns").publish(TopicArn=topic, Subject=SNS_SUBJECT, Message=message)
        except (BotoCoreError, ClientError) as exc:
            release_alert(self.blobs, claim)
            raise StreakError(
                f"could not publish the at-risk alert ({type(exc).__name__})"
            ) from None
        return True


_container: Container | None = None
_lock = threading.Lock()


def container() -> Container:
    """The container's composition root, built from the environment on first use."""
    global _container
    with _lock:
        if _container is None:
            _container = Container(_read_settings())
        return _container


def install_container(replacement: Container | None) -> None:
    """Use `replacement` from now on; None forgets the current one so the next request
    reads the settings again (tests, and the local gateway after changing them)."""
    global _container
    with _lock:
        _container = replacement


def _read_settings() -> Settings:
    from pydantic import ValidationError

    from streakcore.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"bad setting STREAK_{where.upper()}: {first['msg']}") from None
