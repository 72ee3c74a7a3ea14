"""Activity files in, runs out: GPX, TCX and FIT files, Strava and Garmin exports.

An adapter layer: it reads files (never the store, never the network) and hands back
`ImportedRun` values with their local start where they happened, their splits, and where
they came from. `streakcore.domain.dedupe` decides, purely, which records are one run.
"""

from __future__ import annotations

from streakcore.importers.imported_run import ImportedRun, ImportedSplit, ZoneSource
from streakcore.importers.pipeline import (
    Imported,
    ImportOptions,
    Outcome,
    Rejected,
    Skipped,
    import_runs,
)
from streakcore.importers.sports import SportFilter

__all__ = [
    "ImportOptions",
    "Imported",
    "ImportedRun",
    "ImportedSplit",
    "Outcome",
    "Rejected",
    "Skipped",
    "SportFilter",
    "ZoneSource",
    "import_runs",
]
