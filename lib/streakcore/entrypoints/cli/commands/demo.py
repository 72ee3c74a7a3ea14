"""`streak demo`: a synthetic athlete, synced from a fake SmashRun over real HTTP.

The fake runs on 127.0.0.1 and the sync goes through the same client, retries and store
as a real one, so the demo also shows what a backfill costs in requests.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from streakcore.entrypoints.cli.commands.arg_types import number, path_text
from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_units_arg,
    load_settings,
    services_for,
)
from streakcore.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from streakcore.testing import Athlete

DEFAULT_DIR = Path("./demo")
DEFAULT_YEARS = 3.0
MIN_YEARS = 0.5
"""The synthetic athlete's shortest history (`streakcore.testing.athletes.MIN_YEARS`, not
imported: `streak --help` would load the fake SmashRun)."""
MAX_DEMO_YEARS = 30.0
"""About 11,000 runs: a long history, synced in a minute or two."""
DEMO_BUDGET_S = 600.0
DEMO_REQUESTS_PER_HOUR = 1_000_000
"""The fake has no hourly limit to respect; SmashRun's would stretch a demo over a day."""


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="sync a synthetic athlete from a fake SmashRun and show the stats",
        description="Start a fake SmashRun on 127.0.0.1 holding a synthetic athlete, sync "
        "it through the real client into DIR/runs.duckdb (replaced each time), import a few "
        "GPX files of its watch written to DIR/activity-files (copies of synced runs count "
        "once, a ride is skipped) and print the stats and what the sync cost in requests.",
    )
    parser.add_argument(
        "--dir",
        type=lambda text: Path(path_text(text)),
        default=DEFAULT_DIR,
        help="where to write runs.duckdb (default ./demo)",
    )
    parser.add_argument(
        "--years",
        type=number(MIN_YEARS, MAX_DEMO_YEARS, unit="years"),
        default=DEFAULT_YEARS,
        help=f"years of history, {MIN_YEARS:g} to {MAX_DEMO_YEARS:g} (default {DEFAULT_YEARS:g})",
    )
    add_units_arg(parser)
    parser.set_defaults(run=run_demo)


def request_floor(runs: int, page_size: int = 100) -> int:
    """The fewest requests a first sync can make: search pages, one splits call per run
    (a run without GPS is only known to have no splits once asked), the id sweep."""
    pages = max(1, math.ceil(runs / page_size))
    return pages + runs + pages


def run_demo(args: argparse.Namespace) -> int:
    from rich.console import Console

    from streakcore.entrypoints.cli.commands.render import print_stats
    from streakcore.entrypoints.cli.commands.sync import print_report
    from streakcore.settings import resolve_timezone
    from streakcore.testing import FakeSmashRun, synthetic_athlete
    from streakcore.usecases.import_runs import import_activities
    from streakcore.usecases.stats import stats_from_store

    settings = load_settings(args)
    now = datetime.now(UTC)
    athlete = synthetic_athlete(now=now, years=args.years)
    db = _fresh_db(args.dir / "runs.duckdb")
    console = Console()
    # The fake's clock stands still at `now`, so the set of uploaded runs cannot change
    # halfway through the sync and the request count is the same every time.
    uploaded = sum(1 for run in athlete.runs if run.uploaded_at <= now)
    with FakeSmashRun(athlete, clock=lambda: now) as fake:
        demo_settings = settings.model_copy(
            update={
                "smashrun_base_url": fake.base_url,
                "smashrun_access_token": SecretStr(fake.access_token),
                "requests_per_hour": DEMO_REQUESTS_PER_HOUR,
            }
        )
        console.print(
            f"Fake SmashRun at {fake.base_url}: {uploaded:,} runs over "
            f"{args.years:g} years. Syncing into {db} ..."
        )
        # The fake's user-level token: no token store is read or written.
        services = services_for(demo_settings)
        with services.open_store(db) as store, DemoProgress(console) as progress:
            report = services.sync_into(store, budget_s=DEMO_BUDGET_S, progress=progress)
            files = write_activity_files(athlete, args.dir / "activity-files", now=now)
            imported = import_activities(store, services.activity_files().read([files]))
            tz = resolve_timezone(athlete.home_tz)
            body = stats_from_store(store, rule=settings.streak_rule, as_of=now, tz=tz)
        served = fake.count("/my/")
    print_report(report)
    console.print(
        f"Imported {files}: new runs {imported.imported}, already synced from SmashRun "
        f"{imported.duplicates} (counted once), skipped {imported.skipped} (a ride) "
        f"(streak import {files} --db {db} does the same)."
    )
    print_stats(body, settings.units, console)
    floor = request_floor(uploaded)
    console.print(
        f"Requests: {served:,} served by the fake (the floor for {uploaded:,} runs "
        f"is {floor:,}: search pages + one splits call per run + the id sweep)."
    )
    pictures = _draw(db, now=now, tz=athlete.home_tz, units=settings.units)
    console.print(f"Explore it: streak stats --db {db}  or  streakcore.open({str(db)!r})")
    console.print(f"Your streak page: {pictures[-1]} (open it in a browser)", soft_wrap=True)
    return 0 if report.error is None else 1


