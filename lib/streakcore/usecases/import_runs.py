"""The import use case: runs from activity files and exports into the store, each real run
counted once.

Gather -> apply, a batch at a time: outcomes stream in from `ActivityFiles` (one file at a
time, never the whole export), runs are written `BATCH_SIZE` at a time, and the store groups
every run it is handed with the runs already there (`streakcore.domain.dedupe`, applied by
the store on every write), so a re-import, a `.gpx` and a `.fit` of one run, or a file and
its SmashRun copy add one run and never a second helping of the day's distance. The caller
runs this on a private copy of the database (`Database.change`), so an import is one
atomic write whatever the number of batches: a crash or a conflict leaves the file as it
was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, Field

from streakcore.ports import (
    ActivitySkipped,
    Batch,
    FileOutcome,
    FileRejected,
    RunRead,
    RunStore,
    StoredActivity,
)

BATCH_SIZE = 250
"""Runs per write: a few hundred runs with their splits are well under a megabyte, and
fewer, larger writes are what DuckDB does fast."""


class ImportProgress(Protocol):
    def update(self, activities: int) -> None:
        """`activities` outcomes (read, skipped or rejected) so far."""
        ...


class RejectedFile(BaseModel):
    file: str
    reason: str


class ImportReport(BaseModel):
    """What an import did. `imported + duplicates` is every run read."""

    imported: int = 0
    """Runs the database counts now that it did not before."""
    duplicates: int = 0
    """Runs read that were already there (a re-import) or are another record of a run
    counted (from SmashRun, another file, earlier in this import): one of them counts."""
    skipped: int = 0
    """Activities of other sports, and files with no activity in them."""
    rejected: int = 0
    """Files that could not be read; each is named with its reason."""
    skipped_by_sport: dict[str, int] = Field(default_factory=dict)
    rejected_files: list[RejectedFile] = Field(default_factory=list)
    runs_in_database: int = 0
    """Runs the database counts after the import."""

    @property
    def read_anything(self) -> bool:
        """Whether any file could be read (also when everything in it was skipped)."""
        return self.imported + self.duplicates + self.skipped > 0


class NothingToStore(Exception):
    """An import that read no run: its write is abandoned, so the database (and its
    backup, its stats document) stay exactly as they were."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__("no run to store")
        self.report = report


def import_activities(
    store: RunStore,
    outcomes: Iterable[FileOutcome],
    *,
    batch_size: int = BATCH_SIZE,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Store every run in `outcomes`, a batch at a time; count what was skipped and why
    each rejected file was. NothingToStore (with the report) when no run was read."""
    before = store.count("runs")
    read = 0
    pending: dict[str, StoredActivity] = {}
    skipped: Counter[str] = Counter()
    rejected: list[RejectedFile] = []
    for seen, outcome in enumerate(outcomes, start=1):
        if isinstance(outcome, RunRead):
            read += 1
            # The same file twice in one import is one row (the same id).
            pending[outcome.row.activity.activity_id] = outcome.row
            if len(pending) >= batch_size:
                store.apply(Batch(activities=list(pending.values())))
                pending.clear()
        elif isinstance(outcome, ActivitySkipped):
            skipped[outcome.sport] += 1
        elif isinstance(outcome, FileRejected):
            rejected.append(RejectedFile(file=outcome.origin, reason=outcome.reason))
        if progress is not None:
            progress.update(seen)
    if pending:
        store.apply(Batch(activities=list(pending.values())))
    if not read:
        raise NothingToStore(
            ImportReport(
                skipped=sum(skipped.values()),
                rejected=len(rejected),
                skipped_by_sport=dict(sorted(skipped.items())),
                rejected_files=rejected,
                runs_in_database=before,
            )
        )
    after = store.count("runs")
    imported = min(read, max(0, after - before))
    return ImportReport(
        imported=imported,
        duplicates=read - imported,
        skipped=sum(skipped.values()),
        rejected=len(rejected),
        skipped_by_sport=dict(sorted(skipped.items())),
        rejected_files=rejected,
        runs_in_database=after,
    )
