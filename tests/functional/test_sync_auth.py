"""OAuth against the fake SmashRun: the code flow with its one-shot callback server, and a
rotated refresh token saved before the sync uses the access token that came with it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from pydantic import SecretStr

from fixtures.smashrun_sync import SyncRig, rig
from streakcore.errors import SmashRunAuthError, TokenStoreError
from streakcore.ports import OAuthTokens
from streakcore.settings import Settings
from streakcore.smashrun.http import StaticToken
from streakcore.smashrun.oauth_flow import run_code_flow
from streakcore.smashrun.token_endpoint import OAuthClient
from streakcore.smashrun.token_refresh import credentials_for
from streakcore.storage.token_file import FileTokenStore
from streakcore.testing import Athlete, recent_athlete
from streakcore.usecases.sync import SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OLD_ACCESS = "old-access-token"
OLD_REFRESH = "old-refresh-token"


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(NOW)


@pytest.fixture
def oauth_rig(athlete: Athlete) -> Iterator[SyncRig]:
    with rig(
        athlete, access_tokens=[OLD_ACCESS], refresh_tokens=[OLD_REFRESH], clock=lambda: NOW
    ) as r:
        yield r


def settings_for(r: SyncRig, tmp_path: Path) -> Settings:
    return Settings(
        timezone="UTC",
        smashrun_base_url=r.fake.base_url,
        smashrun_authorize_url=r.fake.authorize_url,
        smashrun_token_url=r.fake.token_url,
        smashrun_client_id=r.fake.client_id,
        smashrun_client_secret=SecretStr(r.fake.client_secret),
        smashrun_access_token=None,
        token_file=tmp_path / "tokens.json",
    )


def browser(rewrite: Callable[[str], str] = lambda url: url) -> Callable[[str], None]:
    """Plays the runner's browser: follows the URL (and SmashRun's redirect) in a thread."""

    def show(url: str) -> None:
        threading.Thread(
            target=httpx.get, args=(rewrite(url),), kwargs={"follow_redirects": True}, daemon=True
        ).start()

    return show


def tokens_past_half_life(access: str = OLD_ACCESS, refresh: str = OLD_REFRESH) -> OAuthTokens:
    issued = NOW - timedelta(weeks=7)
    return OAuthTokens(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh),
        issued_at=issued,
        expires_at=issued + timedelta(weeks=12),
    )


# -- the code flow --------------------------------------------------------------------------------


def test_the_code_flow_yields_tokens_smashrun_accepts(oauth_rig: SyncRig, tmp_path: Path) -> None:
    settings = settings_for(oauth_rig, tmp_path)
    tokens = run_code_flow(settings, show=browser(), port=0, timeout_s=10, clock=lambda: NOW)
    assert tokens.refresh_token is not None
    assert tokens.expires_at is not None
    assert tokens.expires_at > NOW + timedelta(weeks=11)
    report = oauth_rig.sync(tokens=StaticToken(tokens.access_token.get_secret_value()))
    assert report.status is SyncStatus.SUCCESS


def test_a_redirect_with_another_state_is_refused_before_any_code_exchange(
    oauth_rig: SyncRig, tmp_path: Path
) -> None:
    def forge(url: str) -> str:
        parts = urlsplit(url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["state"] = "forged-state"
        return parts._replace(query=urlencode(query)).geturl()

    settings = settings_for(oauth_rig, tmp_path)
    with pytest.raises(SmashRunAuthError, match="state"):
        run_code_flow(settings, show=browser(forge), port=0, timeout_s=10)
    assert oauth_rig.fake.count("/oauth2/token") == 0


def test_a_declined_authorisation_is_an_auth_error(oauth_rig: SyncRig, tmp_path: Path) -> None:
    def decline(url: str) -> str:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        answer = urlencode({"error": "access_denied", "state": query["state"]})
        return f"{query['redirect_uri']}?{answer}"

    with pytest.raises(SmashRunAuthError, match="access_denied"):
        run_code_flow(settings_for(oauth_rig, tmp_path), show=browser(decline), port=0)


def test_no_redirect_in_time_is_an_auth_error(oauth_rig: SyncRig, tmp_path: Path) -> None:
    with pytest.raises(SmashRunAuthError, match="no answer"):
        run_code_flow(settings_for(oauth_rig, tmp_path), show=lambda url: None, port=0,
                      timeout_s=0.3)  # fmt: skip


# -- rotation -------------------------------------------------------------------------------------


class WatchedStore(FileTokenStore):
    """The token file, noting what the fake had been asked when each save happened."""

    def __init__(self, path: Path, r: SyncRig, *, fail: bool = False) -> None:
        super().__init__(path)
        self.r = r
        self.fail = fail
        self.requests_at_save: list[list[str]] = []

    def save(self, tokens: OAuthTokens) -> None:
        self.requests_at_save.append([req.path for req in self.r.fake.requests])
        if self.fail:
            raise TokenStoreError(f"cannot write tokens to {self.path}: Read-only file system")
        super().save(tokens)


def test_a_rotated_refresh_token_is_saved_before_any_request_uses_the_new_access_token(
    oauth_rig: SyncRig, tmp_path: Path
) -> None:
    # given tokens past their half-life in the token file
    settings = settings_for(oauth_rig, tmp_path)
    store = WatchedStore(settings.token_file, oauth_rig)
    FileTokenStore(settings.token_file).save(tokens_past_half_life())
    provider = credentials_for(settings, store, clock=lambda: NOW)
    # when a sync runs
    report = oauth_rig.sync(tokens=provider)
    # then the refresh was saved when nothing but the refresh itself had been asked
    assert report.status is SyncStatus.SUCCESS
    assert store.requests_at_save == [["/oauth2/token"]]
    saved = FileTokenStore(settings.token_file).load()
    assert saved is not None
    assert saved.refresh_token is not None
    assert saved.refresh_token.get_secret_value() != OLD_REFRESH
    assert saved.access_token.get_secret_value() != OLD_ACCESS
    assert saved.issued_at == NOW
    # and what was saved is what works now: SmashRun rotated the old refresh token away
    oauth = OAuthClient(settings.smashrun_token_url, oauth_rig.fake.client_id,
                        SecretStr(oauth_rig.fake.client_secret))  # fmt: skip
    with pytest.raises(SmashRunAuthError):
        oauth.refresh(SecretStr(OLD_REFRESH))
    assert oauth.refresh(saved.refresh_token).access_token.get_secret_value()


def test_a_rotation_that_cannot_be_saved_stops_the_sync_before_any_api_request(
    oauth_rig: SyncRig, tmp_path: Path
) -> None:
    settings = settings_for(oauth_rig, tmp_path)
    FileTokenStore(settings.token_file).save(tokens_past_half_life())
    store = WatchedStore(settings.token_file, oauth_rig, fail=True)
    provider = credentials_for(settings, store, clock=lambda: NOW)
    report = oauth_rig.sync(tokens=provider)
    assert report.status is SyncStatus.FAILED
    assert report.error is not None
    assert "could not be saved" in report.error
    assert oauth_rig.fake.count("/oauth2/token") == 1
    assert oauth_rig.fake.count("/v1/") == 0
    assert oauth_rig.store.count("activities") == 0
    # the old tokens are still in the file, untouched
    kept = FileTokenStore(settings.token_file).load()
    assert kept is not None
    assert kept.access_token.get_secret_value() == OLD_ACCESS


def test_a_refresh_smashrun_refuses_at_half_life_does_not_stop_the_sync(
    oauth_rig: SyncRig, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given tokens past half-life whose refresh token SmashRun no longer knows
    settings = settings_for(oauth_rig, tmp_path)
    FileTokenStore(settings.token_file).save(tokens_past_half_life(refresh="revoked-refresh"))
    provider = credentials_for(settings, FileTokenStore(settings.token_file), clock=lambda: NOW)
    # when a sync runs
    with caplog.at_level(logging.WARNING, logger="streakcore.smashrun.token_refresh"):
        report = oauth_rig.sync(tokens=provider)
    # then it synced everything with the still-valid access token, asking for a refresh once
    assert report.status is SyncStatus.SUCCESS
    assert oauth_rig.store.count("activities") > 0
    assert oauth_rig.fake.count("/oauth2/token") == 1
    # and it warned, without a token in the logs, and left the token file as it was
    assert "half-life" in caplog.text
    for secret in (OLD_ACCESS, "revoked-refresh", oauth_rig.fake.client_secret):
        assert secret not in caplog.text
    kept = FileTokenStore(settings.token_file).load()
    assert kept is not None
    assert kept.access_token.get_secret_value() == OLD_ACCESS


def test_an_access_token_smashrun_expired_early_is_refreshed_and_the_request_replayed(
    oauth_rig: SyncRig, tmp_path: Path
) -> None:
    settings = settings_for(oauth_rig, tmp_path)
    fresh = tokens_past_half_life().model_copy(update={"issued_at": NOW})
    FileTokenStore(settings.token_file).save(fresh)
    provider = credentials_for(settings, FileTokenStore(settings.token_file), clock=lambda: NOW)
    oauth_rig.fake.inject("/my/activities/search", "expired_token")
    report = oauth_rig.sync(tokens=provider)
    assert report.status is SyncStatus.SUCCESS
    assert oauth_rig.fake.count("/oauth2/token") == 1
    saved = FileTokenStore(settings.token_file).load()
    assert saved is not None
    assert saved.access_token.get_secret_value() != OLD_ACCESS


def test_an_expired_user_level_token_fails_the_sync_and_says_how_to_reauthorise(
    oauth_rig: SyncRig,
) -> None:
    oauth_rig.fake.expire_tokens()
    report = oauth_rig.sync(tokens=StaticToken(OLD_ACCESS))
    assert report.status is SyncStatus.FAILED
    assert report.error is not None
    assert "streak auth" in report.error
    assert OLD_ACCESS not in report.error
    assert oauth_rig.store.get_state("last_sync_attempt")["status"] == "failed"
    assert oauth_rig.store.get_state("last_sync") is None
