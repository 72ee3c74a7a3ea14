"""The run store (`ports.RunStore`) on one DuckDB file: opening it safely, migrating it,
and telling a damaged, foreign or newer file apart before anything is written to it. Its
writes and reads live in `writes` and `queries`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from streakcore.errors import (
    ConfigError,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreNotFound,
    StoreTooNew,
)
from streakcore.storage.database_files import held_by_another_process, refuse_directory, wal_of
from streakcore.storage.duckdb.classify import corrupt, detail, query_error
from streakcore.storage.duckdb.migrations import LATEST_VERSION, MIGRATIONS
from streakcore.storage.duckdb.queries import RunQueries
from streakcore.storage.duckdb.writes import RunWrites


class DuckDBRunStore(RunWrites, RunQueries):
    """A streakcore DuckDB file. Use `DuckDBRunStore.open` (or as a context manager)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path | None,
        read_only: bool,
        *,
        label: str | None = None,
    ) -> None:
        self._con = con
        self.path = path
        self.read_only = read_only
        self.label = label or (str(path) if path is not None else "the database")
        """What errors call the database: the runner's file or s3:// URL, never a copy."""

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | Path, *, read_only: bool = False, label: str | None = None
    ) -> DuckDBRunStore:
        """Open (and for writing, create or migrate) the file at `path`.

        A corrupt, truncated, foreign or newer-schema file raises StoreCorrupt (StoreTooNew)
        before anything is written to it. `label` is what errors call the file when `path`
        is a private copy of the runner's database (default: `path` itself).
        """
        if str(path) == ":memory:":
            return cls._migrated(duckdb.connect(":memory:"), None, None)
        file = Path(path)
        name = label or str(file)
        refuse_directory(file, name)
        if not file.exists():
            if read_only:
                raise StoreNotFound(
                    f"no database at {name}: run `streak sync` (or `streak demo`) first, "
                    "or pass --db PATH"
                )
            file.parent.mkdir(parents=True, exist_ok=True)
            return cls._migrated(_connect(file, name, read_only=False), file, name)
        version = _inspect(file, name)
        if read_only:
            if version < LATEST_VERSION:
                raise StoreError(
                    f"{name} has schema version {version}; open it once for writing "
                    "(e.g. `streak sync`) to upgrade it to version "
                    f"{LATEST_VERSION}"
                )
            return cls(_connect(file, name, read_only=True), file, read_only=True, label=name)
        return cls._migrated(_connect(file, name, read_only=False), file, name)

    @classmethod
    def _migrated(
        cls, con: duckdb.DuckDBPyConnection, path: Path | None, label: str | None
    ) -> DuckDBRunStore:
        store = cls(con, path, read_only=False, label=label)
        try:
            store._migrate()
        except BaseException:
            con.close()
            raise
        return store

    def _migrate(self) -> None:
        con = self._con
        try:
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
            )
            rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
            current = int(rows[0][0]) if rows else 0
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                with self.transaction():
                    con.execute(sql)
                    con.execute(
                        "INSERT INTO schema_version VALUES ($1, $2)", [version, datetime.now(UTC)]
                    )
        except duckdb.Error as exc:
            raise query_error(self.label, exc, "upgrade") from exc

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> DuckDBRunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw connection, for the notebook and ad-hoc SQL."""
        return self._con

    def checkpoint(self) -> None:
        try:
            self._con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise query_error(self.label, exc, "checkpoint") from exc


# -- opening files safely ------------------------------------------------------------------

# Every DuckDB file starts with an 8-byte checksum and these magic bytes; anything else (a
# text file, a SQLite database, an empty file) is refused before DuckDB sees it, so DuckDB
# never tries to fetch an extension to read someone's other file.
_MAGIC = b"DUCK"
_MAGIC_AT = 8


def checkpoint_leftover_wal(file: Path, *, label: str | None = None) -> bool:
    """Fold a write-ahead log left beside `file` into it, so that the file alone holds every
    committed write. True when there was a log to fold.

    A writer killed before DuckDB checkpointed (`streak demo`, a notebook, the duckdb shell)
    leaves its last commits only in the log: a copy of the file alone drops them, and a log
    left beside a replaced file no longer matches it. The file is first checked read-only
    (which replays the log in memory): a damaged, foreign or newer one is refused before
    anything is written to it. DuckDB's own lock keeps any other program out meanwhile.
    """
    wal = wal_of(file)
    if not wal.exists():
        return False
    name = label or str(file)
    _inspect(file, name)
    con = _connect(file, name, read_only=False)
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise query_error(name, exc, "checkpoint", file) from exc
    finally:
        con.close()
    if wal.exists():
        raise StoreCorrupt(
            f"{name}.wal is not a write-ahead log DuckDB can replay into {name}: move it out "
            "of the way (keep it if unsure) and run again."
        )
    return True


def _connect(file: Path, label: str, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    last: duckdb.Error | None = None
    for _ in range(2):
        try:
            return duckdb.connect(str(file), read_only=read_only)
        except duckdb.IOException as exc:
            # DuckDB raises this one type for "another process holds the file" and for a
            # file it cannot read; the operating system's lock table tells them apart.
            if held_by_another_process(file, for_writing=not read_only):
                raise StoreLocked(
                    f"{label} is in use by another process; try again when it finishes"
                ) from exc
            last = exc  # or the holder let go just before we asked: try once more
        except duckdb.Error as exc:
            raise _open_error(file, label, exc) from exc
    assert last is not None
    raise _open_error(file, label, last) from last


def _open_error(file: Path, label: str, exc: duckdb.Error) -> StoreError:
    if wal_of(file).exists() and _opens_without_its_wal(file):
        return StoreCorrupt(
            f"{label}.wal was left beside an older version of {label} and cannot be "
            f"replayed into it ({label} itself reads fine). Both were left untouched: move "
            f"{label}.wal out of the way (keep it if unsure) and run again."
        )
    return corrupt(label, detail(exc, file, label))


def _opens_without_its_wal(file: Path) -> bool:
    """Whether a copy of `file` without its log opens: then the log is what is wrong."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="streakcore-") as scratch:
        alone = Path(scratch) / file.name
        try:
            shutil.copyfile(file, alone)
            con = duckdb.connect(str(alone), read_only=True)
        except (OSError, duckdb.Error):
            return False
        try:
            con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()
        except duckdb.Error:
            return False
        finally:
            con.close()
    return True


