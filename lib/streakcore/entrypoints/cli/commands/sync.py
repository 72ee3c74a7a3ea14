"""`streak sync`: bring the database up to date with SmashRun.

The composition root of a terminal sync: settings -> token store -> SmashRun source ->
run store, wired here and nowhere else (`streak demo` and `streak check` reuse it).

Wherever the database lives (a local file or `s3://`), it goes through the one sync path
the Lambda and the local gateway use too (`Database.sync`): fetch, sync a private copy,
replace the file or object only if nobody else replaced it meanwhile (else run again on
theirs), publish `<db>.stats.json`, `<db>.sync_state.json` and `<db>.health.json` beside
it. A file is never written in place, so a terminal sync and a gateway sync of one file
keep each other's runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from streakcore.entrypoints.cli.commands.arg_types import seconds
from streakcore.entrypoints.cli.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_db_arg,
    add_json_arg,
    load_settings,
)
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import MAX_SYNC_BUDGET_S, Settings

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from streakcore.ports import TokenStore
    from streakcore.storage.duckdb.store import RunStore
    from streakcore.usecases.database import SyncStep
    from streakcore.usecases.sync.run import SyncOptions, SyncProgress, SyncReport

BACKFILL_THRESHOLD = 100
"""Activities waiting for splits above which a terminal sync shows a progress bar."""


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="fetch new, changed and deleted runs from SmashRun",
        description="Fetch the runs uploaded or edited since the last sync (with their mile "
        "splits), and mark the ones deleted at SmashRun. A long backfill stops cleanly when "
        "its time budget runs out; the next sync carries on where it stopped. A local file "
        "and an s3://bucket/key.duckdb object are synced the way the Lambda and the local "
        "gateway sync them: on a private copy that replaces the database only if nobody "
        "replaced it meanwhile (else the sync runs again on theirs), keeping <db>.backup "
        "and writing <db>.stats.json, <db>.health.json and <db>.sync_state.json beside it. "
        "Tokens come from $STREAK_TOKEN_SECRET_ID when set (see `streak auth --secret-id`). "
        f"Exit codes: {EXIT_OK} done, or stopped early by the time budget or a rate limit "
        f"with its progress kept (status partial), {EXIT_FAILED} the sync failed "
        "(SmashRun or S3 trouble, another sync kept replacing the database, the file in use), "
        f"{EXIT_USAGE} bad usage or setup (flags, settings, an unreadable or newer database, "
        "no SmashRun credentials or a token SmashRun refuses: run `streak auth`).",
    )
    add_db_arg(parser)
    add_json_arg(parser, instead_of="the summary")
    parser.add_argument(
        "--full",
        action="store_true",
        help="search every run again, not only those changed since the last sync "
        "(unchanged runs keep their splits), and ask again for the splits given up on",
    )
    parser.add_argument(
        "--refetch-splits",
        action="store_true",
        help="with --full: fetch every run's splits again (one request per run)",
    )
    parser.add_argument(
        "--budget",
        type=seconds(MAX_SYNC_BUDGET_S),
        metavar="SECONDS",
        help="stop cleanly after this long, at most a day (default: $STREAK_SYNC_BUDGET_S or 240)",
    )
    parser.set_defaults(run=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from streakcore.usecases.sync.run import SyncOptions

    settings = load_settings(args)
    if args.refetch_splits and not args.full:
        raise ConfigError("--refetch-splits goes with --full")
    budget_s = settings.sync_budget_s if args.budget is None else args.budget
    options = SyncOptions(
        full=args.full, refetch_splits=args.refetch_splits, concurrency=settings.sync_concurrency
    )
    with _progress_for(show=not args.json and sys.stdout.isatty()) as progress:
        result = sync_database(settings, budget_s=budget_s, options=options, progress=progress)
    code = exit_code(result.report)
    if args.json:
        print(json.dumps(result.body(), indent=2))
        if code != EXIT_OK and result.report.error is not None:
            print(f"streak: error: {result.report.error}", file=sys.stderr)
    else:
        print_report(result.report)
        if written := written_line(result):
            print(written)
    return code


def exit_code(report: SyncReport) -> int:
    from streakcore.usecases.sync.run import SyncErrorKind

    # A refused token is a setup step for the runner (`streak auth`), like missing
    # credentials, even when the sync got somewhere first (its progress is kept).
    if report.error_kind == SyncErrorKind.AUTH:
        return EXIT_USAGE
    # `partial` (stopped by the time budget or SmashRun's rate limit, progress kept) is a
    # normal step of a long backfill, not a failure a cron job should shout about.
    return EXIT_FAILED if report.status == "failed" else EXIT_OK


def run_incremental(settings: Settings) -> str:
    """An incremental sync of `settings.db` for another command (`streak check`): a
    one-line report, or StreakError when the sync failed."""
    result = sync_database(settings)
    report = result.report
    if report.error is not None and report.status == "failed":
        raise StreakError(report.error)
    line = summary_line(report)
    if written := written_line(result):
        line += f"; {written}"
    return line


@dataclass(frozen=True, slots=True)
class SyncResult:
    """A finished terminal sync: the report, how many rounds it took, and for a database
    on S3 where it went."""

    report: SyncReport
    uploaded_to: str | None = None
    """The object's URL when the database lives on S3."""
    attempts: int = 1
    """Rounds the sync path ran: more than one when another writer got in first."""

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.report.model_dump(mode="json")
        if self.uploaded_to is not None:
            body["uploaded_to"] = self.uploaded_to
        body["attempts"] = self.attempts
        return body


