"""`streak auth --secret-id`: the OAuth code flow against the fake SmashRun, the tokens
written to the Secrets Manager secret (moto) Terraform creates empty, and terminal syncs
that read (and refresh) them there with STREAK_TOKEN_SECRET_ID."""

from __future__ import annotations

import json
import threading
import webbrowser
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto import mock_aws
from pydantic import SecretStr

from fixtures.aws import REGION, isolate_aws
from streakcore.entrypoints.cli.main import main
from streakcore.ports import OAuthTokens
from streakcore.testing import Athlete, FakeSmashRun, recent_athlete

SECRET_NAME = "streakcore-prod-smashrun-oauth"
OLD_ACCESS = "old-access-token"
OLD_REFRESH = "old-refresh-token"


@pytest.fixture(scope="module")
def athlete() -> Athlete:
    return recent_athlete(datetime.now(UTC))


@pytest.fixture(autouse=True)
def clean_env(clean_streak_env: Path) -> None:
    """No STREAK_* setting of the developer's leaks in (see conftest)."""


@pytest.fixture
def secret_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The OAuth secret as Terraform leaves it: created, no value yet."""
    isolate_aws(monkeypatch)
    with mock_aws():
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
        created = secrets().create_secret(Name=SECRET_NAME, Description="SmashRun OAuth tokens")
        yield created["ARN"]


@pytest.fixture
def fake(athlete: Athlete, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSmashRun]:
    """A registered SmashRun app, no user-level token: tokens must come from a store."""
    with FakeSmashRun(
        athlete,
        access_tokens=[OLD_ACCESS],
        refresh_tokens=[OLD_REFRESH],
        clock=lambda: athlete.now,
    ) as running:
        for name, value in {
            "STREAK_SMASHRUN_BASE_URL": running.base_url,
            "STREAK_SMASHRUN_AUTHORIZE_URL": running.authorize_url,
            "STREAK_SMASHRUN_TOKEN_URL": running.token_url,
            "STREAK_SMASHRUN_CLIENT_ID": running.client_id,
            "STREAK_SMASHRUN_CLIENT_SECRET": running.client_secret,
            "STREAK_SMASHRUN_REDIRECT_PORT": "0",
            "STREAK_REQUESTS_PER_HOUR": "1000000",
        }.items():
            monkeypatch.setenv(name, value)
        yield running


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Plays the runner's browser: follows the authorisation URL (and SmashRun's redirect
    back to `streak auth`) from a thread. Returns the URLs it was asked to open."""
    opened: list[str] = []

    def open_url(url: str, *args: Any, **kwargs: Any) -> bool:
        opened.append(url)
        threading.Thread(
            target=httpx.get, args=(url,), kwargs={"follow_redirects": True}, daemon=True
        ).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)
    return opened


def secrets() -> Any:
    """The test's own client, on a session of its own."""
    return boto3.session.Session(region_name=REGION).client("secretsmanager")


def stored_tokens(secret_id: str) -> OAuthTokens:
    value = secrets().get_secret_value(SecretId=secret_id)["SecretString"]
    return OAuthTokens.from_storage_json(value)


def uploaded(athlete: Athlete) -> int:
    return sum(1 for run in athlete.runs if run.uploaded_at <= athlete.now)


def test_auth_with_a_secret_id_writes_the_tokens_to_the_secret_not_the_file(
    secret_arn: str,
    fake: FakeSmashRun,
    browser: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    code = main(["auth", "--secret-id", secret_arn, "--timeout", "10"])
    captured = capsys.readouterr()
    # then the secret holds a refreshable token pair SmashRun just issued
    assert code == 0, captured.err
    assert len(browser) == 1
    tokens = stored_tokens(secret_arn)
    assert tokens.refresh_token is not None
    assert tokens.access_token.get_secret_value() != OLD_ACCESS
    assert tokens.expires_at is not None
    assert tokens.expires_at > datetime.now(UTC) + timedelta(weeks=11)
    assert f"Secrets Manager secret {secret_arn}" in captured.out
    assert not (tmp_path / "tokens.json").exists()
    # and no token was printed
    for token in (tokens.access_token, tokens.refresh_token):
        assert token.get_secret_value() not in captured.out + captured.err


def test_a_sync_with_the_secret_id_set_uses_the_tokens_auth_stored(
    secret_arn: str,
    fake: FakeSmashRun,
    athlete: Athlete,
    browser: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given tokens put in the secret by `streak auth`, and nothing in the token file
    assert main(["auth", "--secret-id", secret_arn, "--timeout", "10"]) == 0
    issued = stored_tokens(secret_arn).access_token.get_secret_value()
    capsys.readouterr()
    # when a sync runs with the secret named in the environment
    monkeypatch.setenv("STREAK_TOKEN_SECRET_ID", secret_arn)
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb"), "--json"])
    captured = capsys.readouterr()
    # then it synced everything with the tokens from the secret
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert (report["status"], report["runs_synced"]) == ("success", uploaded(athlete))
    assert not (tmp_path / "tokens.json").exists()
    assert issued not in captured.out + captured.err


def test_a_sync_refreshing_tokens_from_the_secret_writes_the_rotation_back_to_it(
    secret_arn: str,
    fake: FakeSmashRun,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given tokens past their half-life in the secret, as the deployed sync would see them
    issued = datetime.now(UTC) - timedelta(weeks=7)
    old = OAuthTokens(
        access_token=SecretStr(OLD_ACCESS),
        refresh_token=SecretStr(OLD_REFRESH),
        issued_at=issued,
        expires_at=issued + timedelta(weeks=12),
    )
    secrets().put_secret_value(SecretId=secret_arn, SecretString=old.to_storage_json())
    monkeypatch.setenv("STREAK_TOKEN_SECRET_ID", secret_arn)
    # when a terminal sync runs
    code = main(["sync", "--db", str(tmp_path / "runs.duckdb")])
    captured = capsys.readouterr()
    # then SmashRun's rotated refresh token is in the secret, where the Lambda reads it
    assert code == 0, captured.err
    rotated = stored_tokens(secret_arn)
    assert rotated.refresh_token is not None
    assert rotated.refresh_token.get_secret_value() != OLD_REFRESH
    assert rotated.access_token.get_secret_value() != OLD_ACCESS
    assert fake.count("/oauth2/token") == 1
    assert not (tmp_path / "tokens.json").exists()


def test_auth_to_a_secret_that_does_not_exist_fails_in_one_line_without_the_tokens(
    secret_arn: str,
    fake: FakeSmashRun,
    browser: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = secret_arn.replace(SECRET_NAME, "no-such-secret")
    code = main(["auth", "--secret-id", missing, "--timeout", "10"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("streak: error: ")
    assert missing in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert fake.count("/oauth2/token") == 1
    assert "access_token" not in captured.out + captured.err


def test_auth_to_a_secret_name_with_no_region_configured_stops_before_the_browser(
    secret_arn: str,
    fake: FakeSmashRun,
    browser: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given no region anywhere: not in the environment, not in an AWS config file
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    # when
    code = main(["auth", "--secret-id", SECRET_NAME, "--timeout", "10"])
    # then
    err = capsys.readouterr().err
    assert code == 2
    assert "AWS_REGION" in err
    assert browser == []


def test_auth_to_a_secret_arn_uses_the_region_in_the_arn(
    secret_arn: str,
    fake: FakeSmashRun,
    browser: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a laptop configured for another region than the secret's
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    # when
    code = main(["auth", "--secret-id", secret_arn, "--timeout", "10"])
    # then the tokens landed in the secret in its own region
    assert code == 0
    assert stored_tokens(secret_arn).refresh_token is not None
