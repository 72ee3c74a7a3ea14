"""Secrets Manager (moto): the SmashRun token store and the API keys.

The rotation tests run a real sync against the fake SmashRun, whose refresh rotates the
refresh token: the new tokens must be in Secrets Manager before any API request uses them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from pydantic import SecretStr

from fixtures.aws import BUCKET, REGION, isolate_aws, make_bucket
from streakcore.bootstrap import Services
from streakcore.errors import TokenStoreError
from streakcore.ports import OAuthTokens
from streakcore.settings import Settings
from streakcore.storage.secrets_manager import SecretsManagerApiKeys, SecretsManagerTokenStore
from streakcore.testing import FakeSmashRun, recent_athlete

SECRET_ID = "streakcore/smashrun-oauth"
KEYS_SECRET_ID = "streakcore/api-keys"
NOW = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    isolate_aws(monkeypatch)
    with mock_aws():
        yield


def _secrets() -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


def _tokens(access: str, refresh: str | None, *, age: timedelta = timedelta(0)) -> OAuthTokens:
    issued = NOW - age
    return OAuthTokens(
        access_token=SecretStr(access),
        refresh_token=SecretStr(refresh) if refresh else None,
        issued_at=issued,
        expires_at=issued + timedelta(weeks=12),
    )


# -- the token store ------------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_saved_tokens_are_what_a_fresh_container_loads() -> None:
    # given a secret and tokens saved through one store
    _secrets().create_secret(Name=SECRET_ID)
    SecretsManagerTokenStore(_secrets(), SECRET_ID).save(_tokens("access-1", "refresh-1"))

    # when another container's store loads them
    loaded = SecretsManagerTokenStore(_secrets(), SECRET_ID).load()

    # then they are the same tokens
    assert loaded == _tokens("access-1", "refresh-1")


@pytest.mark.usefixtures("aws")
def test_the_store_reads_the_secret_every_time_so_a_rotation_elsewhere_is_seen() -> None:
    # given a store that already loaded the tokens once
    _secrets().create_secret(Name=SECRET_ID)
    store = SecretsManagerTokenStore(_secrets(), SECRET_ID)
    store.save(_tokens("access-1", "refresh-1"))
    store.load()

    # when another container rotates them
    SecretsManagerTokenStore(_secrets(), SECRET_ID).save(_tokens("access-2", "refresh-2"))

    # then this store sees the rotation
    loaded = store.load()
    assert loaded is not None
    assert loaded.refresh_token == SecretStr("refresh-2")


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("create", [False, True], ids=["no secret", "secret without value"])
def test_nothing_stored_yet_loads_as_none(create: bool) -> None:
    if create:
        _secrets().create_secret(Name=SECRET_ID)
    assert SecretsManagerTokenStore(_secrets(), SECRET_ID).load() is None


@pytest.mark.usefixtures("aws")
def test_a_secret_in_another_format_is_an_error_that_does_not_repeat_its_content() -> None:
    # given a secret holding something else (with a secret-looking value in it)
    _secrets().create_secret(Name=SECRET_ID, SecretString='{"token": "hunter2-do-not-print"}')

    # when / then
    with pytest.raises(TokenStoreError) as raised:
        SecretsManagerTokenStore(_secrets(), SECRET_ID).load()
    assert "streak auth" in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert raised.value.__cause__ is None


@pytest.mark.usefixtures("aws")
def test_a_failed_save_names_the_secret_but_never_the_tokens() -> None:
    # given a secret id that does not exist
    store = SecretsManagerTokenStore(_secrets(), "streakcore/missing")

    # when saving rotated tokens fails
    with pytest.raises(TokenStoreError) as raised:
        store.save(_tokens("access-secret-value", "refresh-secret-value"))

    # then the message helps and carries no token, not even in a chained exception
    message = str(raised.value)
    assert "streakcore/missing" in message
    assert "PutSecretValue" in message
    assert "secret-value" not in message
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


# -- the API keys -----------------------------------------------------------------------------


@pytest.mark.usefixtures("aws")
def test_api_keys_are_read_once_per_container() -> None:
    # given the API-keys secret, read once
    _secrets().create_secret(
        Name=KEYS_SECRET_ID,
        SecretString=json.dumps({"api_keys": {"personal": "k-personal", "github_actions": "k-gh"}}),
    )
    keys = SecretsManagerApiKeys(_secrets(), KEYS_SECRET_ID)
    first = keys.keys()

    # when the secret changes and the keys are asked for again
    _secrets().put_secret_value(
        SecretId=KEYS_SECRET_ID, SecretString=json.dumps({"api_keys": {"other": "k-other"}})
    )
    second = keys.keys()

    # then the container keeps what it read (no second call to Secrets Manager)
    assert {n: k.get_secret_value() for n, k in first.items()} == {
        "personal": "k-personal",
        "github_actions": "k-gh",
    }
    assert second == first


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "content",
    ['{"api_keys": {}}', '{"keys": ["a"]}', '{"api_keys": {"personal": ""}}', "not json"],
)
def test_api_keys_in_the_wrong_shape_are_refused_without_echoing_them(content: str) -> None:
    _secrets().create_secret(Name=KEYS_SECRET_ID, SecretString=content)
    with pytest.raises(TokenStoreError, match="api_keys") as raised:
        SecretsManagerApiKeys(_secrets(), KEYS_SECRET_ID).keys()
    assert content not in str(raised.value)


# -- rotation reaches Secrets Manager before use ------------------------------------------------


@pytest.fixture
def smashrun() -> Iterator[FakeSmashRun]:
    with FakeSmashRun(
        recent_athlete(NOW), access_tokens=("old-access",), refresh_tokens=("old-refresh",)
    ) as fake:
        yield fake


def _container(fake: FakeSmashRun, tmp_path: Path, session: Any) -> Services:
    settings = Settings(
        db=f"s3://{BUCKET}/runs.duckdb",
        timezone="America/New_York",
        cache_dir=tmp_path / "cache",
        smashrun_base_url=fake.base_url,
        smashrun_token_url=fake.token_url,
        smashrun_client_id=fake.client_id,
        smashrun_client_secret=SecretStr(fake.client_secret),
        token_secret_id=SECRET_ID,
        requests_per_hour=100_000,
    )
    return Services(settings, boto_session=session, clock=lambda: NOW)


def _api_requests(fake: FakeSmashRun) -> int:
    return fake.count("/v1/")


@pytest.mark.usefixtures("aws")
def test_rotated_tokens_are_in_secrets_manager_before_any_request_uses_them(
    smashrun: FakeSmashRun, tmp_path: Path
) -> None:
    # given stored tokens past their half-life
    make_bucket()
    _secrets().create_secret(
        Name=SECRET_ID,
        SecretString=_tokens("old-access", "old-refresh", age=timedelta(weeks=7)).to_storage_json(),
    )
    api_requests_when_saved: list[int] = []
    session = boto3.session.Session(region_name=REGION)
    session.events.register(
        "after-call.secrets-manager.PutSecretValue",
        lambda **_: api_requests_when_saved.append(_api_requests(smashrun)),
    )
    container = _container(smashrun, tmp_path, session)

    # when a sync runs
    run = container.sync(budget_s=60)

    # then the refresh was saved once, before the first API request, and then used
    assert run.status == "success"
    assert api_requests_when_saved == [0]
    assert _api_requests(smashrun) > 0
    stored = OAuthTokens.from_storage_json(
        _secrets().get_secret_value(SecretId=SECRET_ID)["SecretString"]
    )
    assert stored.refresh_token not in (None, SecretStr("old-refresh"))
    assert stored.access_token != SecretStr("old-access")


@pytest.mark.usefixtures("aws")
def test_when_the_rotation_cannot_be_saved_the_new_token_is_never_used(
    smashrun: FakeSmashRun, tmp_path: Path
) -> None:
    # given stored tokens past their half-life, and Secrets Manager refusing writes
    make_bucket()
    _secrets().create_secret(
        Name=SECRET_ID,
        SecretString=_tokens("old-access", "old-refresh", age=timedelta(weeks=7)).to_storage_json(),
    )

    def deny(**_: Any) -> None:
        raise ClientError(
            {"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, "PutSecretValue"
        )

    session = boto3.session.Session(region_name=REGION)
    session.events.register("before-call.secrets-manager.PutSecretValue", deny)
    container = _container(smashrun, tmp_path, session)

    # when a sync runs
    run = container.sync(budget_s=60)

    # then it failed without sending a single API request with the unsaved token
    assert run.failed
    assert "could not be saved" in (run.error or "")
    assert "old-refresh" not in (run.error or "")
    assert _api_requests(smashrun) == 0
    assert smashrun.count("/oauth2/token") == 1