def _check_magic(file: Path, label: str) -> None:
    try:
        with file.open("rb") as handle:
            head = handle.read(_MAGIC_AT + len(_MAGIC))
    except OSError as exc:
        raise ConfigError(f"cannot read {label}: {exc.strerror}") from exc
    if head[_MAGIC_AT:] != _MAGIC:
        raise corrupt(label, "not a DuckDB file" if head else "the file is empty")


def _check_complete(con: duckdb.DuckDBPyConnection, file: Path, label: str) -> None:
    """Refuse a file cut short. DuckDB reads blocks only when a query needs them, so a
    truncated file opens fine; the blocks it says are in use must fit in the file."""
    rows = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchall()
    if not rows:
        return
    needed = int(rows[0][0]) * int(rows[0][1])
    size = file.stat().st_size
    if size < needed:
        raise corrupt(
            label, f"it is {size} bytes long but holds {needed} bytes of blocks: it was cut short"
        )


def _inspect(file: Path, label: str) -> int:
    """The file's schema version, read without modifying it; 0 for an empty DuckDB file."""
    _check_magic(file, label)
    con = _connect(file, label, read_only=True)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        version = 0
        if tables:
            if "schema_version" not in tables:
                raise StoreCorrupt(
                    f"{label} is a DuckDB file but not a streakcore database (no schema_version "
                    "table). It was left untouched; point --db at a streakcore file."
                )
            rows = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()
            version = int(rows[0][0]) if rows else 0
        _check_complete(con, file, label)
    except duckdb.Error as exc:
        raise query_error(label, exc, "read", file) from exc
    finally:
        con.close()
    if version > LATEST_VERSION:
        raise StoreTooNew(
            f"{label} has schema version {version}, newer than this streakcore understands "
            f"({LATEST_VERSION}). Upgrade streakcore (pip install -U streakcore); the file "
            "was left untouched."
        )
    return version
