"""`streak sync`: bring the database up to date with SmashRun.

Wired by `streakcore.bootstrap` like every other sync. Wherever the database lives (a local
file or `s3://`), it goes through the one sync path the Lambda and the local gateway use too
(`Database.sync`): fetch, sync a private copy, replace the file or object only if nobody
else replaced it meanwhile (else run again on theirs), publish `<db>.stats.json`,
`<db>.sync_state.json` and `<db>.health.json` beside it. A file is never written in place,
so a terminal sync and a gateway sync of one file keep each other's runs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, TracebackType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from streakcore.entrypoints.cli.commands.arg_types import seconds
from streakcore.entrypoints.cli.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_db_arg,
    add_json_arg,
    load_settings,
    services_for,
)
from streakcore.errors import ConfigError, StreakError
from streakcore.settings import MAX_SYNC_BUDGET_S, Settings

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from streakcore.usecases.sync import SyncReport

EXIT_INTERRUPTED = 130
"""What a shell reports for a command stopped by Ctrl-C (128 + SIGINT)."""

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
        f"Exit codes: {EXIT_OK} done, or stopped early by the time budget, the hourly "
        "request budget or a rate limit with its progress kept (status partial, or paused "
        f"when the hourly budget let it ask nothing), {EXIT_FAILED} the sync failed "
        "(SmashRun or S3 trouble, another sync kept replacing the database, the file in use), "
        f"{EXIT_USAGE} bad usage or setup (flags, settings, an unreadable or newer database, "
        "no SmashRun credentials or a token SmashRun refuses: run `streak auth`), "
        f"{EXIT_INTERRUPTED} stopped by Ctrl-C (every batch stored before it is kept).",
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
    from streakcore.usecases.sync import SyncOptions

    settings = load_settings(args)
    if args.refetch_splits and not args.full:
        raise ConfigError("--refetch-splits goes with --full")
    budget_s = settings.sync_budget_s if args.budget is None else args.budget
    options = SyncOptions(
        full=args.full,
        refetch_splits=args.refetch_splits,
        concurrency=settings.sync_concurrency,
        stop=threading.Event(),
    )
    services = services_for(settings)
    with (
        _ctrl_c_stops(options.stop),
        _progress_for(show=not args.json and sys.stdout.isatty()) as progress,
    ):
        report = services.sync(budget_s=budget_s, options=options, progress=progress)
    code = exit_code(report)
    if report.interrupted:
        code = EXIT_INTERRUPTED
    if args.json:
        print(json.dumps(report.body(), indent=2))
        if code != EXIT_OK and report.error is not None:
            print(f"streak: error: {report.error}", file=sys.stderr)
    else:
        print_report(report, zone=settings.zone)
        if written := written_line(report):
            print(written)
    if report.interrupted:
        print(
            "streak: interrupted; every batch stored before it is kept, and the next "
            "`streak sync` carries on from there",
            file=sys.stderr,
        )
    return code


@contextmanager
def _ctrl_c_stops(stop: threading.Event | None) -> Iterator[None]:
    """The first Ctrl-C asks the sync to stop at its next safe point, keeping every batch
    stored (a KeyboardInterrupt could land halfway through taking one in); a second one
    stops at once, and then the database is left as it was before the sync."""
    if stop is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def first(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(
            "streak: stopping after the requests in flight; Ctrl-C again to stop at once",
            file=sys.stderr,
        )

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_code(report: SyncReport) -> int:
    # A refused token is a setup step for the runner (`streak auth`), like missing
    # credentials, even when the sync got somewhere first (its progress is kept).
    if report.needs_auth:
        return EXIT_USAGE
    # `partial` (stopped by the time budget or SmashRun's rate limit, progress kept) is a
    # normal step of a long backfill, not a failure a cron job should shout about.
    return EXIT_FAILED if report.failed else EXIT_OK


def run_incremental(settings: Settings) -> str:
    """An incremental sync of `settings.db` for another command (`streak check`): a
    one-line report, or StreakError when the sync failed."""
    report = services_for(settings).sync()
    if report.error is not None and report.failed:
        raise StreakError(report.error)
    line = summary_line(report)
    if written := written_line(report):
        line += f"; {written}"
    return line


def summary_line(report: SyncReport) -> str:
    if report.status == "paused":
        return (
            "sync paused: the hourly request budget (it keeps us under SmashRun's limit) is "
            "spent, so nothing was asked"
        )
    line = (
        f"sync {report.status}: {report.runs_synced:,} runs, {report.splits_stored:,} splits, "
        f"{report.deleted:,} deleted, {report.quarantined:,} quarantined, "
        f"{report.requests:,} requests in {report.duration_s:.1f} s"
    )
    if report.backlog:
        line += f"; {report.backlog:,} runs still waiting for splits"
    return line


def backfill_line(report: SyncReport, zone: ZoneInfo | None) -> str | None:
    """How far a backfill is and when it goes on; None when the sync caught up or stopped
    for a reason of its own (which the error line says)."""
    if report.status not in ("partial", "paused") or report.error:
        return None
    line = f"backfill: {report.runs_with_splits:,} / {report.runs_stored:,} runs have splits"
    more = _syncs_phrase(report.syncs_left)
    if report.next_sync_after is not None:
        local = report.next_sync_after.astimezone(zone) if zone else report.next_sync_after
        where = f" ({zone.key})" if zone else " UTC"
        return (
            f"{line}; it continues with a sync after {local:%a %d %b %H:%M}{where}, "
            f"when the hourly request budget opens again{more}"
        )
    return f"{line}; run `streak sync` again to continue{more}"


def _syncs_phrase(syncs: int | None) -> str:
    if not syncs:
        return ""
    return f" (about {syncs} more sync{'s' if syncs > 1 else ''}, an hour apart)"


def written_line(report: SyncReport) -> str | None:
    """Where the report's sync went, and whether another writer made it run again."""
    retried = f" after {report.attempts} attempts" if report.attempts > 1 else ""
    if report.uploaded_to is not None:
        return f"uploaded to {report.uploaded_to}{retried}"
    if retried:
        return f"another sync replaced the database meanwhile; saved on top of it{retried}"
    return None


