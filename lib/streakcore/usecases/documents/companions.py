"""What sits next to the database, named after its key, and how a document is read and
published: replaced only by a later generation, so a slow writer finishing late cannot put
an older document back over a newer one."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BaseModel, ValidationError, field_serializer

from streakcore.domain.stats import StatsSnapshot, format_instant
from streakcore.domain.units import EXACT_NUMBERS
from streakcore.errors import StoreConflict
from streakcore.ports import BlobStore

PUBLISH_ATTEMPTS = 5


class Companion(StrEnum):
    """What sits next to the database, as the suffix of its key."""

    BACKUP = "backup"
    STATS = "stats.json"
    SYNC_STATE = "sync_state.json"
    HEALTH = "health.json"
    ALERTS = "alerts.json"
    DAYS = "days.json"


PAGE_TOKEN_SUFFIX = "page_token"  # noqa: S105 - a file name, not a token
"""`runs.duckdb.page_token`: the page's share token beside a local database (0600; never
in a blob store, so not a `Companion`)."""


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


Doc = TypeVar("Doc", bound=BaseModel)


def read_document(blobs: BlobStore, key: str, model: type[Doc]) -> Doc | None:
    """The document, or None when absent or unreadable (an older or torn format: the next
    sync rewrites it, and readers fall back to the database meanwhile)."""
    blob = blobs.read(key)
    if blob is None:
        return None
    return parse_document(blob.data, key, model)


def parse_document(data: bytes, key: str, model: type[Doc]) -> Doc | None:
    """`data` read from `key` as `model`, or None (logged) when it cannot be."""
    try:
        return model.model_validate_json(data)
    except ValidationError:
        logger.warning("ignoring unreadable %s; the next sync rewrites it", key)
        return None


def publish(blobs: BlobStore, key: str, document: Generational) -> bool:
    """Replace `key` with `document` unless it already holds the same or a later generation.

    Returns whether this document is now the one stored.
    """
    # Exact: a document is a cache the next answer is computed from, not an answer.
    data = document.model_dump_json(context=EXACT_NUMBERS).encode()
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
