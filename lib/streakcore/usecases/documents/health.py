"""`<db>.health.json`: whether the last sync attempt worked, and `/health`'s judgement of
it. Ordered by the instant its attempt started, not by generation."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ValidationError, field_serializer

from streakcore.domain.stats import format_instant
from streakcore.errors import StoreConflict
from streakcore.ports import Blob, BlobStore
from streakcore.usecases.documents.companions import (
    PUBLISH_ATTEMPTS,
    Companion,
    Instant,
    companion_key,
)

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(hours=26)
"""A day's schedule plus slack: a last sync older than this means syncs have stopped."""
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
"""How far ahead of ours another writer's clock may run before its stamps are distrusted."""


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"


class HealthReason(StrEnum):
    """Why `/health` says degraded."""

    SYNC_FAILED = "sync_failed"
    """The last sync attempt failed."""
    STALE = "stale"
    """No sync has succeeded for longer than `STALE_AFTER`: the schedule may have stopped."""
    NO_SYNC_YET = "no_sync_yet"
    """No sync has been attempted yet: there are no runs, so no streak and no alert."""


class HealthFile(BaseModel):
    status: HealthStatus
    last_sync: Instant | None
    """The last successful sync."""
    last_attempt: Instant
    """When the attempt this document describes started."""
    last_error: str | None = None
    """The failure's kind (an error class name), never its details: the file is public."""

    @field_serializer("last_sync", "last_attempt")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class HealthReport(BaseModel):
    """The `/health` body: the document judged at the instant of the request."""

    status: HealthStatus
    reason: HealthReason | None
    last_sync: Instant | None
    last_attempt: Instant | None

    @field_serializer("last_sync", "last_attempt")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


def judge_health(health: HealthFile | None, *, now: datetime) -> HealthReport:
    """Healthy unless the last attempt failed or the last success is older than
    `STALE_AFTER` at `now`. Before the first sync it is degraded, `no_sync_yet`: there is
    no streak to serve and no evening alert to send yet, as `/stats` ("no runs synced
    yet") and the badge ("no sync yet") say too."""
    if health is None:
        return HealthReport(
            status=HealthStatus.DEGRADED,
            reason=HealthReason.NO_SYNC_YET,
            last_sync=None,
            last_attempt=None,
        )
    reason: HealthReason | None = None
    if health.status is HealthStatus.DEGRADED:
        reason = HealthReason.SYNC_FAILED
    elif now - (health.last_sync or health.last_attempt) > STALE_AFTER:
        reason = HealthReason.STALE
    return HealthReport(
        status=HealthStatus.HEALTHY if reason is None else HealthStatus.DEGRADED,
        reason=reason,
        last_sync=health.last_sync,
        last_attempt=health.last_attempt,
    )


def record_health(
    blobs: BlobStore,
    db_key: str,
    *,
    at: datetime,
    now: datetime,
    failure: str | None,
    last_sync: datetime | None,
) -> bool:
    """Write the health document of `db_key` after a sync attempt that started at `at` and
    finished at `now`; `failure` names what went wrong (an error class, never its message).
    A failure keeps the last good sync time.

    A document about an attempt that started later stays: a slow failure finishing after
    a newer success must not turn health back to degraded. A document stamped beyond
    `now` plus `CLOCK_SKEW_ALLOWANCE` came from a clock running ahead (a laptop writes it
    too) and is replaced: kept, it would win over every write until its stamp came round.
    Returns whether this attempt's document is now the one stored.
    """
    key = companion_key(db_key, Companion.HEALTH)
    trusted_until = now + CLOCK_SKEW_ALLOWANCE
    for _ in range(PUBLISH_ATTEMPTS):
        current = blobs.read(key)
        previous = _health_in(current)
        if previous is not None and previous.last_attempt > trusted_until:
            logger.warning(
                "replacing %s: its last attempt is stamped in the future (a clock running ahead)",
                key,
            )
        elif previous is not None and previous.last_attempt > at:
            return False
        kept_sync = last_sync
        if kept_sync is None and previous is not None and previous.last_sync is not None:
            kept_sync = previous.last_sync if previous.last_sync <= trusted_until else None
        health = HealthFile(
            status=HealthStatus.HEALTHY if failure is None else HealthStatus.DEGRADED,
            last_sync=kept_sync,
            last_attempt=at,
            last_error=failure,
        )
        try:
            blobs.replace(
                key,
                health.model_dump_json().encode(),
                expected=current.etag if current else None,
            )
        except StoreConflict:
            continue
        return True
    logger.warning("gave up recording %s after %d conflicts", key, PUBLISH_ATTEMPTS)
    return False


def _health_in(blob: Blob | None) -> HealthFile | None:
    if blob is None:
        return None
    try:
        return HealthFile.model_validate_json(blob.data)
    except ValidationError:
        return None
