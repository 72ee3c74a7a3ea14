"""The composition root: from `Settings`, everything an entry point runs.

The terminal, the Lambda (through `streak_lambda.composition`), the local gateway, the
notebook and the benchmarks all build `Services` and nothing else wires adapters. Every
adapter is built on first use and its module imported only then, so a `GET /stats`
answered from the stats document builds a blob store and nothing more (no DuckDB, no
SmashRun client, no Secrets Manager).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streakcore.clock import utc_now
from streakcore.errors import ConfigError

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from pydantic import SecretStr

    from streakcore.domain.models import Activity
    from streakcore.domain.streaks import CurrentStreak
    from streakcore.ports import (
        ActivityFiles,
        BlobStore,
        Deadline,
        PageTokens,
        RunStore,
        TokenStore,
    )
    from streakcore.settings import Settings
    from streakcore.smashrun import RequestBudget, SmashRunSource
    from streakcore.usecases.check import EveningReading
    from streakcore.usecases.database import Database, DbLocation
    from streakcore.usecases.import_runs import ImportProgress, ImportReport
    from streakcore.usecases.sync import SyncOptions, SyncProgress, SyncReport


IMPORT_WORKERS = 2
"""Processes that parse a big import's files: the two cores a small machine (or a Lambda of
a few GB) has; parsing is pure-Python CPU work."""


class Services:
    """Everything one process (a terminal command, a Lambda container, a local gateway)
    needs, built from `settings` on first use.

    `boto_session` and `clock` are for tests: a session whose events they observe, and the
    instant the syncs, the evening check and `/stats` take as "now". Without one, every
    AWS client of these services comes from one botocore session, made on first use.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        boto_session: Any = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        from streakcore.usecases.database import parse_db_location

        self.settings = settings
        self.location: DbLocation = parse_db_location(settings.db)
        self.boto_session = boto_session
        self.now = clock

    @property
    def name(self) -> str:
        """The database as the runner names it, for every message: a path or s3:// URL."""
        location = self.location
        if location.bucket is not None:
            key = f"{location.prefix}/{location.key}" if location.prefix else location.key
            return f"s3://{location.bucket}/{key}"
        assert location.directory is not None, "a local location has a directory"
        return str(location.directory / location.key)

    # -- storage -------------------------------------------------------------------------------

    @cached_property
    def blobs(self) -> BlobStore:
        """Where the database and its companions are kept: its directory, or its S3 prefix."""
        from streakcore.settings import writable_cache_dir

        location = self.location
        if location.bucket is not None:
            from streakcore.storage.aws_clients import s3_client
            from streakcore.storage.blob_s3 import S3BlobStore

            cache = writable_cache_dir(self.settings.cache_dir)
            client = s3_client(self.aws_session)
            return S3BlobStore(client, location.bucket, location.prefix, cache)
        from streakcore.storage.blob_local import LocalDirectoryBlobStore
        from streakcore.storage.database_files import refuse_directory

        assert location.directory is not None, "a local location has a directory"
        refuse_directory(location.directory / location.key, self.name)
        cache = writable_cache_dir(self.settings.cache_dir)
        return LocalDirectoryBlobStore(location.directory, cache)

    @cached_property
    def database(self) -> Database:
        """The database for the sync path: the only one that writes. A local file goes
        through the same path as an S3 object, so a terminal sync and a gateway sync of one
        file replace it by the same rules and neither loses runs."""
        return self._database(self.blobs)

    @cached_property
    def read_database(self) -> Database:
        """The database for `/stats`, `/health` and the badge: it cannot write."""
        from streakcore.storage.blob_readonly import ReadOnlyBlobStore

        return self._database(ReadOnlyBlobStore(self.blobs))

    def _database(self, blobs: BlobStore) -> Database:
        from streakcore.storage.duckdb import DuckDBFiles
        from streakcore.usecases.database import Database

        work_dir = self.settings.cache_dir / "work"
        return Database(blobs, self.location.key, work_dir, stores=DuckDBFiles(), name=self.name)

    @contextmanager
    def reading(self) -> Iterator[RunStore]:
        """The database, read-only: a local file opened in place (a read-only open replays
        a log a killed writer left, and changes nothing), an `s3://` object downloaded into
        the cache (again only when its ETag changed). Nothing is ever written back."""
        if self.location.is_s3:
            with self.read_database.reading() as store:
                yield store
            return
        from streakcore.storage.duckdb import DuckDBFiles

        path = Path(self.settings.db).expanduser()
        with DuckDBFiles().open(path, read_only=True, label=self.settings.db) as store:
            yield store

    def open_store(self, path: Path) -> RunStore:
        """A database file opened for writing in place (created if need be): for one that
        nothing else writes to, as the demo's and the benchmarks'. Everything else syncs
        through `database`."""
        from streakcore.storage.duckdb import DuckDBFiles

        return DuckDBFiles().open(path)

    @cached_property
    def token_store(self) -> TokenStore:
        """Where SmashRun's tokens are kept, the one place that choice is made: the Secrets
        Manager secret when one is named (the deployed sync's own), else the token file."""
        secret_id = self.settings.token_secret_id
        if secret_id:
            from streakcore.storage.aws_clients import secrets_client
            from streakcore.storage.secrets_manager import SecretsManagerTokenStore

            return SecretsManagerTokenStore(secrets_client(secret_id, self.aws_session), secret_id)
        from streakcore.storage.token_file import FileTokenStore

        return FileTokenStore(self.settings.token_file)

    @cached_property
    def page_tokens(self) -> PageTokens:
        """Where the page's share token is kept: STREAK_PAGE_TOKEN, else the secret named by
        STREAK_PAGE_TOKEN_SECRET_ID, else a 0600 file beside a local database."""
        from streakcore.storage import page_token

        settings = self.settings
        if settings.page_token is not None:
            return page_token.FixedPageToken(settings.page_token)
        secret_id = settings.page_token_secret_id
        if secret_id:
            from streakcore.storage.aws_clients import secrets_client

            return page_token.SecretsManagerPageToken(
                secrets_client(secret_id, self.boto_session), secret_id
            )
        location = self.location
        if location.directory is None:
            raise ConfigError(
                f"the page of {self.name} needs a token: set STREAK_PAGE_TOKEN_SECRET_ID "
                "(or STREAK_PAGE_TOKEN)"
            )
        from streakcore.usecases.documents.companions import PAGE_TOKEN_SUFFIX

        return page_token.PageTokenFile(location.directory / f"{location.key}.{PAGE_TOKEN_SUFFIX}")

    def aws_client(self, service: str) -> Any:
        """An AWS client from the one factory, on this container's session."""
        from streakcore.storage.aws_clients import client

        return client(service, self.aws_session)

    @cached_property
    def aws_session(self) -> Any:
        """The session every AWS client here comes from: the test's, else a new botocore
        session (credentials and configuration resolved once per container)."""
        if self.boto_session is not None:
            return self.boto_session
        from streakcore.storage.aws_clients import default_session

        return default_session()

    # -- SmashRun ------------------------------------------------------------------------------

    def open_source(self, deadline: Deadline, budget: RequestBudget) -> SmashRunSource:
        """SmashRun as an ActivitySource: credentials from the settings or the token store
        (SmashRunAuthError, saying how to authorise, when there are none)."""
        from streakcore.smashrun import open_source

        return open_source(
            self.settings, token_store=self.token_store, deadline=deadline, budget=budget
        )

    def authorise(self, *, show: Callable[[str], object], timeout_s: float) -> None:
        """SmashRun's OAuth code flow in the browser (`show` gets the URL to open), the
        tokens saved to the token store, from where every sync reads and refreshes them."""
        from streakcore.smashrun.oauth_flow import run_code_flow

        self.token_store.save(run_code_flow(self.settings, show=show, timeout_s=timeout_s))

    # -- use cases -----------------------------------------------------------------------------

    def sync(
        self,
        *,
        budget_s: float | None = None,
        options: SyncOptions | None = None,
        progress: SyncProgress | None = None,
        credentials_first: bool = True,
    ) -> SyncReport:
        """Sync the database through the one writer path (`Database.sync`) within `budget_s`
        (default: the settings'); retries after a conflict share the budget and the request
        ledger.

        `credentials_first`: SmashRun is opened before the database is touched, so missing
        credentials stop the sync before it downloads or marks anything degraded (the
        terminal). Without it (the Lambda) they count as a failed sync: health degrades.
        """
        deadline, ledger, chosen = self._sync_terms(budget_s, options)
        opened: list[SmashRunSource] = []

        def source() -> SmashRunSource:
            if not opened:
                opened.append(self.open_source(deadline, ledger))
            return opened[0]

        def step(store: RunStore) -> SyncReport:
            return self._sync_step(source(), store, deadline, ledger, chosen, progress)

        try:
            if credentials_first:
                source()
            report = self.database.sync(step, snapshot_rule=self.settings.streak_rule)
        finally:
            for opened_source in opened:
                opened_source.close()
        if self.location.is_s3:
            report = report.model_copy(update={"uploaded_to": self.name})
        return report

    def sync_into(
        self,
        store: RunStore,
        *,
        budget_s: float | None = None,
        options: SyncOptions | None = None,
        progress: SyncProgress | None = None,
    ) -> SyncReport:
        """One sync on an open `store`, in place: for a store nothing else writes to (the
        demo's, the benchmarks')."""
        deadline, ledger, chosen = self._sync_terms(budget_s, options)
        source = self.open_source(deadline, ledger)
        try:
            return self._sync_step(source, store, deadline, ledger, chosen, progress)
        finally:
            source.close()

    def _sync_step(
        self,
        source: SmashRunSource,
        store: RunStore,
        deadline: Deadline,
        ledger: RequestBudget,
        options: SyncOptions,
        progress: SyncProgress | None,
    ) -> SyncReport:
        from streakcore.usecases.sync import sync

        return sync(
            source,
            store,
            deadline=deadline,
            clock=self.now,
            options=options,
            ledger=ledger,
            progress=progress,
        )

    def _sync_terms(
        self, budget_s: float | None, options: SyncOptions | None
    ) -> tuple[Deadline, RequestBudget, SyncOptions]:
        from streakcore.ports import Deadline
        from streakcore.smashrun import RequestBudget
        from streakcore.usecases.sync import SyncOptions

        seconds = self.settings.sync_budget_s if budget_s is None else budget_s
        if seconds <= 0:
            raise ConfigError("--budget must be a positive number of seconds")
        chosen = options or SyncOptions(concurrency=self.settings.sync_concurrency)
        return Deadline(seconds), RequestBudget(self.settings.requests_per_hour), chosen

    def import_files(
        self,
        paths: Sequence[Path],
        *,
        tz_override: ZoneInfo | None = None,
        progress: ImportProgress | None = None,
    ) -> ImportReport:
        """Import activity files and exports into the database in one atomic write (the
        sync's path: a private copy replaced only if nobody replaced it meanwhile)."""
        from streakcore.usecases.import_runs import NothingToStore, import_activities

        files = self.activity_files(tz_override)

        def step(store: RunStore) -> ImportReport:
            return import_activities(store, files.read(paths), progress=progress)

        try:
            return self.database.change(
                step, snapshot_rule=self.settings.streak_rule, what="import"
            )
        except NothingToStore as nothing:
            return nothing.report

    def activity_files(self, tz_override: ZoneInfo | None = None) -> ActivityFiles:
        """The activity-file reader: the home zone and `--tz` for files without a place,
        the sports `STREAK_IMPORT_SPORTS` counts (else the default)."""
        from streakcore.importers import ImportOptions, SportFilter
        from streakcore.importers.stored_runs import ActivityFileReader

        sports = SportFilter()
        if self.settings.import_sports:
            labels = frozenset(
                p.strip() for p in self.settings.import_sports.split(",") if p.strip()
            )
            sports = SportFilter(running=labels)
        options = ImportOptions(home=self.settings.zone, tz_override=tz_override, sports=sports)
        return ActivityFileReader(options, workers=IMPORT_WORKERS)

    def add_manual_run(
        self, *, local_date: date, distance_m: float, duration_s: float | None, note: str | None
    ) -> Activity:
        """Log a run with no file (`streak add`), in one atomic write."""
        from streakcore.usecases.manual_runs import add_manual_run

        def step(store: RunStore) -> Activity:
            return add_manual_run(
                store,
                local_date=local_date,
                distance_m=distance_m,
                duration_s=duration_s,
                note=note,
                home=self.settings.zone,
            )

        return self.database.change(step, snapshot_rule=self.settings.streak_rule, what="add")

    def remove_run(self, activity_id: str) -> Activity:
        """Take out a manual or imported run (`streak remove`), in one atomic write."""
        from streakcore.usecases.manual_runs import remove_run

        def step(store: RunStore) -> Activity:
            return remove_run(store, activity_id)

        return self.database.change(step, snapshot_rule=self.settings.streak_rule, what="remove")

    def evening_check(self, now: datetime) -> EveningReading:
        """Whether today counts yet at `now`, from the runs stored."""
        from streakcore.usecases.check import check_evening

        with self.reading() as store:
            return check_evening(
                store,
                rule=self.settings.streak_rule,
                now=now,
                tz=self.settings.zone,
                units=self.settings.units,
            )

    def current_streak(self, as_of: datetime) -> CurrentStreak | None:
        """The current streak under the settings' rule, from the stats document when it can
        answer; None before the first sync (there is no database yet)."""
        from streakcore.errors import StoreNotFound

        settings = self.settings
        try:
            stats = self.read_database.stats(
                rule=settings.streak_rule, as_of=as_of, tz=settings.zone
            )
        except StoreNotFound:
            return None
        return stats.current_streak


def api_keys_in_secret(secret_id: str, boto_session: Any = None) -> dict[str, SecretStr]:
    """The local gateway's API keys, from the API-keys secret Terraform creates."""
    from streakcore.storage.aws_clients import secrets_client
    from streakcore.storage.secrets_manager import SecretsManagerApiKeys

    return SecretsManagerApiKeys(secrets_client(secret_id, boto_session), secret_id).keys()
