"""The page's share token: who may see `GET /p/{token}`.

Three places keep it, picked by `Services.page_tokens`: `STREAK_PAGE_TOKEN` (fixed; rotate
it by changing the variable), a Secrets Manager secret (`STREAK_PAGE_TOKEN_SECRET_ID`; the
Lambda reads it at most once a minute, `streak page-link --rotate --secret-id` writes a
new one), or a 0600 file beside a local database, generated on first use. A token is 32
random bytes, URL-safe base64 (256 bits); one given by hand must carry at least 128 bits.
Messages name where a token is kept, never the token.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import secrets
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from streakcore.errors import ConfigError, TokenStoreError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

TOKEN_BYTES = 32
MIN_TOKEN_CHARS = 22
"""22 URL-safe base64 characters carry 132 bits: the least a hand-made token may have."""
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]+")
FILE_MODE = 0o600
SECRET_CACHE_S = 60.0
"""How long the Lambda trusts the token it read: a rotated link stops working within it."""


def new_token() -> SecretStr:
    return SecretStr(secrets.token_urlsafe(TOKEN_BYTES))


def checked_token(value: str, where: str) -> SecretStr:
    """`value` as a token, or a ConfigError naming `where` it came from."""
    if len(value) < MIN_TOKEN_CHARS or not TOKEN_SHAPE.fullmatch(value):
        raise ConfigError(
            f"{where} must be at least {MIN_TOKEN_CHARS} characters of A-Z, a-z, 0-9, - and _ "
            "(128 bits or more): generate one with "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return SecretStr(value)


def token_matches(presented: str, expected: SecretStr) -> bool:
    """Constant-time comparison: the time taken says nothing about how much matched."""
    return hmac.compare_digest(presented.encode(), expected.get_secret_value().encode())


class _Matching:
    """`matches` for every kind of token place: against `current()`, in constant time."""

    def current(self) -> SecretStr:
        raise NotImplementedError

    def matches(self, presented: str) -> bool:
        return token_matches(presented, self.current())


class FixedPageToken(_Matching):
    """`STREAK_PAGE_TOKEN`: whoever set the variable rotates it."""

    where = "STREAK_PAGE_TOKEN"

    def __init__(self, value: SecretStr) -> None:
        self._value = checked_token(value.get_secret_value(), self.where)

    def current(self) -> SecretStr:
        return self._value

    def rotate(self) -> SecretStr:
        raise ConfigError(
            "the page token comes from STREAK_PAGE_TOKEN: set it to a new value to rotate "
            "the link (or unset it to keep a generated token beside the database)"
        )


class PageTokenFile(_Matching):
    """A 0600 file beside a local database; created with a new token when missing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def current(self) -> SecretStr:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return self.rotate()
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"{self.path} can be read by other users: run `chmod 600 {self.path}` and "
                "`streak page-link --rotate`"
            )
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        return checked_token(text, str(self.path))

    def rotate(self) -> SecretStr:
        token = new_token()
        directory = self.path.parent
        try:
            fd, staged = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        except OSError as exc:
            raise TokenStoreError(f"cannot write {self.path}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                os.fchmod(file.fileno(), FILE_MODE)
                file.write(token.get_secret_value() + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.replace(staged, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                Path(staged).unlink()
            raise TokenStoreError(f"cannot write {self.path}: {exc.strerror}") from None
        return token


class SecretsManagerPageToken(_Matching):
    """The token as the plain string value of a Secrets Manager secret, read at most once
    every `SECRET_CACHE_S` per container."""

    def __init__(
        self,
        client: SecretsManagerClient,
        secret_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.where = secret_id
        self._clock = clock
        self._cached: tuple[float, SecretStr] | None = None
        self._lock = threading.Lock()

    def current(self) -> SecretStr:
        with self._lock:
            now = self._clock()
            if self._cached is not None and now - self._cached[0] < SECRET_CACHE_S:
                return self._cached[1]
            from streakcore.storage.secrets_manager import read_secret_text

            try:
                text = read_secret_text(self._client, self.where)
            except TokenStoreError as exc:
                # Not the SmashRun tokens: a setup problem of the page, said as one.
                raise ConfigError(str(exc)) from None
            if not text:
                raise ConfigError(
                    f"secret {self.where} has no page token yet: run "
                    f"`streak page-link --rotate --secret-id {self.where}`"
                )
            token = checked_token(text.strip(), f"the value of secret {self.where}")
            self._cached = (now, token)
            return token

    def rotate(self) -> SecretStr:
        from streakcore.storage.secrets_manager import put_secret_text

        token = new_token()
        put_secret_text(self._client, self.where, token.get_secret_value())
        with self._lock:
            self._cached = None
        return token
