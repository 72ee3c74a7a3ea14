"""How each streakcore error, and each sync that did not succeed, answers over HTTP:
status, message, headers. Routes return results; this module alone picks statuses.

The messages of client-side problems (4xx) and of SmashRun's refusals are shown as they
are: they say what to do. A token SmashRun refuses is 500, like any setup problem of the
service (someone must run `streak auth`), but with its message. Other storage and
configuration failures (5xx) answer with their kind and the request id only; the details
go to the log, not to a public endpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from streakcore.errors import (
    MAX_RETRY_AFTER_S,
    BlobStoreError,
    ConfigError,
    SmashRunAuthError,
    SmashRunError,
    SmashRunRateLimited,
    StoreConflict,
    StoreLocked,
    StoreNotFound,
    StreakError,
    TokenStoreError,
)

if TYPE_CHECKING:
    from streakcore.usecases.sync import SyncReport

UNKNOWN_WAIT_S = 60.0
"""The Retry-After of a rate-limited sync when no wait was given."""
STORE_LOCKED_WAIT_S = 60.0
"""The Retry-After while another process has the database file open for writing."""


@dataclass(frozen=True, slots=True)
class HttpError:
    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_server_fault(self) -> bool:
        return self.status >= 500


def http_error_for(exc: StreakError) -> HttpError:
    """The answer for `exc`; the most specific class decides."""
    if isinstance(exc, StoreNotFound):
        return HttpError(404, str(exc))
    if isinstance(exc, StoreConflict):
        return HttpError(409, str(exc), {"Retry-After": "60"})
    if isinstance(exc, StoreLocked):
        # Another program has the file open for writing: it goes away by itself.
        return HttpError(
            503,
            "the database is in use by another process; try again shortly",
            {"Retry-After": retry_after_header(STORE_LOCKED_WAIT_S)},
        )
    if isinstance(exc, SmashRunRateLimited):
        return HttpError(503, str(exc), {"Retry-After": retry_after_header(exc.retry_after)})
    if isinstance(exc, SmashRunAuthError):
        # The service's SmashRun authorisation is part of its setup, like its settings
        # (500 below); unlike them, the message says what to do and holds no secret.
        return HttpError(500, str(exc))
    if isinstance(exc, SmashRunError):
        return HttpError(502, f"SmashRun failed: {exc}")
    if isinstance(exc, BlobStoreError):
        return HttpError(503, "the database storage is unavailable; try again shortly")
    if isinstance(exc, TokenStoreError):
        return HttpError(500, "the SmashRun credentials could not be read or saved")
    if isinstance(exc, ConfigError):
        return HttpError(500, "the service is misconfigured")
    return HttpError(500, "the database could not be used")


def retry_after_header(seconds: float) -> str:
    """Our own Retry-After: whole seconds from 1 (0 would invite an instant retry storm)
    to the hour (no limit of ours or SmashRun's lasts longer), whatever `seconds` is."""
    if math.isnan(seconds):
        return str(int(MAX_RETRY_AFTER_S))
    bounded = min(max(seconds, 1.0), MAX_RETRY_AFTER_S)
    return str(math.ceil(bounded))


@dataclass(frozen=True, slots=True)
class SyncAnswer:
    """How `POST /sync` answers a finished sync: its status, and what it adds to the
    report's body."""

    status: int
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def sync_answer(report: SyncReport) -> SyncAnswer:
    """200 when the sync ran (success, or partial with a backlog). A refused token is 500
    whatever the sync managed first: the service's own setup needs a person (`streak auth
    --secret-id`), not SmashRun failing (502), not a wait (503), not the caller. A failed
    sync is 503 with SmashRun's wait when only the timing was wrong, else 502."""
    if report.needs_auth:
        return SyncAnswer(500, f"the sync needs SmashRun authorised again: {report.error}")
    if not report.failed:
        return SyncAnswer(200)
    message = f"the sync failed: {report.error or 'see the logs'}"
    if report.rate_limited:
        wait = retry_after_header(report.retry_after_s or UNKNOWN_WAIT_S)
        return SyncAnswer(503, message, {"Retry-After": wait})
    return SyncAnswer(502, message)