def sync_database(
    settings: Settings,
    *,
    budget_s: float | None = None,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
) -> SyncResult:
    """Sync the database in `settings.db`, a local file or an `s3://` object, through the
    sync path every writer shares."""
    from streakcore.database_access import database_for_sync
    from streakcore.entrypoints.cli.commands.auth import token_store_for
    from streakcore.usecases.database import parse_db_location

    location = parse_db_location(settings.db)
    token_store = token_store_for(settings)
    with sync_step(
        settings,
        token_store=token_store,
        budget_s=settings.sync_budget_s if budget_s is None else budget_s,
        options=options,
        progress=progress,
    ) as step:
        database, url = database_for_sync(location, settings.cache_dir)
        outcome = database.sync(step, snapshot_rule=settings.streak_rule)
    return SyncResult(report=outcome.report, uploaded_to=url, attempts=outcome.attempts)


def sync_into(
    store: RunStore,
    settings: Settings,
    *,
    token_store: TokenStore,
    budget_s: float,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
    clock: Callable[[], datetime] | None = None,
) -> SyncReport:
    """Wire SmashRun (from the settings) to an open `store` and run one sync on it, in
    place: for a store nothing else writes to (the demo's, the benchmarks')."""
    with sync_step(
        settings,
        token_store=token_store,
        budget_s=budget_s,
        options=options,
        progress=progress,
        clock=clock,
    ) as step:
        return step(store)


@contextmanager
def sync_step(
    settings: Settings,
    *,
    token_store: TokenStore,
    budget_s: float,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[SyncStep[SyncReport]]:
    """SmashRun wired up for one sync, as a step to run against a store.

    The S3 path may run the step again after a conflict; every round shares the one
    deadline and request budget. SmashRun is opened before any database is touched, so
    missing credentials stop the sync before it downloads (or marks anything degraded).
    """
    from streakcore.ports import Deadline
    from streakcore.smashrun import RequestBudget, open_source
    from streakcore.usecases.sync.run import SyncOptions, sync

    if budget_s <= 0:
        raise ConfigError("--budget must be a positive number of seconds")
    deadline = Deadline(budget_s)
    budget = RequestBudget(settings.requests_per_hour)
    chosen = options or SyncOptions(concurrency=settings.sync_concurrency)
    source = open_source(settings, token_store=token_store, deadline=deadline, budget=budget)

    def step(store: RunStore) -> SyncReport:
        return sync(
            source,
            store,
            deadline=deadline,
            clock=clock or _utc_now,
            options=chosen,
            ledger=budget,
            progress=progress,
        )

    try:
        yield step
    finally:
        source.close()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def summary_line(report: SyncReport) -> str:
    line = (
        f"sync {report.status}: {report.runs_synced} runs, {report.splits_stored} splits, "
        f"{report.deleted} deleted, {report.quarantined} quarantined, "
        f"{report.requests} requests in {report.duration_s:.1f} s"
    )
    if report.backlog:
        line += f"; {report.backlog} runs still waiting for splits (run `streak sync` again)"
    return line


def written_line(result: SyncResult) -> str | None:
    """Where the result went, and whether another writer made this sync run again."""
    retried = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    if result.uploaded_to is not None:
        return f"uploaded to {result.uploaded_to}{retried}"
    if retried:
        return f"another sync replaced the database meanwhile; saved on top of it{retried}"
    return None


def print_report(report: SyncReport) -> None:
    print(summary_line(report))
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.error is not None:
        print(f"streak: error: {report.error}", file=sys.stderr)


class _RichProgress:
    """A progress bar for backfills; an incremental sync of a few runs shows nothing."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def update(self, phase: str, done: int, total: int | None) -> None:
        if self._bar is None:
            if phase != "splits" or (total or 0) < BACKFILL_THRESHOLD:
                return
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
        task = self._tasks.get(phase)
        if task is None:
            task = self._tasks[phase] = self._bar.add_task(
                _PHASE_TEXT.get(phase, phase), total=total
            )
        self._bar.update(task, completed=done, total=total)

    def __enter__(self) -> _RichProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


class _NoProgress(_RichProgress):
    def update(self, phase: str, done: int, total: int | None) -> None:
        return


_PHASE_TEXT = {
    "search": "Searching runs",
    "splits": "Fetching splits",
    "sweep": "Checking for deleted runs",
}


def _progress_for(*, show: bool) -> _RichProgress:
    return _RichProgress() if show else _NoProgress()
