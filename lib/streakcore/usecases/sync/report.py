"""What one sync did: the one report every caller reads (the terminal, the Lambda's routes
and schedules, the benchmarks)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_serializer

from streakcore.errors import SmashRunAuthError, SmashRunError, SmashRunRateLimited, StreakError


class SyncStatus(StrEnum):
    SUCCESS = "success"
    """Caught up: every run SmashRun has is stored with its splits."""
    PARTIAL = "partial"
    """Progress stored, more to do: stopped by the time budget, the hourly request budget
    or SmashRun's rate limit. The next sync carries on."""
    PAUSED = "paused"
    """Nothing asked: the hourly request budget is spent; the next sync after
    `next_sync_after` carries on. A normal step of a long backfill, not a failure."""
    FAILED = "failed"


class SyncErrorKind(StrEnum):
    """What stopped a sync, for callers that act on it (exit codes, HTTP statuses)."""

    AUTH = "auth"
    """SmashRun refused the credentials: a person must run `streak auth`."""
    RATE_LIMITED = "rate_limited"
    SMASHRUN = "smashrun"
    """SmashRun kept failing, or answered what we cannot use."""
    OTHER = "other"


class SyncReport(BaseModel):
    """What one sync did. `POST /sync` returns its `body()`; `streak sync --json` prints it.

    The fields after `warnings` are for the callers, not the stored report: the sync-state
    document keeps `model_dump()`, which leaves them out.
    """

    status: SyncStatus
    runs_synced: int = 0
    splits_stored: int = 0
    quarantined: int = 0
    deleted: int = 0
    requests: int = 0
    backlog: int = 0
    """Activities still waiting for their splits."""
    runs_stored: int = 0
    """Live runs in the store after the sync: `runs_stored - backlog` have their splits
    (or none to have)."""
    next_sync_after: datetime | None = None
    """When work is left and the hourly request budget is spent: the minute it opens again
    (UTC). None when a sync can go on at once or nothing is left."""
    syncs_left: int | None = None
    """About how many more syncs (one per budget hour) the backfill takes; None when done."""
    duration_s: float = 0.0
    error: str | None = None
    error_kind: SyncErrorKind | None = None
    warnings: list[str] = []

    attempts: int = Field(default=1, exclude=True)
    """Rounds the sync path ran: more than one when another writer got in first."""
    rate_limited: bool = Field(default=False, exclude=True)
    """SmashRun (or our own request budget) said "not now" at least once."""
    retry_after_s: float | None = Field(default=None, exclude=True)
    """When rate limited: the longest wait asked for."""
    interrupted: bool = Field(default=False, exclude=True)
    """Stopped by Ctrl-C: what was committed before it is kept (the caller exits 130)."""
    uploaded_to: str | None = Field(default=None, exclude=True)
    """The object's URL when the database lives on S3."""

    @field_serializer("next_sync_after")
    def _instant(self, value: datetime | None) -> str | None:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None

    @property
    def runs_with_splits(self) -> int:
        return max(0, self.runs_stored - self.backlog)

    @property
    def failed(self) -> bool:
        """Nothing was synced: health turns degraded."""
        return self.status is SyncStatus.FAILED

    @property
    def needs_auth(self) -> bool:
        """SmashRun refused the credentials: someone must run `streak auth` again."""
        return self.error_kind is SyncErrorKind.AUTH

    def body(self, *, with_upload: bool = True) -> dict[str, Any]:
        """The JSON body: the report, `attempts`, and (`with_upload`) where it went."""
        body: dict[str, Any] = self.model_dump(mode="json")
        if with_upload and self.uploaded_to is not None:
            body["uploaded_to"] = self.uploaded_to
        body["attempts"] = self.attempts
        return body

    def log_fields(self) -> dict[str, Any]:
        """What a log may say about a sync: counts and status, never payloads."""
        return {
            "status": self.status.value,
            "runs_synced": self.runs_synced,
            "splits_stored": self.splits_stored,
            "quarantined": self.quarantined,
            "backlog": self.backlog,
            "requests": self.requests,
            "attempts": self.attempts,
        }


def kind_of(error: StreakError | None) -> SyncErrorKind | None:
    if error is None:
        return None
    if isinstance(error, SmashRunAuthError):
        return SyncErrorKind.AUTH
    if isinstance(error, SmashRunRateLimited):
        return SyncErrorKind.RATE_LIMITED
    if isinstance(error, SmashRunError):
        return SyncErrorKind.SMASHRUN
    return SyncErrorKind.OTHER
