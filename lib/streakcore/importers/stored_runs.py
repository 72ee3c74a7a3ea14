"""Imported runs as the store keeps them, and `ActivityFiles`, the port an import reads.

A stored run's id says where it came from and is the same on every import of the same
thing, so importing a file twice writes one row: `fit-3fa9c2d1e0b4a7c5` (the first 16 hex
digits of the file's SHA-256; a multisport FIT's second leg `fit-...-2`), `strava-123456`
(Strava's own id). SmashRun's runs keep SmashRun's numeric ids, which never collide with
these.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

from pydantic import ValidationError

from streakcore.domain.models import Activity, Split
from streakcore.importers.imported_run import ImportedRun
from streakcore.importers.pipeline import Imported, ImportOptions, Rejected, import_runs
from streakcore.ports import ActivitySkipped, FileOutcome, FileRejected, RunRead, StoredActivity

ID_DIGITS = 16
"""Hex digits of a file's hash in its run's id: 64 bits, no collision in any one history."""
ID_PREFIX = {"strava-export": "strava"}


def stored_id(source: str, source_id: str) -> str:
    """The store's id of an imported run: its source and (a short form of) its source id."""
    base, _, leg = source_id.partition("#")
    short = base if source == "strava-export" else base[:ID_DIGITS]
    return f"{ID_PREFIX.get(source, source)}-{short}" + (f"-{leg}" if leg else "")


def stored_activity(run: ImportedRun) -> StoredActivity:
    """The store's row for `run`; pydantic's ValidationError if it cannot be a run (over
    1,000 km or 10 days, a year outside 1900-2200)."""
    activity_id = stored_id(run.source, run.source_id)
    activity = Activity(
        activity_id=activity_id,
        start_local=run.start_local,
        distance_m=run.distance_m,
        duration_s=run.duration_s,
        activity_type=run.sport,
        is_treadmill=run.is_treadmill,
        notes=run.notes,
        source=run.source,
        source_id=run.source_id,
        zone_source=run.zone_source,
    )
    splits = [
        Split(
            activity_id=activity_id,
            unit=s.unit,
            index=s.index,
            distance_m=s.distance_m,
            elapsed_s=s.elapsed_s,
        )
        for s in run.splits
    ]
    payload = json.dumps(
        {"origin": run.origin, "zone": run.zone, "name": run.name, "sport": run.sport},
        sort_keys=True,
    )
    return StoredActivity(activity, f"{run.source}:{run.source_id}", payload, splits)


class ActivityFileReader:
    """`ports.ActivityFiles` on this package's parsers, parsing big imports in `workers`
    processes."""

    def __init__(self, options: ImportOptions, *, workers: int = 1) -> None:
        self.options = options
        self.workers = workers

    def read(self, paths: Sequence[Path]) -> Iterator[FileOutcome]:
        for outcome in import_runs(paths, self.options, workers=self.workers):
            if isinstance(outcome, Imported):
                yield _read(outcome.run)
            elif isinstance(outcome, Rejected):
                yield FileRejected(outcome.origin, outcome.line.removeprefix(f"{outcome.origin}: "))
            else:
                yield ActivitySkipped(outcome.origin, outcome.sport)


def _read(run: ImportedRun) -> FileOutcome:
    try:
        return RunRead(stored_activity(run), run.origin)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"])
        return FileRejected(run.origin, f"it cannot be a run ({where}: {error['msg']})")
