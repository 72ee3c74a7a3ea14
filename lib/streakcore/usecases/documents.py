"""The small documents a sync leaves next to the database, and how they are published.

Each is named after the database's key (`companion_key`): for `runs.duckdb`,

- `runs.duckdb.stats.json`: the clock-free `StatsSnapshot` plus `last_sync`, so
  `GET /stats` answers without downloading or opening the DuckDB file.
- `runs.duckdb.sync_state.json`: what the last successful sync did (its report, the
  database version).
- `runs.duckdb.health.json`: whether the last sync attempt worked, for `GET /health`.
- `runs.duckdb.alerts.json`: the last home date the evening check sent its alert, so it
  sends one a day.
- `runs.duckdb.backup`: the database version the last sync replaced.

Every successful sync bumps the database's generation; the stats and sync-state documents
carry it and are replaced only by a higher one, so a slow writer finishing late cannot
put an older snapshot back over a newer one. The health document is ordered the same way
by the instant its attempt started.

This module imports no DuckDB and no boto3: it is on the `GET /stats` fast path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ValidationError, field_serializer

from streakcore.domain.stats import StatsSnapshot, format_instant
from streakcore.errors import StoreConflict, StreakError
from streakcore.ports import Blob, BlobStore

PUBLISH_ATTEMPTS = 5
STALE_AFTER = timedelta(hours=26)
"""A day's schedule plus slack: a last sync older than this means syncs have stopped."""
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)
"""How far ahead of ours another writer's clock may run before its stamps are distrusted."""
ALERT_DAYS_AHEAD_ALLOWED = timedelta(days=1)
"""A writer just past midnight, or with a clock a little ahead, may claim tomorrow."""


class Companion(StrEnum):
    """What sits next to the database, as the suffix of its key."""

    BACKUP = "backup"
    STATS = "stats.json"
    SYNC_STATE = "sync_state.json"
    HEALTH = "health.json"
    ALERTS = "alerts.json"


def companion_key(db_key: str, companion: Companion) -> str:
    """`runs.duckdb` -> `runs.duckdb.stats.json`.

    Named after the database so that a sync never replaces a file of the user's that
    happens to sit in the same folder (their own `stats.json`), and two databases in one
    folder or S3 prefix keep their own documents.
    """
    return f"{db_key}.{companion.value}"


def companion_keys(db_key: str) -> list[str]:
    """Every object kept next to `db_key`, in `Companion` order."""
    return [companion_key(db_key, companion) for companion in Companion]


def _in_utc(value: datetime) -> datetime:
    # Read back from JSON an instant carries pydantic's own UTC tzinfo, which
    # `format_instant` would not write with a Z.
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_in_utc)]

logger = logging.getLogger(__name__)


class Generational(BaseModel):
    """A document tied to one version of the database."""

    generation: int
    """The database's generation: +1 with every successful upload."""
    db_etag: str | None = None
    """The version of the database object it describes."""


class StatsFile(Generational):
    snapshot: StatsSnapshot
    last_sync: Instant | None

    @field_serializer("last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class SyncStateFile(Generational):
    last_sync: Instant | None
    report: dict[str, Any]
    attempts: int

    @field_serializer("last_sync")
    def _instant(self, value: datetime | None) -> str | None:
        return format_instant(value) if value is not None else None


class HealthStatus(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"


class HealthReason(StrEnum):
    """Why `/health` says degraded."""

    SYNC_FAILED = "sync_failed"
    """The last sync attempt failed."""
    STALE = "stale"
    """No sync has succeeded for longer than `STALE_AFTER`: the schedule may have stopped."""


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
    `STALE_AFTER` at `now`. Before any sync there is nothing to be behind on yet."""
    if health is None:
        return HealthReport(
            status=HealthStatus.HEALTHY, reason=None, last_sync=None, last_attempt=None
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


class AlertsFile(BaseModel):
    last_alerted: date | None
    """The home-zone date of the last at-risk alert sent."""


@dataclass(frozen=True, slots=True)
class AlertClaim:
    """The alerts document as this check wrote it, and what it held before (to give it
    back)."""

    key: str
    etag: str
    previous: Blob | None


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


def claim_alert(blobs: BlobStore, db_key: str, today: date) -> AlertClaim | None:
    """Record that the alert for home date `today` is going out; None when it already has.

    The write is conditional, so two checks running at once cannot both claim the day. A
    claim dated after tomorrow came from a clock running ahead: kept, it would silence
    every alert until that date, so it is replaced.
    """
    key = companion_key(db_key, Companion.ALERTS)
    for _ in range(PUBLISH_ATTEMPTS):
        current = blobs.read(key)
        alerted = _alerted_day(current, key)
        if alerted is not None and alerted > today + ALERT_DAYS_AHEAD_ALLOWED:
            logger.warning(
                "replacing %s: its last alert is dated in the future (a clock running ahead)", key
            )
        elif alerted is not None and alerted >= today:
            return None
        document = AlertsFile(last_alerted=today).model_dump_json().encode()
        try:
            etag = blobs.replace(key, document, expected=current.etag if current else None)
        except StoreConflict:
            continue
        return AlertClaim(key=key, etag=etag, previous=current)
    raise StoreConflict(f"{key} kept changing under the evening check; another check is running")


def release_alert(blobs: BlobStore, claim: AlertClaim) -> None:
    """Give the day back after the alert could not be sent, so a retry sends it."""
    previous = claim.previous.data if claim.previous else b'{"last_alerted": null}'
    try:
        blobs.replace(claim.key, previous, expected=claim.etag)
    except StoreConflict:
        # Someone else has written since; what they wrote is theirs to keep.
        logger.warning("could not give back the claim in %s: it changed meanwhile", claim.key)
    except StreakError as exc:
        # The failed alert is the error worth raising; this one only goes to the log.
        logger.warning("could not give back the claim in %s: %s", claim.key, exc)


def _alerted_day(blob: Blob | None, key: str) -> date | None:
    if blob is None:
        return None
    try:
        return AlertsFile.model_validate_json(blob.data).last_alerted
    except ValidationError:
        logger.warning("ignoring unreadable %s; the next alert rewrites it", key)
        return None
