"""What a DuckDB error means for the runner: a damaged file (StoreCorrupt) or a failed
read or write (StoreError), in messages that name the runner's file, never a private copy.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from streakcore.errors import StoreCorrupt, StoreError

# What DuckDB raises when the bytes of a file are wrong, found with real damaged files: a
# short read or a failed checksum (IOException in 1.x; the base Error in 2.x), a catalog it
# cannot deserialise, or the internal and fatal errors it gives once it has met one. Never
# told apart by their messages: "in block at location" contains "lock".
_DAMAGE: tuple[type[duckdb.Error], ...] = (
    duckdb.IOException,
    duckdb.SerializationException,
    duckdb.InternalException,
    duckdb.FatalException,
)


def query_error(label: str, exc: duckdb.Error, action: str, file: Path | None = None) -> StoreError:
    d = detail(exc, file, label)
    if type(exc) is duckdb.Error or isinstance(exc, _DAMAGE):
        return corrupt(label, d)
    return StoreError(f"could not {action} {label}: {d}")


def corrupt(label: str, detail: str) -> StoreCorrupt:
    return StoreCorrupt(
        f"{label} is not a readable streakcore database ({detail}). "
        "It was left untouched; restore a backup or point --db elsewhere."
    )


def detail(exc: BaseException, file: Path | None, label: str) -> str:
    """DuckDB's first line, naming the runner's file where it named a private copy."""
    lines = str(exc).splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text.replace(str(file), label) if file is not None else text
