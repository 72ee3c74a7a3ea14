"""API keys as the local gateway checks them: named, compared in constant time.

In AWS, API Gateway checks the `x-api-key` header against the keys of the usage plan; the
local gateway does the same with keys from `STREAK_API_KEYS` (a JSON object of name to key,
the secret's `{"api_keys": {...}}` shape, or `key1,key2`) or from the API-keys secret.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from streakcore.errors import ConfigError


def parse_api_keys(text: str) -> dict[str, SecretStr]:
    """Named keys from `STREAK_API_KEYS`; comma-separated keys are named key1, key2, ..."""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            document = json.loads(stripped)
        except ValueError:
            raise ConfigError(
                'STREAK_API_KEYS is not valid JSON: write {"personal": "KEY"} or KEY1,KEY2'
            ) from None
        if isinstance(document, dict) and isinstance(document.get("api_keys"), dict):
            document = document["api_keys"]
        named: list[tuple[Any, Any]] = list(document.items()) if isinstance(document, dict) else []
    else:
        named = [(f"key{i}", k.strip()) for i, k in enumerate(stripped.split(","), start=1)]
    keys = {str(name): value for name, value in named if isinstance(value, str) and value.strip()}
    if not keys:
        raise ConfigError(
            'STREAK_API_KEYS holds no usable key: write {"personal": "KEY"} or KEY1,KEY2'
        )
    return {name: SecretStr(value.strip()) for name, value in keys.items()}


class KeyRing:
    """Which named key, if any, a request presented."""

    def __init__(self, keys: Mapping[str, SecretStr]) -> None:
        if not keys:
            raise ConfigError("the gateway needs at least one API key")
        self._keys = [(name, key.get_secret_value().encode()) for name, key in keys.items()]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._keys]

    def identify(self, presented: str | None) -> str | None:
        """The name of the key presented, or None.

        Every key is compared, each in constant time, so the answer takes as long for a
        near miss as for a wild guess.
        """
        if not presented:
            return None
        candidate = presented.encode()
        found: str | None = None
        for name, key in self._keys:
            if hmac.compare_digest(candidate, key) and found is None:
                found = name
        return found
