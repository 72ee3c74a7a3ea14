"""What sits beside a DuckDB database file, and whether another program has it open.

DuckDB keeps a write-ahead log beside the file (`<file>.wal`) until it checkpoints, and
takes a POSIX record lock on the file it opens: shared for a reader, exclusive for a
writer. The lock, not DuckDB's wording, says whether the file is in use: DuckDB raises the
same IOException for "another process holds it" as for a truncated or foreign file.

POSIX record locks belong to the process, and closing any descriptor of a file drops every
lock the process holds on it. Ask only about a file this process has no DuckDB connection
to (the store opens files through DuckDB's per-process instance cache, so a file DuckDB
refused to open is one this process does not hold), or under a lock that keeps this
process's own connections away.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from streakcore.errors import ConfigError


def wal_of(file: Path) -> Path:
    """Where DuckDB keeps the write-ahead log of the database file `file`."""
    return file.with_name(file.name + ".wal")


def held_by_another_process(path: Path, *, for_writing: bool) -> bool:
    """True when another process holds a lock on `path` that keeps us from opening it:
    any lock if we want to write, a writer's lock if we only want to read. False when the
    file is free, absent, or cannot be asked about (then DuckDB's own error stands)."""
    try:
        fd = os.open(path, os.O_RDWR if for_writing else os.O_RDONLY)
    except OSError:
        return False
    try:
        try:
            fcntl.lockf(fd, (fcntl.LOCK_EX if for_writing else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except (BlockingIOError, PermissionError):
            return True
        except OSError:
            return False
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def held_for_writing_elsewhere(path: Path) -> bool:
    """True when another process has `path` open for writing (DuckDB's exclusive lock)."""
    return held_by_another_process(path, for_writing=False)


def refuse_directory(file: Path, label: str) -> None:
    """A directory where the database file should be is a setting to fix, not a database."""
    if file.is_dir():
        raise ConfigError(
            f"{label} is a directory, not a database file: name the file in it, "
            f"e.g. --db {label.rstrip('/')}/runs.duckdb"
        )