def print_report(report: SyncReport, *, zone: ZoneInfo | None = None) -> None:
    """The summary, the backfill's progress (times in `zone`), warnings; errors on stderr."""
    print(summary_line(report))
    if line := backfill_line(report, zone):
        print(line)
    for warning in report.warnings:
        print(f"warning: {warning}")
    if report.error is not None:
        print(f"streak: error: {report.error}", file=sys.stderr)


class _RichProgress:
    """Bars for a backfill, one per phase in the order the phases begin (the search, then
    the splits), each with its ETA; an incremental sync of a few runs shows nothing."""

    def __init__(self, console: Console | None = None) -> None:
        self._console = console
        self._bar: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._seen: dict[str, tuple[int, int | None]] = {}
        """Every phase's latest state, from before the bar shows too, in order of arrival."""
        self._eta: str = ""

    def budget_eta(self, seconds: float | None) -> None:
        self._eta = "" if seconds is None else f"about {_hours(seconds)} (hourly request budget)"

    def update(self, phase: str, done: int, total: int | None) -> None:
        self._seen[phase] = (done, total)
        if self._bar is None:
            if not _is_backfill(phase, done, total):
                return
            self._bar = _progress_bar(self._console)
            self._bar.start()
        for name, (phase_done, phase_total) in self._seen.items():
            task = self._tasks.get(name)
            if task is None:
                task = self._tasks[name] = self._bar.add_task(
                    _PHASE_TEXT.get(name, name), total=phase_total, budget_eta=""
                )
            eta = self._eta if name == "splits" else ""
            self._bar.update(task, completed=phase_done, total=phase_total, budget_eta=eta)

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


def _is_backfill(phase: str, done: int, total: int | None) -> bool:
    """A second search page (a hundred runs new or changed) or a long splits backlog: a
    backfill, worth a bar from its first pages on, not after them."""
    if phase == "search":
        return done >= 2
    return phase == "splits" and (total or 0) >= BACKFILL_THRESHOLD


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.0f} h" if hours >= 1 else f"{seconds / 60:.0f} min"


def _progress_bar(console: Console | None) -> Progress:
    """Description, bar, done/total, and the ETA: the budget's when it sets the pace, else
    rich's estimate from the speed so far."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class BudgetEtaColumn(ProgressColumn):
        def __init__(self) -> None:
            super().__init__()
            self._speed = TimeRemainingColumn()

        def render(self, task: Task) -> Text:
            eta = task.fields.get("budget_eta")
            return Text(f"ETA {eta}") if eta else self._speed.render(task)

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        BudgetEtaColumn(),
        console=console,
        transient=True,
    )


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
