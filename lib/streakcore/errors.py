"""One error hierarchy for the whole project.

Adapters translate httpx, duckdb and botocore exceptions into these before they cross a
port, and every error says what the caller (or the runner at the terminal) can do next.
"""

from __future__ import annotations

import math

MAX_RETRY_AFTER_S = 3600.0
"""The longest wait a rate limit is taken to ask for. SmashRun's limits are hourly, so no
window takes longer to reopen; a longer (or infinite) Retry-After is a broken header, and
nothing waits that long anyway: the sync stops, and the next one tries again."""


class StreakError(Exception):
    """Root of every error streakcore raises on purpose."""


class ConfigError(StreakError):
    """A setting, flag or argument has a value we cannot use."""


class InvalidActivity(StreakError):
    """A payload could not be turned into an activity; it is quarantined, never dropped."""


class StoreError(StreakError):
    """The DuckDB file cannot be used."""


class StoreNotFound(StoreError):
    """There is no database at the given path yet."""


class StoreCorrupt(StoreError):
    """The file exists but is not a streakcore DuckDB database we can read."""


class StoreTooNew(StoreError):
    """The file was written by a newer streakcore; we refuse to touch it."""


class StoreLocked(StoreError):
    """Another process has the DuckDB file open for writing; try again when it finishes."""


class StoreConflict(StoreError):
    """Someone else replaced the blob we started from (a conditional write failed)."""


class BlobStoreError(StreakError):
    """The blob store (local directory or S3) failed."""


class TokenStoreError(StreakError):
    """Tokens could not be read from or written to their store."""


class SmashRunError(StreakError):
    """SmashRun answered with something we cannot use."""


class SmashRunAuthError(SmashRunError):
    """SmashRun refused our credentials; the runner must re-authorise."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "SmashRun refused the access token. Run `streak auth` to authorise again "
            "(or set a fresh STREAK_SMASHRUN_ACCESS_TOKEN)."
        )


class SmashRunNotFound(SmashRunError):
    """The activity (or endpoint) does not exist at SmashRun."""


class SmashRunRateLimited(SmashRunError):
    """SmashRun (or our own request budget) says: not now; try again after `retry_after` s."""

    def __init__(self, retry_after: float, message: str | None = None) -> None:
        # Finite and within the hour whatever the header said: callers add it to clocks,
        # round it and send it on as our own Retry-After.
        self.retry_after = _bounded_wait(retry_after)
        super().__init__(
            message or f"SmashRun rate limit reached; try again in {self.retry_after:.0f} s."
        )


class RequestBudgetSpent(SmashRunRateLimited):
    """Our own hourly request budget is spent: not SmashRun refusing us and not a failure.
    A backfill pauses here and goes on once the budget's window opens again."""


def _bounded_wait(seconds: float) -> float:
    if math.isnan(seconds):
        return MAX_RETRY_AFTER_S
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


class SmashRunUnavailable(SmashRunError):
    """SmashRun kept failing (5xx, timeouts, malformed bodies) after our retries."""

    def __init__(self, message: str, *, cut_short: bool = False) -> None:
        super().__init__(message)
        self.cut_short = cut_short
        """The time budget ended the retries early: the failure proves less."""


ECHO_LIMIT = 60
"""How much of a rejected value an error message repeats: enough to recognise it."""


def echo(value: str, limit: int = ECHO_LIMIT) -> str:
    """`value` quoted for an error line: control characters escaped (the line stays one
    line) and anything past `limit` characters cut (a pasted megabyte stays a line)."""
    if len(value) <= limit:
        return repr(value)
    return f"{value[:limit]!r}... ({len(value):,} characters)"
