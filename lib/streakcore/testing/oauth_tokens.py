"""The fake's OAuth state: one client, authorization codes, access and refresh tokens.

Refreshing rotates the refresh token, as SmashRun does: the old one stops working, so a
client that loses the new one before saving it must send the runner back to authorise.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass

ACCESS_TOKEN_LIFETIME_S = 7_257_600
"""Twelve weeks, what SmashRun grants."""
CODE_LIFETIME_S = 600.0


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int = ACCESS_TOKEN_LIFETIME_S

    def as_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


@dataclass(frozen=True)
class OAuthRejection:
    error: str
    """An RFC 6749 error code: invalid_grant, invalid_client, invalid_request, ..."""
    status: int = 400


@dataclass(frozen=True)
class _Code:
    client_id: str
    redirect_uri: str
    expires_s: float


class TokenRegistry:
    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        access_tokens: Iterable[str],
        refresh_tokens: Iterable[str],
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self._lock = threading.Lock()
        # None: a user-level token that never expires (until `expire_all`).
        self._access: dict[str, float | None] = dict.fromkeys(access_tokens)
        self._refresh: set[str] = set(refresh_tokens)
        self._codes: dict[str, _Code] = {}

    def accepts(self, access_token: str | None, now_s: float) -> bool:
        if not access_token:
            return False
        with self._lock:
            if access_token not in self._access:
                return False
            expires_s = self._access[access_token]
            return expires_s is None or now_s < expires_s

    def expire_all(self) -> None:
        with self._lock:
            self._access.clear()

    def client_ok(self, client_id: str | None, client_secret: str | None) -> bool:
        return client_id == self.client_id and hmac.compare_digest(
            (client_secret or "").encode(), self._client_secret.encode()
        )

    def issue_code(self, client_id: str, redirect_uri: str, now_s: float) -> str:
        code = secrets.token_urlsafe(16)
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, now_s + CODE_LIFETIME_S)
        return code

    def exchange_code(
        self, code: str, client_id: str, redirect_uri: str | None, now_s: float
    ) -> TokenGrant | OAuthRejection:
        with self._lock:
            issued = self._codes.pop(code, None)
            if (
                issued is None
                or issued.client_id != client_id
                or issued.expires_s <= now_s
                or (redirect_uri is not None and redirect_uri != issued.redirect_uri)
            ):
                return OAuthRejection("invalid_grant")
            return self._grant(now_s)

    def refresh(self, refresh_token: str, now_s: float) -> TokenGrant | OAuthRejection:
        with self._lock:
            if refresh_token not in self._refresh:
                return OAuthRejection("invalid_grant")
            self._refresh.discard(refresh_token)
            return self._grant(now_s)

    def _grant(self, now_s: float) -> TokenGrant:
        grant = TokenGrant(secrets.token_urlsafe(24), secrets.token_urlsafe(24))
        self._access[grant.access_token] = now_s + grant.expires_in
        self._refresh.add(grant.refresh_token)
        return grant