def write_activity_files(athlete: Athlete, folder: Path, *, now: datetime) -> Path:
    """A watch's files for the import: GPX copies of the last two runs SmashRun has (they
    merge into them), a second run on the day before the last (one more run on a day that
    already counts, so the streak's story stays the same) and a ride (skipped). Written with
    gpxpy, the library the import reads them with."""
    from streakcore.testing.activity_gpx import gpx_of_run

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.gpx"):
            old.unlink()
    except OSError as exc:
        raise ConfigError(f"cannot write {folder}: {exc.strerror}; pass another --dir") from exc
    outdoor = [r for r in athlete.runs if r.uploaded_at <= now and r.activity.get("startLatitude")]
    files: dict[str, bytes] = {}
    for copy, synced in enumerate(outdoor[-2:], start=1):
        a = synced.activity
        start = datetime.fromisoformat(str(a["startDateTimeLocal"])).astimezone(UTC)
        files[f"watch-{copy}.gpx"] = gpx_of_run(
            start + timedelta(seconds=2),
            distance_m=float(a["distance"]) * 1000 * 1.01,
            duration_s=float(a["duration"]),
            lat=float(a["startLatitude"]),
            lon=float(a["startLongitude"]),
        )
    if outdoor:
        a = outdoor[-2].activity if len(outdoor) > 1 else outdoor[-1].activity
        start = datetime.fromisoformat(str(a["startDateTimeLocal"]))
        # A second run that day, hours from the first: in the evening after a morning run,
        # else early in the morning, so that it is always there and never a copy.
        evening = start.replace(hour=19, minute=15)
        second = evening if evening - start > timedelta(hours=2) else start.replace(hour=6)
        files["second-run.gpx"] = gpx_of_run(
            second.astimezone(UTC), distance_m=3200.0, duration_s=1200.0,
            lat=float(a["startLatitude"]), lon=float(a["startLongitude"]), name="Shakeout",
        )  # fmt: skip
        files["ride.gpx"] = gpx_of_run(
            start.astimezone(UTC) - timedelta(days=3), distance_m=30_000.0, duration_s=3600.0,
            lat=float(a["startLatitude"]), lon=float(a["startLongitude"]), sport="cycling",
        )  # fmt: skip
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


PHASES = {
    "search": "Searching runs",
    "splits": "Fetching splits",
    "sweep": "Checking for deleted runs",
}


class DemoProgress:
    """A bar per phase of the demo's sync, each left in place when done, so the runner
    sees what a backfill does and what it took; nothing when the output is not a terminal
    (a pipe, a CI log)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._bars: Progress | None = None
        self._tasks: dict[str, TaskID] = {}

    def update(self, phase: str, done: int, total: int | None) -> None:
        if self._bars is None:
            return
        task = self._tasks.get(phase)
        if task is None:
            task = self._tasks[phase] = self._bars.add_task(PHASES.get(phase, phase), total=total)
        self._bars.update(task, completed=done, total=total)

    def _finish_open_phases(self) -> None:
        """A phase whose size was unknown (the search's pages) is whole once the sync is
        over: its bar shows what it did, not '?'."""
        assert self._bars is not None
        for task in self._bars.tasks:
            if task.total is None:
                self._bars.update(task.id, total=task.completed)

    def __exit__(self, *exc: object) -> None:
        if self._bars is not None:
            self._finish_open_phases()
            self._bars.stop()

    def __enter__(self) -> DemoProgress:
        if self._console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._bars = Progress(
                TextColumn("{task.description:<26}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._console,
            )
            self._bars.start()
        return self


def _draw(db: Path, *, now: datetime, tz: str, units: str) -> list[Path]:
    """The year heatmap, the streak badge and the page, through the same commands a runner
    uses; the heatmap and the page in the units the stats were printed in (the athlete's zone
    is not the runner's). The page comes last."""
    from streakcore.entrypoints.cli.main import main

    pictures = [db.with_name("heatmap.svg"), db.with_name("badge.svg"), db.with_name("streak.html")]
    common = ["--db", str(db), "--as-of", now.isoformat(), "--tz", tz]
    commands = (["heatmap", "--units", units], ["badge"], ["page", "--units", units])
    for command, picture in zip(commands, pictures, strict=True):
        if main([*command, *common, "-o", str(picture)]) != 0:
            raise ConfigError(f"could not draw {picture}")
    return pictures


def _fresh_db(path: Path) -> Path:
    """It's a demo: each run starts from an empty database."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {path.parent}: {exc.strerror}; pass another --dir"
        ) from None
    for stale in (path, path.with_name(path.name + ".wal")):
        try:
            stale.unlink(missing_ok=True)
        except IsADirectoryError:
            raise ConfigError(f"{stale} is a directory; pass another --dir") from None
        except OSError as exc:
            raise ConfigError(f"cannot replace {stale}: {exc.strerror}") from None
    return path
