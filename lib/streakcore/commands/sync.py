"""`streak sync`: bring the local database up to date with SmashRun.

The composition root of a terminal sync: settings -> token store -> SmashRun source ->
run store, wired here and nowhere else (`streak demo` and `streak check` reuse it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from streakcore.commands.common import Subparsers, add_db_arg, add_json_arg, load_settings
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import Settings

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from streakcore.ports import TokenStore
    from streakcore.storage.duckdb_store import RunStore
    from streakcore.sync import SyncOptions, SyncProgress, SyncReport

BACKFILL_THRESHOLD = 100
"""Activities waiting for splits above which a terminal sync shows a progress bar."""


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="fetch new, changed and deleted runs from SmashRun",
        description="Fetch the runs uploaded or edited since the last sync (with their mile "
        "splits), and mark the ones deleted at SmashRun. A long backfill stops cleanly when "
        "its time budget runs out; the next sync carries on where it stopped. "
        "Exit code: 0 done or stopped by the budget, 1 SmashRun trouble, 2 bad setup.",
    )
    add_db_arg(parser)
    add_json_arg(parser)
    parser.add_argument(
        "--full",
        action="store_true",
        help="search every run again, not only those changed since the last sync "
        "(unchanged runs keep their splits)",
    )
    parser.add_argument(
        "--refetch-splits",
        action="store_true",
        help="with --full: fetch every run's splits again (one request per run)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        metavar="SECONDS",
        help="stop cleanly after this long (default: $STREAK_SYNC_BUDGET_S or 240)",
    )
    parser.set_defaults(run=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from streakcore.sync import SyncOptions

    settings = load_settings(args)
    if args.refetch_splits and not args.full:
        raise ConfigError("--refetch-splits goes with --full")
    budget_s = settings.sync_budget_s if args.budget is None else args.budget
    options = SyncOptions(
        full=args.full, refetch_splits=args.refetch_splits, concurrency=settings.sync_concurrency
    )
    with _progress_for(show=not args.json and sys.stdout.isatty()) as progress:
        report = sync_database(settings, budget_s=budget_s, options=options, progress=progress)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        print_report(report)
    return 0 if report.error is None else 1


def run_incremental(settings: Settings) -> str:
    """An incremental sync of `settings.db` for another command (`streak check`): a
    one-line report, or StreakError when the sync failed."""
    report = sync_database(settings)
    if report.error is not None and report.status == "failed":
        raise StreakError(report.error)
    return summary_line(report)


def sync_database(
    settings: Settings,
    *,
    budget_s: float | None = None,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Open the local database in `settings.db` and sync it."""
    from streakcore.commands.auth import token_store_for
    from streakcore.storage.duckdb_store import RunStore

    path = local_db_path(settings.db)
    token_store = token_store_for(settings)
    with RunStore.open(path) as store:
        return sync_into(
            store,
            settings,
            token_store=token_store,
            budget_s=settings.sync_budget_s if budget_s is None else budget_s,
            options=options,
            progress=progress,
        )


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
    """Wire SmashRun (from the settings) to `store` and run one sync."""
    from streakcore.ports import Deadline
    from streakcore.smashrun import RequestBudget, open_source
    from streakcore.sync import SyncOptions, sync

    if budget_s <= 0:
        raise ConfigError("--budget must be a positive number of seconds")
    deadline = Deadline(budget_s)
    budget = RequestBudget(settings.requests_per_hour)
    source = open_source(settings, token_store=token_store, deadline=deadline, budget=budget)
    try:
        return sync(
            source,
            store,
            deadline=deadline,
            clock=clock or _utc_now,
            options=options or SyncOptions(concurrency=settings.sync_concurrency),
            ledger=budget,
            progress=progress,
        )
    finally:
        source.close()


def local_db_path(db: str) -> Path:
    if "://" in db:
        raise ConfigError(
            f"`streak sync` writes a local DuckDB file, not {db!r}: pass --db PATH (the "
            "Lambda syncs the database on S3: POST /sync)"
        )
    return Path(db).expanduser()


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


def print_report(report: SyncReport) -> None:
    print(summary_line(report))
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.error is not None:
        print(f"error: {report.error}", file=sys.stderr)


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
