"""How each streakcore error answers over HTTP: status, message, headers.

The messages of client-side problems (4xx) and of SmashRun's refusals are shown as they
are: they say what to do. A token SmashRun refuses is 500, like any setup problem of the
service (someone must run `streak auth`), but with its message. Other storage and
configuration failures (5xx) answer with their kind and the request id only; the details
go to the log, not to a public endpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from streakcore.errors import (
    MAX_RETRY_AFTER_S,
    BlobStoreError,
    ConfigError,
    SmashRunAuthError,
    SmashRunError,
    SmashRunRateLimited,
    StoreConflict,
    StoreNotFound,
    StreakError,
    TokenStoreError,
)


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
