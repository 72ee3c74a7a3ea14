"""How much an import reads, whatever a file or an archive claims about itself.

Sizes in zip headers and gzip trailers are the writer's word; a zip bomb lies. Every
activity file is read through `read_bounded`, which stops one byte past the limit, so a
member that inflates to gigabytes costs at most `max_file_bytes` of memory and time.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import IO, Protocol

from pydantic import BaseModel, ConfigDict, Field

from streakcore.importers.rejection import UnreadableFile

MIB = 1024 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class ImportLimits(BaseModel):
    model_config = ConfigDict(frozen=True)

    max_file_bytes: int = Field(default=64 * MIB, gt=0)
    """One activity file, decompressed. A 24-hour FIT with 1 s records is about 5 MB and
    its GPX about 20 MB; 64 MiB leaves room and still bounds a bomb."""
    max_csv_bytes: int = Field(default=64 * MIB, gt=0)
    """Strava's activities.csv: about 1 kB a row, so room for tens of thousands of runs."""
    max_nesting: int = Field(default=2, ge=0)
    """Zips inside zips: Garmin's export nests one level (DI-Connect-Uploaded-Files)."""


def read_bounded(stream: Readable, limit: int, what: str) -> bytes:
    """All of `stream`, or UnreadableFile once it passes `limit` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(
            f"{what} is larger than {describe_size(limit)} once decompressed; refused "
            "(an activity file is never that big: a damaged file or a zip bomb)"
        )
    return data


def describe_size(size: int) -> str:
    return f"{size / MIB:g} MiB" if size >= MIB else f"{size:,} bytes"


def gunzip_bounded(compressed: IO[bytes], limit: int) -> bytes:
    """The content of a .gz stream, at most `limit` bytes of it; UnreadableFile if damaged."""
    try:
        with gzip.GzipFile(fileobj=compressed, mode="rb") as inflated:
            return read_bounded(inflated, limit, "the .gz file")
    except (OSError, EOFError, zlib.error) as exc:
        raise UnreadableFile(f"the .gz file is damaged or truncated ({exc})") from None


def gunzip_bytes(data: bytes, limit: int) -> bytes:
    return gunzip_bounded(io.BytesIO(data), limit)
