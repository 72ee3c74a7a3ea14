"""Files in, runs out: discover, parse, filter by sport, date where it happened, split.

`import_runs` yields one outcome per activity (imported, skipped, rejected), one at a time,
so a caller can show progress and never holds more than the file at hand. It decides
nothing about the store: duplicates are for `streakcore.domain.dedupe` and the store's caller.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from streakcore.importers.discovery import (
    Found,
    FoundFile,
    FoundSummary,
    PassedOver,
    Unreadable,
    discover,
)
from streakcore.importers.fit_file import parse_fit
from streakcore.importers.gpx_file import parse_gpx
from streakcore.importers.imported_run import ImportedRun, ImportSource
from streakcore.importers.limits import ImportLimits
from streakcore.importers.local_time import local_start
from streakcore.importers.parsed_activity import ParsedActivity
from streakcore.importers.rejection import NotAnActivity, UnreadableFile
from streakcore.importers.splits import splits
from streakcore.importers.sports import SportFilter, is_treadmill, sport_label
from streakcore.importers.strava_csv import StravaActivity
from streakcore.importers.tcx_file import parse_tcx
from streakcore.importers.track import track_of

PARSERS = {"fit": parse_fit, "gpx": parse_gpx, "tcx": parse_tcx}
PARALLEL_AFTER = 32
"""Files parsed in the calling process before workers start: below this, starting a
process (about half a second to import the parsers) costs more than it saves."""
WINDOW_PER_WORKER = 8
"""Files each worker may be given ahead of the caller: enough to keep it busy, few enough
that the files in flight stay a few megabytes."""


@dataclass(frozen=True)
class ImportOptions:
    home: ZoneInfo
    """The home zone (STREAK_TIMEZONE): the last resort for a run's local date."""
    tz_override: ZoneInfo | None = None
    """`--tz`: the zone of files that carry neither a local offset nor a position."""
    sports: SportFilter = field(default_factory=SportFilter)
    limits: ImportLimits = field(default_factory=ImportLimits)


@dataclass(frozen=True)
class Imported:
    run: ImportedRun


@dataclass(frozen=True)
class Skipped:
    origin: str
    sport: str
    """What was skipped, counted by this label: `cycling`, `Ride`, `fit settings file`."""


@dataclass(frozen=True)
class Rejected:
    origin: str
    reason: str

    @property
    def line(self) -> str:
        """One line for the terminal and the JSON report: the file, then what is wrong."""
        return f"{self.origin}: {self.reason}".replace("\r", " ").replace("\n", " ")


Outcome = Imported | Skipped | Rejected


def import_runs(
    paths: Iterable[Path],
    options: ImportOptions,
    *,
    workers: int = 1,
    parallel_after: int = PARALLEL_AFTER,
) -> Iterator[Outcome]:
    """Each activity under `paths`, read whole and judged: imported, skipped or rejected,
    in the order the files were found.

    With `workers` > 1, files past the first `parallel_after` are parsed in that many
    processes (parsing is pure CPU: fitdecode and gpxpy are plain Python), at most
    `WINDOW_PER_WORKER` files each ahead of the caller, so memory stays bounded by the
    window, not the export. A small import never starts a process.
    """

    def wanted(row: StravaActivity) -> bool:
        return options.sports.counts(row.sport)

    pending: deque[_Parsing | list[Outcome]] = deque()
    with _Workers(workers, options) as pool:
        files = 0
        for found in discover(paths, options.limits, wanted):
            if isinstance(found, FoundFile):
                files += 1
                if files > parallel_after:
                    pending.append(pool.parse(found))
                else:
                    pending.append(parse_file(found, options))
            else:
                pending.append([_judge(found, options)])
            while pending and (len(pending) > workers * WINDOW_PER_WORKER or _is_done(pending[0])):
                yield from pool.outcomes(pending.popleft())
        while pending:
            yield from pool.outcomes(pending.popleft())


@dataclass(frozen=True)
class _Parsing:
    """A file handed to a worker, kept to parse here if the worker cannot."""

    future: Future[list[Outcome]]
    found: FoundFile


class _Workers:
    """The parsing processes, started on first use. If they cannot run (a script without
    `if __name__ == "__main__":` cannot spawn them; a worker killed by the system), the
    files are parsed in this process instead: slower, never wrong."""

    def __init__(self, workers: int, options: ImportOptions) -> None:
        self.workers = workers
        self.options = options
        self.pool: ProcessPoolExecutor | None = None
        self.broken = workers < 2

    def parse(self, found: FoundFile) -> _Parsing | list[Outcome]:
        if self.broken:
            return parse_file(found, self.options)
        if self.pool is None:
            # spawn, not fork: the caller may hold DuckDB's threads and locks.
            self.pool = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        try:
            return _Parsing(self.pool.submit(parse_file, found, self.options), found)
        except BrokenProcessPool:
            self.broken = True
            return parse_file(found, self.options)

    def outcomes(self, item: _Parsing | list[Outcome]) -> list[Outcome]:
        if isinstance(item, list):
            return item
        try:
            return item.future.result()
        except BrokenProcessPool:
            self.broken = True
            return parse_file(item.found, self.options)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _is_done(item: _Parsing | list[Outcome]) -> bool:
    return isinstance(item, list) or item.future.done()


