"""OAuth without sockets: the authorisation URL, the token endpoint (respx), refreshing at
half-life with the rotated token saved before use, two processes sharing one token store,
and the choice of credentials."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from pydantic import SecretStr

from streakcore.errors import SmashRunAuthError, SmashRunUnavailable, TokenStoreError
from streakcore.ports import OAuthTokens
from streakcore.settings import Settings
from streakcore.smashrun.http import StaticToken
from streakcore.smashrun.oauth_flow import authorization_url, new_state
from streakcore.smashrun.schema import MAX_TOKEN_LIFETIME_S
from streakcore.smashrun.token_endpoint import OAuthClient
from streakcore.smashrun.token_refresh import NOT_AUTHORISED, RefreshingTokens, credentials_for
from streakcore.testing.oauth_tokens import OAuthRejection, TokenRegistry

TOKEN_URL = "https://secure.smashrun.test/oauth2/token"
CLIENT_SECRET = "client-secret-51d0"
ISSUED = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
LIFETIME = timedelta(weeks=12)


class MemoryTokenStore:
    """An in-memory TokenStore that can be told to fail, and remembers the order of events."""

    def __init__(self, tokens: OAuthTokens | None = None, *, fail: bool = False) -> None:
        self.tokens = tokens
        self.fail = fail
        self.events: list[str] = []

    def load(self) -> OAuthTokens | None:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        if self.fail:
            raise TokenStoreError("the disk is full")
        self.events.append(f"saved {tokens.access_token.get_secret_value()}")
        self.tokens = tokens


def stored_tokens(access: str = "access-1", refresh: str | None = "refresh-1") -> OAuthTokens:
    return OAuthTokens(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh) if refresh else None,
        issued_at=ISSUED,
        expires_at=ISSUED + LIFETIME,
    )


def oauth_client(at: datetime) -> OAuthClient:
    return OAuthClient(TOKEN_URL, "client-id", SecretStr(CLIENT_SECRET), clock=lambda: at)


def grant(access: str, refresh: str | None = None) -> httpx.Response:
    body: dict[str, object] = {"access_token": access, "token_type": "bearer",
                               "expires_in": int(LIFETIME.total_seconds())}  # fmt: skip
    if refresh:
        body["refresh_token"] = refresh
    return httpx.Response(200, json=body)


def test_the_authorisation_url_asks_for_a_code_with_our_state_and_redirect() -> None:
    url = authorization_url(
        "https://secure.smashrun.com/oauth2/authenticate",
        "client-id",
        "http://127.0.0.1:8765/callback",
        "state-abc",
    )
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert parts.netloc == "secure.smashrun.com"
    assert query == {
        "client_id": "client-id",
        "scope": "read_activity",
        "response_type": "code",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "state": "state-abc",
    }


def test_each_state_is_new_and_unguessable() -> None:
    states = {new_state() for _ in range(50)}
    assert len(states) == 50
    assert min(len(s) for s in states) >= 40


@respx.mock
def test_a_code_is_exchanged_with_the_client_credentials_for_expiring_tokens() -> None:
    route = respx.post(TOKEN_URL).mock(return_value=grant("access-2", "refresh-2"))
    tokens = oauth_client(ISSUED).exchange_code("code-xyz", "http://127.0.0.1:8765/callback")
    form = {k: v[0] for k, v in parse_qs(route.calls.last.request.content.decode()).items()}
    assert form == {
        "grant_type": "authorization_code",
        "code": "code-xyz",
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "client_id": "client-id",
        "client_secret": CLIENT_SECRET,
    }
    assert tokens.access_token.get_secret_value() == "access-2"
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "refresh-2"
    assert tokens.expires_at == ISSUED + LIFETIME
    assert tokens.refresh_due_at() == ISSUED + LIFETIME / 2


@respx.mock
def test_a_refresh_that_does_not_rotate_keeps_the_old_refresh_token() -> None:
    respx.post(TOKEN_URL).mock(return_value=grant("access-2"))
    tokens = oauth_client(ISSUED).refresh(SecretStr("refresh-1"))
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "refresh-1"


@pytest.mark.parametrize("status", [400, 401])
@respx.mock
def test_a_refused_grant_says_to_reauthorise_and_echoes_no_secret(status: int) -> None:
    respx.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            status, json={"error": "invalid_grant", "error_description": "refresh-1 is revoked"}
        )
    )
    with pytest.raises(SmashRunAuthError, match="streak auth") as caught:
        oauth_client(ISSUED).refresh(SecretStr("refresh-1"))
    assert "invalid_grant" in str(caught.value)
    assert "refresh-1" not in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(503), httpx.Response(200, text="<html>"), httpx.ConnectError("down")],
)
@respx.mock
def test_a_token_endpoint_in_trouble_is_unavailable(answer: httpx.Response | Exception) -> None:
    respx.post(TOKEN_URL).mock(side_effect=[answer])
    with pytest.raises(SmashRunUnavailable):
        oauth_client(ISSUED).refresh(SecretStr("refresh-1"))


@pytest.mark.parametrize(
    "expires_in",
    ["1e12", "Infinity", "-Infinity", "NaN", "1e400", "0", "-60", "true", '"forever"'],
)
@respx.mock
def test_a_grant_with_an_impossible_lifetime_keeps_its_tokens_with_no_expiry(
    expires_in: str,
) -> None:
    # given a token endpoint that says the token lasts for ever, or never
    body = (
        f'{{"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": {expires_in}}}'
    )
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, text=body))
    # when the refresh is read
    tokens = oauth_client(ISSUED).refresh(SecretStr("refresh-1"))
    # then the rotated refresh token is kept (the old one may be dead), the lifetime unknown
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() == "refresh-2"
    assert tokens.access_token.get_secret_value() == "access-2"
    assert tokens.expires_at is None


@respx.mock
def test_a_grant_of_ten_years_is_the_longest_lifetime_taken() -> None:
    body = {"access_token": "access-2", "expires_in": MAX_TOKEN_LIFETIME_S}
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(200, json=body))
    tokens = oauth_client(ISSUED).refresh(SecretStr("refresh-1"))
    assert tokens.expires_at == ISSUED + timedelta(seconds=MAX_TOKEN_LIFETIME_S)


# -- refreshing ----------------------------------------------------------------------------------


@respx.mock
def test_before_half_life_the_stored_token_is_used_without_a_refresh() -> None:
    route = respx.post(TOKEN_URL).mock(return_value=grant("access-2", "refresh-2"))
    now = ISSUED + LIFETIME / 2 - timedelta(minutes=1)
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    assert tokens.access_token() == "access-1"
    assert route.call_count == 0


@respx.mock
def test_at_half_life_the_rotated_tokens_are_saved_before_the_new_one_is_handed_out() -> None:
    respx.post(TOKEN_URL).mock(return_value=grant("access-2", "refresh-2"))
    now = ISSUED + LIFETIME / 2
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)

    handed_out = tokens.access_token()
    store.events.append(f"used {handed_out}")

    assert store.events == ["saved access-2", "used access-2"]
    assert store.tokens is not None
    assert store.tokens.refresh_token is not None
    assert store.tokens.refresh_token.get_secret_value() == "refresh-2"


@respx.mock
def test_a_rotated_token_that_cannot_be_saved_is_never_used() -> None:
    respx.post(TOKEN_URL).mock(return_value=grant("access-2", "refresh-2"))
    now = ISSUED + LIFETIME / 2
    store = MemoryTokenStore(stored_tokens(), fail=True)
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    with pytest.raises(TokenStoreError, match="could not be saved") as caught:
        tokens.access_token()
    assert "refresh-2" not in str(caught.value)
    assert tokens.tokens.access_token.get_secret_value() == "access-1"


@respx.mock
def test_a_401_renews_once_and_a_second_thread_with_the_same_401_does_not_renew_again() -> None:
    route = respx.post(TOKEN_URL).mock(return_value=grant("access-2", "refresh-2"))
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(ISSUED), clock=lambda: ISSUED)
    assert tokens.renew_rejected("access-1") is True
    assert tokens.renew_rejected("access-1") is True
    assert route.call_count == 1
    assert tokens.access_token() == "access-2"


def test_a_401_without_a_refresh_token_cannot_be_renewed() -> None:
    plain = stored_tokens(refresh=None)
    store = MemoryTokenStore(plain)
    tokens = RefreshingTokens(plain, store, oauth_client(ISSUED), clock=lambda: ISSUED)
    assert tokens.renew_rejected("access-1") is False


@respx.mock
def test_an_outage_at_refresh_time_carries_on_with_the_still_valid_token() -> None:
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(503))
    now = ISSUED + LIFETIME / 2 + timedelta(days=1)
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    assert tokens.access_token() == "access-1"
    assert store.events == []


@respx.mock
def test_an_outage_after_expiry_is_an_error() -> None:
    respx.post(TOKEN_URL).mock(return_value=httpx.Response(503))
    now = ISSUED + LIFETIME + timedelta(days=1)
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    with pytest.raises(SmashRunUnavailable):
        tokens.access_token()


# -- a refresh refused at half-life --------------------------------------------------------------


class MovableClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def refused() -> httpx.Response:
    return httpx.Response(400, json={"error": "invalid_grant"})


@respx.mock
def test_a_refresh_refused_at_half_life_warns_and_carries_on_with_the_current_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given tokens a day past half-life, and SmashRun refusing the refresh token
    respx.post(TOKEN_URL).mock(return_value=refused())
    now = ISSUED + LIFETIME / 2 + timedelta(days=1)
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    # when a token is needed
    with caplog.at_level(logging.WARNING, logger="streakcore.smashrun.token_refresh"):
        token = tokens.access_token()
    # then the still-valid one is handed out, nothing is saved, and a warning says until when
    assert token == "access-1"
    assert store.events == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "invalid_grant" in warning.getMessage()
    assert (ISSUED + LIFETIME).isoformat() in warning.getMessage()
    for secret in ("access-1", "refresh-1", CLIENT_SECRET):
        assert secret not in caplog.text


@respx.mock
def test_after_a_refused_refresh_the_token_endpoint_is_not_asked_again_for_an_hour() -> None:
    # given a refresh refused at half-life, then accepted later
    route = respx.post(TOKEN_URL).mock(side_effect=[refused(), grant("access-2", "refresh-2")])
    clock = MovableClock(ISSUED + LIFETIME / 2)
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(clock.at), clock=clock)
    # when the split fetchers want tokens all through the next hour
    during = [tokens.access_token() for _ in range(5)]
    clock.at += timedelta(minutes=59)
    during.append(tokens.access_token())
    # then they all got the current token from the one refused refresh
    assert during == ["access-1"] * 6
    assert route.call_count == 1
    # and an hour on, the refresh is tried again, and its tokens saved and used
    clock.at += timedelta(minutes=1)
    assert tokens.access_token() == "access-2"
    assert route.call_count == 2
    assert store.events == ["saved access-2"]


@respx.mock
def test_a_refused_refresh_shortly_before_expiry_is_an_error_once_the_token_expires() -> None:
    # given a refresh refused ten minutes before the token expires
    respx.post(TOKEN_URL).mock(return_value=refused())
    clock = MovableClock(ISSUED + LIFETIME - timedelta(minutes=10))
    tokens = RefreshingTokens(
        stored_tokens(), MemoryTokenStore(stored_tokens()), oauth_client(clock.at), clock=clock
    )
    assert tokens.access_token() == "access-1"
    # when the token has expired, then the runner is sent to `streak auth`
    clock.at = ISSUED + LIFETIME
    with pytest.raises(SmashRunAuthError, match="streak auth"):
        tokens.access_token()


@respx.mock
def test_a_401_after_a_refused_refresh_at_half_life_says_to_reauthorise() -> None:
    # given a refresh refused at half-life, the current token carrying on
    respx.post(TOKEN_URL).mock(return_value=refused())
    now = ISSUED + LIFETIME / 2
    store = MemoryTokenStore(stored_tokens())
    tokens = RefreshingTokens(stored_tokens(), store, oauth_client(now), clock=lambda: now)
    assert tokens.access_token() == "access-1"
    # when SmashRun then refuses the access token itself on a real call
    with pytest.raises(SmashRunAuthError, match="streak auth") as caught:
        tokens.renew_rejected("access-1")
    # then re-authorising is the only way on, and the error names no token
    assert "access-1" not in str(caught.value)
    assert "refresh-1" not in str(caught.value)


# -- which credentials ---------------------------------------------------------------------------


@pytest.fixture
def no_streak_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("STREAK_"):
            monkeypatch.delenv(name)


def settings(**values: object) -> Settings:
    return Settings(timezone="UTC", **values)  # type: ignore[arg-type]


def test_a_user_level_token_in_the_settings_wins_over_stored_tokens(no_streak_env: None) -> None:
    chosen = credentials_for(
        settings(smashrun_access_token="user-level"), MemoryTokenStore(stored_tokens())
    )
    assert isinstance(chosen, StaticToken)
    assert chosen.access_token() == "user-level"


def test_no_credentials_at_all_says_how_to_authorise(no_streak_env: None) -> None:
    with pytest.raises(SmashRunAuthError) as caught:
        credentials_for(settings(), MemoryTokenStore())
    assert str(caught.value) == NOT_AUTHORISED
    assert "streak auth" in NOT_AUTHORISED


def test_stored_tokens_with_client_credentials_refresh_themselves(no_streak_env: None) -> None:
    chosen = credentials_for(
        settings(smashrun_client_id="client-id", smashrun_client_secret=CLIENT_SECRET),
        MemoryTokenStore(stored_tokens()),
        clock=lambda: ISSUED,
    )
    assert isinstance(chosen, RefreshingTokens)


def test_stored_tokens_without_client_credentials_are_used_until_they_expire(
    no_streak_env: None,
) -> None:
    chosen = credentials_for(settings(), MemoryTokenStore(stored_tokens()), clock=lambda: ISSUED)
    assert isinstance(chosen, StaticToken)
    with pytest.raises(SmashRunAuthError, match="CLIENT_ID"):
        credentials_for(
            settings(), MemoryTokenStore(stored_tokens()), clock=lambda: ISSUED + 2 * LIFETIME
        )


# -- two processes sharing one token store -------------------------------------------------------


class SharedSecret:
    """One stored secret (Secrets Manager, the token file) that several stores read."""

    def __init__(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens
        self.loads = 0


class SecretView:
    """A TokenStore over a SharedSecret, as each process (the Lambda, a terminal) has one."""

    def __init__(self, secret: SharedSecret) -> None:
        self._secret = secret

    def load(self) -> OAuthTokens | None:
        self._secret.loads += 1
        return self._secret.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self._secret.tokens = tokens


def rotating_token_endpoint(*refresh_tokens: str) -> TokenRegistry:
    """SmashRun's refresh grant as the fake serves it: each refresh token works once."""
    registry = TokenRegistry(
        client_id="client-id",
        client_secret=CLIENT_SECRET,
        access_tokens=(),
        refresh_tokens=refresh_tokens,
    )

    def answer(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        result = registry.refresh(form["refresh_token"], ISSUED.timestamp())
        if isinstance(result, OAuthRejection):
            return httpx.Response(result.status, json={"error": result.error})
        return httpx.Response(200, json=result.as_json())

    respx.post(TOKEN_URL).mock(side_effect=answer)
    return registry


def process(secret: SharedSecret, now: datetime) -> RefreshingTokens:
    """A process that loaded the shared tokens at start, as `credentials_for` does."""
    store = SecretView(secret)
    loaded = store.load()
    assert loaded is not None
    return RefreshingTokens(loaded, store, oauth_client(now), clock=lambda: now)


@respx.mock
def test_the_second_process_at_half_life_uses_the_tokens_the_first_one_rotated() -> None:
    # given the Lambda and a terminal, both holding tokens at half-life
    rotating_token_endpoint("refresh-1")
    now = ISSUED + LIFETIME / 2
    secret = SharedSecret(stored_tokens())
    lambda_, terminal = process(secret, now), process(secret, now)
    # when the Lambda refreshes first, and the terminal's refresh-1 is then refused
    lambda_token = lambda_.access_token()
    terminal_token = terminal.access_token()
    # then the terminal carries on with what the Lambda saved, without a refresh of its own
    assert terminal_token == lambda_token != "access-1"
    assert respx.calls.call_count == 2
    assert secret.tokens.access_token.get_secret_value() == lambda_token


@respx.mock
def test_a_401_after_the_other_process_rotated_replays_with_the_stored_token() -> None:
    rotating_token_endpoint("refresh-1")
    secret = SharedSecret(stored_tokens())
    lambda_, terminal = process(secret, ISSUED), process(secret, ISSUED)
    assert lambda_.renew_rejected("access-1") is True
    assert terminal.renew_rejected("access-1") is True
    assert terminal.access_token() == lambda_.access_token()


@respx.mock
def test_stored_tokens_that_are_also_due_are_refreshed_once_more() -> None:
    # given the Lambda rotated long ago, and the terminal wakes up past the new half-life
    registry = rotating_token_endpoint("refresh-1")
    secret = SharedSecret(stored_tokens())
    terminal = process(secret, ISSUED + LIFETIME)
    process(secret, ISSUED + LIFETIME / 2).access_token()
    rotated = secret.tokens
    # when the terminal needs a token
    token = terminal.access_token()
    # then it refreshed with the stored refresh token, saved the result and uses it
    assert token not in ("access-1", rotated.access_token.get_secret_value())
    assert secret.tokens.access_token.get_secret_value() == token
    assert rotated.refresh_token is not None
    assert registry.refresh(rotated.refresh_token.get_secret_value(), 0) == OAuthRejection(
        "invalid_grant"
    )


@respx.mock
def test_a_refused_refresh_with_nothing_new_in_the_store_says_to_reauthorise() -> None:
    # given a refresh token SmashRun revoked, and no other process that rotated it
    rotating_token_endpoint()
    now = ISSUED + LIFETIME
    secret = SharedSecret(stored_tokens())
    tokens = process(secret, now)
    # when a token is needed, then the runner is sent to `streak auth`, after one reload
    with pytest.raises(SmashRunAuthError, match="streak auth") as caught:
        tokens.access_token()
    assert "refresh-1" not in str(caught.value)
    assert secret.loads == 2


@respx.mock
def test_stored_tokens_that_are_refused_too_are_not_chased_further() -> None:
    # given the store holds a rotated refresh token that SmashRun refuses as well
    rotating_token_endpoint()
    now = ISSUED + LIFETIME
    secret = SharedSecret(stored_tokens())
    tokens = process(secret, now)
    secret.tokens = stored_tokens(access="access-2", refresh="refresh-2")
    # when a token is needed
    with pytest.raises(SmashRunAuthError):
        tokens.access_token()
    # then it asked twice (its own token, then the stored one) and reloaded once
    assert respx.calls.call_count == 2
    assert secret.loads == 2
