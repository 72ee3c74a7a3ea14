"""The small documents a sync leaves next to the database, and how they are published.

- `stats.json`: the clock-free `StatsSnapshot` plus `last_sync`, so `GET /stats` answers
  without downloading or opening the DuckDB file.
- `sync_state.json`: what the last successful sync did (its report, the database version).
- `health.json`: whether the last sync attempt worked, for `GET /health`.

Every successful sync bumps the database's generation; `stats.json` and `sync_state.json`
carry it and are replaced only by a higher one, so a slow writer finishing late cannot
put an older snapshot back over a newer one.

This module imports no DuckDB and no boto3: it is on the `GET /stats` fast path.
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ValidationError, field_serializer

from streakcore.domain.stats import StatsSnapshot, format_instant
from streakcore.errors import StoreConflict
from streakcore.storage.blob import BlobStore

STATS_KEY = "stats.json"
SYNC_STATE_KEY = "sync_state.json"
HEALTH_KEY = "health.json"
BACKUP_SUFFIX = ".backup"

PUBLISH_ATTEMPTS = 5

logger = logging.getLogger(__name__)


class Generational(BaseModel):
    """A document tied to one version of the database."""

    generation: int
    """The database's generation: +1 with every successful upload."""
    db_etag: str | None = None
    """The version of the database object it describes."""


class StatsFile(Generational):
    snapshot: StatsSnapshot
    last_sync: AwareDatetime | None

    @field_serializer("last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class SyncStateFile(Generational):
    last_sync: AwareDatetime | None
    report: dict[str, Any]
    attempts: int

    @field_serializer("last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"


class HealthFile(BaseModel):
    status: HealthStatus
    last_sync: AwareDatetime | None
    """The last successful sync."""
    last_attempt: AwareDatetime
    last_error: str | None = None
    """The failure's kind (an error class name), never its details: the file is public."""

    @field_serializer("last_sync", "last_attempt")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


Doc = TypeVar("Doc", bound=BaseModel)


def read_document(blobs: BlobStore, key: str, model: type[Doc]) -> Doc | None:
    """The document, or None when absent or unreadable (an older or torn format: the next
    sync rewrites it, and readers fall back to the database meanwhile)."""
    blob = blobs.read(key)
    if blob is None:
        return None
    try:
        return model.model_validate_json(blob.data)
    except ValidationError:
        logger.warning("ignoring unreadable %s; the next sync rewrites it", key)
        return None


def publish(blobs: BlobStore, key: str, document: Generational) -> bool:
    """Replace `key` with `document` unless it already holds the same or a later generation.

    Returns whether this document is now the one stored.
    """
    data = document.model_dump_json().encode()
    for _ in range(PUBLISH_ATTEMPTS):
        current = blobs.read(key)
        if current is not None and _generation(current.data) >= document.generation:
            return False
        try:
            blobs.replace(key, data, expected=current.etag if current else None)
        except StoreConflict:
            continue
        return True
    logger.warning("gave up publishing %s after %d conflicts", key, PUBLISH_ATTEMPTS)
    return False


def _generation(data: bytes) -> int:
    try:
        return Generational.model_validate_json(data).generation
    except ValidationError:
        return -1


def record_health(
    blobs: BlobStore,
    *,
    at: datetime,
    failure: str | None,
    last_sync: datetime | None,
) -> HealthFile:
    """Write `health.json` after a sync attempt; `failure` names what went wrong (an error
    class, never its message). A failure keeps the last good sync time."""
    if failure is not None and last_sync is None:
        previous = read_document(blobs, HEALTH_KEY, HealthFile)
        last_sync = previous.last_sync if previous else None
    health = HealthFile(
        status=HealthStatus.HEALTHY if failure is None else HealthStatus.DEGRADED,
        last_sync=last_sync,
        last_attempt=at,
        last_error=failure,
    )
    blobs.put(HEALTH_KEY, health.model_dump_json().encode())
    return health
