"""What both blob stores do with files: object names that cannot leave the store's root,
downloads that appear only once complete, and a cache that keeps the last two versions."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Protocol

from streakcore.errors import BlobStoreError

_COPY_CHUNK_BYTES = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def check_key(key: str) -> str:
    """Keys are plain file names: no folders, no way out of the store's root."""
    if not _KEY.match(key):
        raise BlobStoreError(
            f"invalid object name {key!r}: use a plain file name such as runs.duckdb"
        )
    return key


def cache_name(text: str) -> str:
    """A short file-system-safe name for an arbitrary string (a bucket and key, an ETag)."""
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def write_atomically(stream: Readable, target: Path) -> int:
    """Copy a stream into `target`, which appears only once complete. Returns the size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            size = 0
            while chunk := stream.read(_COPY_CHUNK_BYTES):
                out.write(chunk)
                size += len(chunk)
        os.replace(name, target)
        return size
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


STALE_PART_S = 3600.0
"""A temporary file this old belongs to no running write: copying a database takes
seconds, and a Lambda runs for at most 15 minutes."""


def remove_stale(folder: Path, *patterns: str) -> None:
    """Temporary files matching `patterns` that a killed writer left in `folder` (SIGKILL
    runs no cleanup), once older than any write can take."""
    cutoff = time.time() - STALE_PART_S
    for pattern in patterns:
        for part in folder.glob(pattern):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < cutoff:
                    part.unlink()


def prune_cache(current: Path) -> None:
    """Drop cached versions older than the last two, and downloads a killed process left
    half-written.

    The previous one stays because a caller in another thread may have just been handed
    its path and not opened it yet.
    """
    remove_stale(current.parent, ".*.part")
    dated: list[tuple[int, Path]] = []
    for path in current.parent.glob("*.blob"):
        if path != current:
            with contextlib.suppress(FileNotFoundError):
                dated.append((path.stat().st_mtime_ns, path))
    for _, old in sorted(dated, reverse=True)[1:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".etag").unlink(missing_ok=True)
