"""SmashRun OAuth: the code flow behind `streak auth`, and refreshing at half-life.

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
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from pydantic import SecretStr, ValidationError

from streakcore.clock import utc_now
from streakcore.errors import SmashRunAuthError, SmashRunUnavailable, TokenStoreError
from streakcore.ports import OAuthTokens, TokenStore
from streakcore.settings import Settings
from streakcore.smashrun.http import DEFAULT_TIMEOUT, USER_AGENT, AccessTokenProvider, StaticToken
from streakcore.smashrun.schema import TokenResponse

SCOPE = "read_activity"
CALLBACK_PATH = "/callback"
NOT_AUTHORISED = (
    "streakcore is not authorised with SmashRun yet: run `streak auth` (with "
    "STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET set), or set "
    "STREAK_SMASHRUN_ACCESS_TOKEN to a user-level token"
)

Clock = Callable[[], datetime]

REFRESH_RETRY_INTERVAL = timedelta(hours=1)
"""After a failed refresh at half-life, how long to wait before asking again (each ask is a
request to the token endpoint, and the split fetchers want a token for every request)."""

log = logging.getLogger(__name__)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorization_url(authorize_url: str, client_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode(
        {
            "client_id": client_id,
            "scope": SCOPE,
            "response_type": "code",
            "redirect_uri": redirect_uri,
            "state": state,
        }
    )
    return f"{authorize_url}?{query}"


class OAuthClient:
    """SmashRun's token endpoint: the code and refresh_token grants (form POSTs).

    Not retried: a refresh that reached SmashRun may already have rotated the token.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._clock = clock
        self._transport = transport

    def exchange_code(self, code: str, redirect_uri: str) -> OAuthTokens:
        return self._grant(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri},
            previous_refresh=None,
        )

    def refresh(self, refresh_token: SecretStr) -> OAuthTokens:
        return self._grant(
            {"grant_type": "refresh_token", "refresh_token": refresh_token.get_secret_value()},
            previous_refresh=refresh_token,
        )

    def _grant(self, form: dict[str, str], previous_refresh: SecretStr | None) -> OAuthTokens:
        grant = form["grant_type"]
        issued_at = self._clock()
        try:
            # A client per grant: grants come weeks apart, so nothing is kept open between.
            with httpx.Client(
                headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
                timeout=DEFAULT_TIMEOUT,
                transport=self._transport,
            ) as http:
                response = http.post(
                    self._token_url,
                    data={
                        **form,
                        "client_id": self._client_id,
                        "client_secret": self._client_secret.get_secret_value(),
                    },
                )
        except httpx.HTTPError as exc:
            raise SmashRunUnavailable(
                f"SmashRun's token endpoint could not be reached ({type(exc).__name__})"
            ) from None
        if response.status_code in (400, 401, 403):
            raise SmashRunAuthError(
                f"SmashRun refused the {grant} grant ({_oauth_error(response)}). "
                "Run `streak auth` to authorise again."
            )
        if response.status_code != 200:
            raise SmashRunUnavailable(
                f"SmashRun's token endpoint answered HTTP {response.status_code}"
            )
        try:
            body = TokenResponse.model_validate_json(response.content)
        except ValidationError:
            raise SmashRunUnavailable(
                "SmashRun's token endpoint answered with something that is not a token"
            ) from None
        refresh = SecretStr(body.refresh_token) if body.refresh_token else previous_refresh
        return OAuthTokens(
            access_token=SecretStr(body.access_token),
            refresh_token=refresh,
            issued_at=issued_at,
            expires_at=(
                issued_at + timedelta(seconds=body.expires_in) if body.expires_in else None
            ),
        )


def _oauth_error(response: httpx.Response) -> str:
    """The RFC 6749 error code only: descriptions may echo what we sent."""
    try:
        body: Any = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) < 40:
        return error
    return f"HTTP {response.status_code}"


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
    assert settings.smashrun_client_id is not None
    assert settings.smashrun_client_secret is not None
    oauth = OAuthClient(
        settings.smashrun_token_url,
        settings.smashrun_client_id,
        settings.smashrun_client_secret,
        transport=token_transport,
        clock=clock,
    )
    return RefreshingTokens(tokens, store, oauth, clock=clock)


# -- the code flow ------------------------------------------------------------------------


class _CallbackServer(HTTPServer):
    query: dict[str, str] | None = None


class _CallbackHandler(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH:
            self.send_error(404)
            return
        self.server.query = {k: v[0] for k, v in parse_qs(parts.query).items() if v}
        body = (
            b"<!doctype html><title>streakcore</title>"
            b"<p>Done: you can close this tab and go back to the terminal.</p>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries the authorisation code: never print it.
        return


class CallbackReceiver:
    """A one-shot HTTP server on 127.0.0.1 that takes SmashRun's redirect."""

    def __init__(self, port: int) -> None:
        try:
            self._server = _CallbackServer(("127.0.0.1", port), _CallbackHandler)
        except OSError as exc:
            raise SmashRunAuthError(
                f"cannot listen on 127.0.0.1:{port} for SmashRun's redirect ({exc.strerror}); "
                "set STREAK_SMASHRUN_REDIRECT_PORT to a free port registered with your app"
            ) from None
        self._server.timeout = 0.5

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{CALLBACK_PATH}"

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> CallbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_for_code(self, expected_state: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while self._server.query is None:
            if time.monotonic() >= deadline:
                raise SmashRunAuthError(
                    f"no answer from SmashRun within {timeout_s:.0f} s; run `streak auth` again"
                )
            self._server.handle_request()
        query = self._server.query
        if not secrets.compare_digest(query.get("state", ""), expected_state):
            raise SmashRunAuthError(
                "the redirect did not carry the state we sent, so it was refused (a stale "
                "tab or a forged request); run `streak auth` again"
            )
        if "error" in query:
            raise SmashRunAuthError(
                f"SmashRun did not authorise streakcore ({query['error'][:40]})"
            )
        code = query.get("code")
        if not code:
            raise SmashRunAuthError("SmashRun's redirect carried no authorisation code")
        return code


def run_code_flow(
    settings: Settings,
    *,
    show: Callable[[str], object],
    timeout_s: float = 300.0,
    port: int | None = None,
    token_transport: httpx.BaseTransport | None = None,
    clock: Clock = utc_now,
) -> OAuthTokens:
    """Authorise in the browser and return fresh tokens (the caller saves them).

    `show` gets the authorisation URL: print it, open a browser, or (in tests) follow it.
    """
    if settings.smashrun_client_id is None or settings.smashrun_client_secret is None:
        raise SmashRunAuthError(
            "`streak auth` needs STREAK_SMASHRUN_CLIENT_ID and STREAK_SMASHRUN_CLIENT_SECRET "
            "(register an app with SmashRun), or set STREAK_SMASHRUN_ACCESS_TOKEN instead"
        )
    state = new_state()
    with CallbackReceiver(settings.smashrun_redirect_port if port is None else port) as receiver:
        url = authorization_url(
            settings.smashrun_authorize_url,
            settings.smashrun_client_id,
            receiver.redirect_uri,
            state,
        )
        show(url)
        code = receiver.wait_for_code(state, timeout_s)
        redirect_uri = receiver.redirect_uri
    oauth = OAuthClient(
        settings.smashrun_token_url,
        settings.smashrun_client_id,
        settings.smashrun_client_secret,
        transport=token_transport,
        clock=clock,
    )
    return oauth.exchange_code(code, redirect_uri)
