"""Access tokens for the sync: a user-level token, or the code flow's tokens refreshed at
half-life and on a 401.

A refresh rotates the refresh token, so the new pair is written to the TokenStore BEFORE
the new access token is used: if the write fails we stop, rather than run on tokens that
exist only in memory and lose the athlete's authorisation when the process ends.

The Lambda and a terminal can share one token store and both reach half-life: the one
that refreshes second is refused, because the first rotated the refresh token away. So a
refused refresh reads the store once more and carries on with what the other one saved.

Half-life leaves weeks of margin, so a refresh there that fails (refused, or the token
endpoint down) only logs a warning: the current access token is used until it expires, and
the refresh is tried again now and then. Only a refusal on a 401, or once the token has
expired, means the runner must authorise again.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import httpx

from streakcore.clock import utc_now
from streakcore.errors import SmashRunAuthError, SmashRunUnavailable, TokenStoreError
from streakcore.ports import OAuthTokens, TokenStore
from streakcore.settings import Settings
from streakcore.smashrun.http import AccessTokenProvider, StaticToken
from streakcore.smashrun.token_endpoint import Clock, OAuthClient, oauth_client_for

NOT_AUTHORISED = (
    "streakcore is not authorised with SmashRun yet: run `streak auth` (with "
    "STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET set), or set "
    "STREAK_SMASHRUN_ACCESS_TOKEN to a user-level token"
)

REFRESH_RETRY_INTERVAL = timedelta(hours=1)
"""After a failed refresh at half-life, how long to wait before asking again (each ask is a
request to the token endpoint, and the split fetchers want a token for every request)."""

log = logging.getLogger(__name__)


class RefreshingTokens:
    """Access tokens from the code flow, refreshed at half-life and on a 401.

    Thread-safe: split fetchers share it, and only one of them refreshes.
    """

    def __init__(
        self,
        tokens: OAuthTokens,
        store: TokenStore,
        oauth: OAuthClient,
        *,
        clock: Clock = utc_now,
    ) -> None:
        self._tokens = tokens
        self._store = store
        self._oauth = oauth
        self._clock = clock
        self._lock = threading.Lock()
        self._refresh_retry_at: datetime | None = None

    @property
    def tokens(self) -> OAuthTokens:
        return self._tokens

    def access_token(self) -> str:
        with self._lock:
            if self._refresh_due():
                self._refresh_or_carry_on()
            return self._tokens.access_token.get_secret_value()

    def _refresh_due(self) -> bool:
        due = self._tokens.refresh_due_at()
        if due is None:
            return False
        now = self._clock()
        held_off = self._refresh_retry_at is not None and now < self._refresh_retry_at
        return now >= due and not held_off

    def renew_rejected(self, rejected: str) -> bool:
        with self._lock:
            if self._tokens.access_token.get_secret_value() != rejected:
                return True  # another thread renewed it meanwhile
            if self._tokens.refresh_token is None:
                return False
            self._refresh()
            return True

    def _refresh_or_carry_on(self) -> None:
        try:
            self._refresh()
        except (SmashRunAuthError, SmashRunUnavailable) as exc:
            now = self._clock()
            expires = self._tokens.expires_at
            if expires is None or now >= expires:
                raise
            # Never later than the expiry: then a failure is the error it has become.
            self._refresh_retry_at = min(now + REFRESH_RETRY_INTERVAL, expires)
            # The message names the grant and SmashRun's error code, never a token.
            log.warning(
                "could not refresh the SmashRun access token at half-life (%s); carrying on "
                "with the current one, which expires at %s: run `streak auth` before then "
                "if this keeps happening",
                exc,
                expires.astimezone(UTC).isoformat(),
            )

    def _refresh(self) -> None:
        assert self._tokens.refresh_token is not None
        try:
            fresh = self._oauth.refresh(self._tokens.refresh_token)
        except SmashRunAuthError:
            stored = self._rotated_elsewhere()
            if stored is None:
                raise
            self._tokens = stored
            due = stored.refresh_due_at()
            if due is None or self._clock() < due:
                return
            assert stored.refresh_token is not None
            fresh = self._oauth.refresh(stored.refresh_token)
        self._save(fresh)
        self._tokens = fresh
        self._refresh_retry_at = None

    def _rotated_elsewhere(self) -> OAuthTokens | None:
        """The stored tokens, if another process refreshed since we loaded ours."""
        try:
            stored = self._store.load()
        except TokenStoreError:
            # The refusal is the error worth reporting; an unreadable store adds nothing.
            return None
        ours = self._tokens.refresh_token
        if stored is None or stored.refresh_token is None or ours is None:
            return None
        if stored.refresh_token.get_secret_value() == ours.get_secret_value():
            return None
        return stored

    def _save(self, fresh: OAuthTokens) -> None:
        try:
            self._store.save(fresh)
        except TokenStoreError as exc:
            raise TokenStoreError(
                "SmashRun rotated the refresh token but it could not be saved, so the sync "
                f"stopped before using it ({exc}). Fix the token store, then run "
                "`streak auth` if SmashRun refuses the old token."
            ) from None


def credentials_for(
    settings: Settings,
    store: TokenStore,
    *,
    token_transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
) -> AccessTokenProvider:
    """A user-level token if one is set; else the stored code-flow tokens."""
    if settings.smashrun_access_token is not None:
        return StaticToken(settings.smashrun_access_token.get_secret_value())
    tokens = store.load()
    if tokens is None:
        raise SmashRunAuthError(NOT_AUTHORISED)
    can_refresh = (
        tokens.refresh_token is not None
        and settings.smashrun_client_id is not None
        and settings.smashrun_client_secret is not None
    )
    if not can_refresh:
        if tokens.expires_at is not None and clock() >= tokens.expires_at:
            raise SmashRunAuthError(
                "the stored SmashRun token has expired and cannot be refreshed without "
                "STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET: set them, or "
                "run `streak auth` again"
            )
        return StaticToken(tokens.access_token.get_secret_value())
    oauth = oauth_client_for(settings, transport=token_transport, clock=clock)
    return RefreshingTokens(tokens, store, oauth, clock=clock)
