"""OAuth tokens in a local JSON file that only its owner can read.

Written to a sibling temp file created 0600 and renamed over the old one, so a crash
mid-write leaves the previous tokens, never half of the new ones. Messages name the file,
never its contents.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from pydantic import ValidationError

from streakcore.errors import TokenStoreError
from streakcore.ports import OAuthTokens
from streakcore.storage.durable import fsync_dir

FILE_MODE = 0o600
DIR_MODE = 0o700


class FileTokenStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> OAuthTokens | None:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise TokenStoreError(
                f"{self.path} can be read by other users; run `chmod 600 {self.path}` "
                "(and consider `streak auth` to replace tokens that may have leaked)"
            )
        try:
            text = self.path.read_bytes()
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return OAuthTokens.from_storage_json(text)
        except ValidationError:
            raise TokenStoreError(
                f"{self.path} does not hold streakcore tokens; run `streak auth` to write new ones"
            ) from None

    def save(self, tokens: OAuthTokens) -> None:
        directory = self.path.parent
        try:
            directory.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            # mkstemp creates the file 0600 from the start: the tokens are never readable
            # by others, not even between create and rename.
            fd, temp_name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        except OSError as exc:
            raise TokenStoreError(f"cannot write tokens to {self.path}: {exc.strerror}") from None
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                os.fchmod(file.fileno(), FILE_MODE)
                file.write(tokens.to_storage_json())
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, self.path)
            fsync_dir(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise TokenStoreError(f"cannot write tokens to {self.path}: {exc.strerror}") from None
