"""The run store on DuckDB: `store` (open, migrate, refuse damaged files), `writes`,
`queries`, `classify` (DuckDB's errors as ours), `migrations`.

`DuckDBFiles` opens them for the use cases (`ports.StoreOpener`); DuckDB itself is imported
only when a file is opened, so holding one costs nothing on the stats-document fast path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from streakcore.storage.database_files import wal_of

if TYPE_CHECKING:
    from streakcore.storage.duckdb.store import DuckDBRunStore


class DuckDBFiles:
    """`ports.StoreOpener` for DuckDB files."""

    def open(
        self, path: Path, *, read_only: bool = False, label: str | None = None
    ) -> DuckDBRunStore:
        from streakcore.storage.duckdb.store import DuckDBRunStore

        return DuckDBRunStore.open(path, read_only=read_only, label=label)

    def log_of(self, path: Path) -> Path:
        return wal_of(path)
