"""`streak import`: runs from GPX, TCX and FIT files, folders of them and whole exports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from streakcore.entrypoints.cli.commands.arg_types import path_text
from streakcore.entrypoints.cli.commands.common import (
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    add_db_arg,
    add_json_arg,
    load_settings,
    services_for,
)
from streakcore.settings import resolve_timezone

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from streakcore.usecases.import_runs import ImportReport

PROGRESS_AFTER = 50
"""Activities read before a terminal shows a progress bar: a few files need none."""


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import runs from GPX, TCX and FIT files, folders and Strava or Garmin exports",
        description="Import runs from .gpx, .tcx and .fit files (each optionally .gz), "
        "folders of them (recursively) and zips: a Strava bulk export (activities.csv with "
        "activities/) or a Garmin export. Only runs are imported (running, trail, treadmill, "
        "track; $STREAK_IMPORT_SPORTS lists others to count); other sports are skipped and "
        "counted by sport. A run's day is the date where it happened: a FIT file's own local "
        "time, else the zone at the track's first point, else --tz, else the home zone. The "
        "same run arriving twice (a re-import, a .gpx and a .fit of it, a file and SmashRun) "
        "counts once: the richest record is kept. One atomic write, the way a sync writes "
        f"(local or s3://). Exit codes: {EXIT_OK} something was read (also with files "
        f"rejected, each named on stderr), {EXIT_USAGE} nothing could be read, or bad usage.",
    )
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        type=path_text,
        help="a .gpx, .tcx or .fit file (or .gz), a folder, or a .zip export",
    )
    add_db_arg(parser)
    add_json_arg(parser, instead_of="the summary")
    parser.add_argument(
        "--tz",
        dest="file_tz",
        metavar="IANA",
        help="the zone of files that carry neither a local time nor a position (a treadmill "
        "TCX, say); default: the home zone ($STREAK_TIMEZONE)",
    )
    parser.set_defaults(run=run_import)


def run_import(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    tz_override = resolve_timezone(args.file_tz) if args.file_tz is not None else None
    services = services_for(settings)
    paths = [Path(p).expanduser() for p in args.paths]
    with _progress_for(show=not args.json and sys.stdout.isatty()) as progress:
        report = services.import_files(paths, tz_override=tz_override, progress=progress)
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), indent=2))
    else:
        print(summary_line(report, services.name))
    for rejected in report.rejected_files:
        print(f"streak: rejected {rejected.file}: {rejected.reason}", file=sys.stderr)
    if not report.read_anything:
        print(
            "streak: error: nothing could be imported: name .gpx, .tcx or .fit files, "
            "folders of them, or a Strava or Garmin export .zip",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return EXIT_OK


def summary_line(report: ImportReport, database: str) -> str:
    skipped = ""
    if report.skipped_by_sport:
        by_sport = ", ".join(f"{sport} {n:,}" for sport, n in report.skipped_by_sport.items())
        skipped = f" ({by_sport})"
    return (
        f"imported {report.imported:,} runs, {report.duplicates:,} already there or duplicates, "
        f"{report.skipped:,} skipped{skipped}, {report.rejected:,} rejected; "
        f"{database} counts {report.runs_in_database:,} runs"
    )


class _RichProgress:
    """A bar (a count and a rate: an export's size is known only once it is read) for
    imports of more than a few files."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def update(self, activities: int) -> None:
        if self._bar is None:
            if activities < PROGRESS_AFTER:
                return
            from rich.progress import (
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("Reading activities"),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("import", total=None)
        assert self._task is not None
        self._bar.update(self._task, completed=activities)

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
    def update(self, activities: int) -> None:
        return


def _progress_for(*, show: bool) -> _RichProgress:
    return _RichProgress() if show else _NoProgress()
