"""Ports: what the use cases need from the outside world, as small `typing.Protocol`s.

Adapters implement them (the SmashRun client, the token file, Secrets Manager); tests use
in-memory fakes. Nothing here does I/O.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, SecretStr

from streakcore.domain.models import Activity, Split, SplitUnit


class OAuthTokens(BaseModel):
    """A SmashRun access token and, for the code flow, the refresh token that renews it."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    issued_at: AwareDatetime
    expires_at: AwareDatetime | None = None

    def refresh_due_at(self) -> datetime | None:
        """Half-life: refreshing then leaves the other half as margin for failed runs."""
        if self.expires_at is None or self.refresh_token is None:
            return None
        return self.issued_at + (self.expires_at - self.issued_at) / 2

    def to_storage_json(self) -> str:
        """The tokens in clear, for a token store to keep; never log this."""
        return json.dumps(
            {
                "access_token": self.access_token.get_secret_value(),
                "refresh_token": (
                    self.refresh_token.get_secret_value() if self.refresh_token else None
                ),
                "issued_at": self.issued_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_storage_json(cls, text: str | bytes) -> OAuthTokens:
        """Inverse of `to_storage_json`; raises pydantic's ValidationError on a bad document."""
        return cls.model_validate_json(text)


class TokenStore(Protocol):
    """Where OAuth tokens live between runs (a 0600 file, Secrets Manager)."""

    def load(self) -> OAuthTokens | None:
        """The stored tokens, None when nothing was stored yet; TokenStoreError if unreadable."""
        ...

    def save(self, tokens: OAuthTokens) -> None:
        """Replace the stored tokens; TokenStoreError if they could not be written."""
        ...


@dataclass(frozen=True, slots=True)
class SourceActivity:
    """An activity summary as a source delivered it, already converted to the domain.

    `fingerprint` changes whenever the summary changes and starts with `splits_key` and a
    dot; `splits_key` changes only with what the splits depend on (start, distance,
    duration, type), so an edited note is stored without spending a request on splits.
    """

    activity: Activity
    fingerprint: str
    splits_key: str
    payload: str

    def keeps_splits_of(self, stored_fingerprint: str | None) -> bool:
        """Whether splits fetched for the summary behind `stored_fingerprint` still hold."""
        return stored_fingerprint is not None and stored_fingerprint.startswith(
            self.splits_key + "."
        )


@dataclass(frozen=True, slots=True)
class RejectedPayload:
    """A payload that failed validation: quarantined with its reason, never dropped."""

    source: str
    reason: str
    payload: str
    activity_id: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of activities new or updated since a date, newest first."""

    accepted: Sequence[SourceActivity] = ()
    rejected: Sequence[RejectedPayload] = ()
    size: int = 0
    """How many items the page held, valid or not: fewer than asked means the last page."""


@dataclass(frozen=True, slots=True)
class SplitsResult:
    """The splits of one activity (empty for runs without GPS), or why they were rejected."""

    splits: Sequence[Split] = field(default_factory=tuple)
    rejected: RejectedPayload | None = None


class ActivitySource(Protocol):
    """What the sync needs from SmashRun.

    Implementations raise only streakcore errors: `SmashRunAuthError`,
    `SmashRunRateLimited`, `SmashRunNotFound`, `SmashRunUnavailable`.
    """

    page_size: int

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        """Activities new or updated since `from_date` (all when None), newest first."""
        ...

    def activity_ids(self, page: int) -> Sequence[str]:
        """One page of the ids of every activity the athlete has now."""
        ...

    def activity(self, activity_id: str) -> SearchPage:
        """One activity by id, as a one-item page; SmashRunNotFound when it is gone."""
        ...

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult: ...

    @property
    def requests_made(self) -> int:
        """HTTP requests sent so far (retries included): what the report counts."""
        ...


class RequestLedger(Protocol):
    """The client-side request budget, whose state outlives one run (kept in sync_state)."""

    def restore(self, snapshot: Mapping[str, Any] | None) -> None:
        """Merge a persisted state into this one, forgetting nothing either holds: a sync
        retried after a conflict reloads the winner's state and still counts its own."""
        ...

    def snapshot(self) -> dict[str, Any]: ...


class Deadline:
    """The end of a time budget, shared by the sync and the HTTP client so that neither
    starts a request, a backoff or a wait for rate budget that would end after it."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._at = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._at - self._clock())

    def expired(self) -> bool:
        return self._clock() >= self._at

    def allows_wait(self, seconds: float) -> bool:
        return self._clock() + seconds < self._at
