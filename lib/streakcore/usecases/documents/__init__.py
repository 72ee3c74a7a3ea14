"""The small documents a sync leaves next to the database, and how they are published.

Each is named after the database's key (`companion_key`): for `runs.duckdb`,

- `runs.duckdb.stats.json`: the clock-free `StatsSnapshot` plus `last_sync`, so
  `GET /stats` answers without downloading or opening the DuckDB file.
- `runs.duckdb.sync_state.json`: what the last successful sync did (its report, the
  database version).
- `runs.duckdb.health.json`: whether the last sync attempt worked, for `GET /health`.
- `runs.duckdb.days.json`: per-day totals of the last year or so, for the page's heatmap
  and what today still needs (`days`).
- `runs.duckdb.alerts.json`: the last home date the evening check sent its alert, so it
  sends one a day.
- `runs.duckdb.backup`: the database version the last sync replaced.

Every successful sync bumps the database's generation; the stats and sync-state documents
carry it and are replaced only by a higher one, so a slow writer finishing late cannot
put an older snapshot back over a newer one. The health document is ordered the same way
by the instant its attempt started.

`companions` names them and publishes the generational ones (the stats and sync-state
documents), `health` and `alerts` keep their own rules. None imports DuckDB or boto3: they
are on the `GET /stats` fast path.
"""

from __future__ import annotations

from streakcore.usecases.documents.alerts import AlertClaim, AlertsFile, claim_alert, release_alert
from streakcore.usecases.documents.companions import (
    Companion,
    Generational,
    StatsFile,
    SyncStateFile,
    companion_key,
    companion_keys,
    publish,
    read_document,
)
from streakcore.usecases.documents.health import (
    STALE_AFTER,
    HealthFile,
    HealthReason,
    HealthReport,
    HealthStatus,
    judge_health,
    record_health,
)

__all__ = [
    "STALE_AFTER",
    "AlertClaim",
    "AlertsFile",
    "Companion",
    "Generational",
    "HealthFile",
    "HealthReason",
    "HealthReport",
    "HealthStatus",
    "StatsFile",
    "SyncStateFile",
    "claim_alert",
    "companion_key",
    "companion_keys",
    "judge_health",
    "publish",
    "read_document",
    "record_health",
    "release_alert",
]