def _judge(found: Found, options: ImportOptions) -> Outcome:
    """What discovery alone decides: an unreadable path, a ride its CSV row rules out, a
    Strava row without a file."""
    if isinstance(found, Unreadable):
        return Rejected(found.origin, found.reason)
    if isinstance(found, PassedOver):
        return Skipped(found.origin, sport_label(found.strava.sport))
    assert isinstance(found, FoundSummary)
    return _summary(found, options)


def parse_file(found: FoundFile, options: ImportOptions) -> list[Outcome]:
    """The outcomes of one activity file (a module-level function: a worker process runs it)."""
    return list(_file(found, options))


def _file(found: FoundFile, options: ImportOptions) -> Iterator[Outcome]:
    try:
        activities = PARSERS[found.file_format](found.data)
    except NotAnActivity as exc:
        yield Skipped(found.origin, exc.kind)
        return
    except UnreadableFile as exc:
        yield Rejected(found.origin, exc.reason)
        return
    digest = hashlib.sha256(found.data).hexdigest()
    outcomes: list[Outcome] = []
    for number, activity in enumerate(activities):
        strava = found.strava if number == 0 else None
        sport, sub_sport = (
            (strava.sport, None) if strava is not None else (activity.sport, activity.sub_sport)
        )
        if not options.sports.counts(sport, sub_sport):
            outcomes.append(Skipped(found.origin, sport_label(sport, sub_sport)))
            continue
        try:
            run = _run_from_file(found, activity, strava, digest, number, options)
        except (ValidationError, ValueError, OverflowError) as exc:
            # A file whose own facts do not hold together (negative distance, a start
            # outside the calendar): rejected whole, with the first problem.
            outcomes.append(Rejected(found.origin, f"its values do not add up ({_first(exc)})"))
            continue
        outcomes.append(Imported(run))
    yield from outcomes


def _run_from_file(
    found: FoundFile,
    activity: ParsedActivity,
    strava: StravaActivity | None,
    digest: str,
    number: int,
    options: ImportOptions,
) -> ImportedRun:
    track = track_of(activity)
    distance_m = activity.distance_m
    if distance_m is None:
        distance_m = track[-1].distance_m - track[0].distance_m if track else 0.0
    duration_s = activity.duration_s
    if duration_s is None:
        duration_s = track[-1].elapsed_s - track[0].elapsed_s if track else 0.0
    where = local_start(
        activity.start_utc,
        utc_offset=activity.utc_offset,
        first_position=activity.first_position,
        tz_override=options.tz_override,
        home=options.home,
    )
    source: ImportSource = "strava-export" if strava is not None else found.file_format
    # A file's id is its content: the same bytes under another name are the same file.
    # A multisport FIT's later legs are told apart by their number.
    source_id = strava.activity_id if strava is not None else digest
    if number:
        source_id = f"{source_id}#{number + 1}"
    sport = strava.sport if strava is not None else activity.sport
    sub_sport = None if strava is not None else activity.sub_sport
    return ImportedRun(
        source=source,
        source_id=source_id,
        start_utc=activity.start_utc,
        start_local=where.start_local,
        zone=where.zone,
        zone_source=where.zone_source,
        distance_m=distance_m,
        duration_s=duration_s,
        sport=sport_label(sport, sub_sport),
        is_treadmill=is_treadmill(sport, sub_sport),
        splits=splits(track, "mi") + splits(track, "km"),
        name=(strava.name if strava else None) or activity.name,
        notes=(strava.description if strava else None) or activity.notes,
        file_format=found.file_format,
        origin=found.origin,
    )


def _summary(found: FoundSummary, options: ImportOptions) -> Outcome:
    row = found.strava
    if not options.sports.counts(row.sport):
        return Skipped(found.origin, sport_label(row.sport))
    if row.start_utc is None:
        return Rejected(found.origin, "its Activity Date cannot be read, so it has no day")
    # No file, no place: the day is the home zone's (recorded as such).
    start_local = row.start_utc.astimezone(options.home)
    try:
        return Imported(
            ImportedRun(
                source="strava-export",
                source_id=row.activity_id,
                start_utc=row.start_utc,
                start_local=start_local,
                zone=options.home.key,
                zone_source="home",
                distance_m=row.distance_m or 0.0,
                duration_s=row.moving_s or row.elapsed_s or 0.0,
                sport=sport_label(row.sport),
                is_treadmill=is_treadmill(row.sport),
                name=row.name,
                notes=row.description,
                origin=found.origin,
            )
        )
    except ValidationError as exc:
        return Rejected(found.origin, f"its values do not add up ({_first(exc)})")


def _first(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)
