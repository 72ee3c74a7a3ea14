"""Secrets Manager adapters: the SmashRun OAuth tokens and the API keys.

Secret values never appear in a log line or an exception: errors name the secret id and
AWS's error code, and botocore exceptions are not chained (their repr carries request
parameters).
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import SecretStr, ValidationError

from streakcore.errors import TokenStoreError
from streakcore.ports import OAuthTokens

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

_NOTHING_STORED = frozenset({"ResourceNotFoundException"})


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "unknown"))
    return type(exc).__name__


def _read_secret(client: SecretsManagerClient, secret_id: str) -> str | None:
    """The secret's current string; None when the secret or its value does not exist."""
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        if _code(exc) in _NOTHING_STORED:
            return None
        raise TokenStoreError(
            f"could not read secret {secret_id} ({_code(exc)}): check the role's "
            "secretsmanager:GetSecretValue permission"
        ) from None
    except BotoCoreError as exc:
        raise TokenStoreError(f"could not read secret {secret_id} ({_code(exc)})") from None
    return response.get("SecretString")


class SecretsManagerTokenStore:
    """A TokenStore on one secret holding `OAuthTokens.to_storage_json()`.

    Nothing is cached: another container may have rotated the refresh token since, and a
    stale refresh token would lock the athlete out. `save` returns only once Secrets
    Manager holds the new tokens, so the caller persists a rotation before using it.
    """

    def __init__(self, client: SecretsManagerClient, secret_id: str) -> None:
        self._client = client
        self.secret_id = secret_id

    def load(self) -> OAuthTokens | None:
        text = _read_secret(self._client, self.secret_id)
        if text is None or not text.strip():
            return None
        try:
            return OAuthTokens.from_storage_json(text)
        except ValidationError:
            raise TokenStoreError(
                f"secret {self.secret_id} does not hold SmashRun tokens in streakcore's "
                "format; run `streak auth` to store fresh ones"
            ) from None

    def save(self, tokens: OAuthTokens) -> None:
        try:
            self._client.put_secret_value(
                SecretId=self.secret_id, SecretString=tokens.to_storage_json()
            )
        except (ClientError, BotoCoreError) as exc:
            raise TokenStoreError(
                f"could not store the SmashRun tokens in secret {self.secret_id} "
                f"({_code(exc)}): check the role's secretsmanager:PutSecretValue permission"
            ) from None


class SecretsManagerApiKeys:
    """The API keys, `{"api_keys": {"personal": "...", "github_actions": "..."}}`, read
    once per container (keys change with a deploy, not between requests)."""

    def __init__(self, client: SecretsManagerClient, secret_id: str) -> None:
        self._client = client
        self.secret_id = secret_id
        self._keys: dict[str, SecretStr] | None = None
        self._lock = threading.Lock()

    def keys(self) -> dict[str, SecretStr]:
        with self._lock:
            if self._keys is None:
                self._keys = self._load()
            return self._keys

    def _load(self) -> dict[str, SecretStr]:
        text = _read_secret(self._client, self.secret_id)
        if text is None:
            raise TokenStoreError(f"secret {self.secret_id} has no value: store the API keys")
        try:
            keys = json.loads(text)["api_keys"]
        except (ValueError, KeyError, TypeError):
            keys = None
        if (
            not isinstance(keys, dict)
            or not keys
            or not all(isinstance(value, str) and value for value in keys.values())
        ):
            raise TokenStoreError(
                f'secret {self.secret_id} must hold {{"api_keys": {{"name": "key", ...}}}} '
                "with at least one key, every key non-empty text"
            )
        return {str(name): SecretStr(value) for name, value in keys.items()}


def read_secret_text(client: SecretsManagerClient, secret_id: str) -> str | None:
    """A secret's current string (None when it has no value yet), errors as TokenStoreError."""
    return _read_secret(client, secret_id)


def put_secret_text(client: SecretsManagerClient, secret_id: str, text: str) -> None:
    """Store `text` as the secret's new current value."""
    try:
        client.put_secret_value(SecretId=secret_id, SecretString=text)
    except (ClientError, BotoCoreError) as exc:
        raise TokenStoreError(
            f"could not store a new value in secret {secret_id} ({_code(exc)}): check your "
            "secretsmanager:PutSecretValue permission"
        ) from None
