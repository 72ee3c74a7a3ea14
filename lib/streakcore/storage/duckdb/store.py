"""The run store: one DuckDB file holding activities, splits, sync state and quarantine.

Writes go in bulk (lists unnested inside DuckDB, never `executemany`) and each batch is one
transaction, so a crash leaves the file as it was before the batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
from pydantic import TypeAdapter

from streakcore.domain.days import Day
from streakcore.domain.models import Activity, RunFacts, Split
from streakcore.domain.records import FULL_SPLIT_TOLERANCE, MileTime
from streakcore.domain.units import METRES_PER_MILE
from streakcore.errors import (
    ConfigError,
    StoreCorrupt,
    StoreError,
    StoreLocked,
    StoreNotFound,
    StoreTooNew,
)
from streakcore.storage.database_files import held_by_another_process, wal_of
from streakcore.storage.duckdb.migrations import LATEST_VERSION, MIGRATIONS


@dataclass(frozen=True, slots=True)
class StoredActivity:
    """An activity as the sync hands it to the store.

    `splits` None keeps the splits already stored (the summary did not change); a list
    (possibly empty: treadmill runs have none) replaces them.
    """

    activity: Activity
    fingerprint: str
    payload: str | None = None
    splits: Sequence[Split] | None = None


@dataclass(frozen=True, slots=True)
class QuarantinedPayload:
    source: str
    reason: str
    payload: str
    activity_id: str | None = None


@dataclass(slots=True)
class Batch:
    """One unit of work: applied whole or not at all."""

    activities: list[StoredActivity] = field(default_factory=list)
    deleted_ids: list[str] = field(default_factory=list)
    quarantined: list[QuarantinedPayload] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.activities or self.deleted_ids or self.quarantined or self.state)


_ACTIVITY_COLUMNS = (
    "activity_id", "start_local", "utc_offset_min", "local_date", "distance_m", "duration_s",
    "activity_type", "external_id", "is_treadmill", "heart_rate_avg", "notes", "fingerprint",
    "payload",
)  # fmt: skip
_SPLIT_COLUMNS = (
    "activity_id", "unit", "idx", "distance_m", "elapsed_s", "speed", "heart_rate",
    "elevation_gain_m", "elevation_loss_m",
)  # fmt: skip

_SPLITS_JSON = TypeAdapter(list[Split])
_SPLIT_FIELDS = {"__all__": set(_SPLIT_COLUMNS[1:]) - {"idx"} | {"index"}}
_SPLIT_STRUCT = (
    '[{"unit": "VARCHAR", "index": "INTEGER", "distance_m": "DOUBLE", "elapsed_s": "DOUBLE", '
    '"speed": "DOUBLE", "heart_rate": "DOUBLE", "elevation_gain_m": "DOUBLE", '
    '"elevation_loss_m": "DOUBLE"}]'
)
_INSERT_SPLITS_SQL = f"""
    INSERT INTO splits ({", ".join(_SPLIT_COLUMNS)})
    SELECT activity_id, s.unit, s.index, s.distance_m, s.elapsed_s, s.speed, s.heart_rate,
           s.elevation_gain_m, s.elevation_loss_m
    FROM (
        SELECT activity_id, unnest(from_json(splits, '{_SPLIT_STRUCT}')) AS s
        FROM (SELECT unnest($1) AS activity_id, unnest($2) AS splits)
    )
"""  # noqa: S608 - built from constants

# Whole miles from cumulative mile splits, optionally of some activities only ($1 a list).
_MILE_TIMES_SQL = f"""
    SELECT activity_id, idx, seconds FROM (
        SELECT activity_id, idx,
               distance_m - coalesce(lag(distance_m) OVER w, 0) AS mile_m,
               elapsed_s - coalesce(lag(elapsed_s) OVER w, 0) AS seconds
        FROM splits
        WHERE unit = 'mi' AND ($1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], activity_id))
        WINDOW w AS (PARTITION BY activity_id ORDER BY idx)
    )
    WHERE abs(mile_m - {METRES_PER_MILE}) <= {FULL_SPLIT_TOLERANCE * METRES_PER_MILE}
      AND seconds > 0
"""  # noqa: S608 - built from constants


def _started_by(param: str) -> str:
    """SQL: the run started by the instant in `param` (NULL: any run), compared in UTC."""
    return (
        f"({param}::TIMESTAMPTZ IS NULL OR "
        f"start_local - to_minutes(utc_offset_min) <= timezone('UTC', {param}::TIMESTAMPTZ))"
    )


_TZ_CACHE: dict[int, timezone] = {}
_FACTS_COLUMNS = "activity_id, start_local, utc_offset_min, local_date, distance_m, duration_s"


def _offset_zone(minutes: int) -> timezone:
    zone = _TZ_CACHE.get(minutes)
    if zone is None:
        zone = _TZ_CACHE[minutes] = timezone(timedelta(minutes=minutes))
    return zone


def _facts(rows: Sequence[tuple[Any, ...]]) -> list[RunFacts]:
    """RunFacts from rows of `_FACTS_COLUMNS`."""
    zone = _offset_zone
    return [RunFacts(r[0], r[1].replace(tzinfo=zone(r[2])), r[3], r[4], r[5]) for r in rows]


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    assert offset is not None  # Activity guarantees an aware start
    return int(offset.total_seconds() // 60)


class RunStore:
    """A streakcore DuckDB file. Use `RunStore.open` (or as a context manager)."""

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
    ) -> RunStore:
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
    ) -> RunStore:
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
            row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
            current = int(row[0]) if row else 0
            for version, sql in MIGRATIONS:
                if version <= current:
                    continue
                with self.transaction():
                    con.execute(sql)
                    con.execute(
                        "INSERT INTO schema_version VALUES ($1, $2)", [version, datetime.now(UTC)]
                    )
        except duckdb.Error as exc:
            raise _query_error(self.label, exc, "upgrade") from exc

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw connection, for the notebook and ad-hoc SQL."""
        return self._con

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------

    def apply(self, batch: Batch, *, now: datetime | None = None) -> None:
        """Apply one batch atomically: upserts, split replacements, deletions, quarantine."""
        if batch.is_empty():
            return
        at = now or datetime.now(UTC)
        try:
            with self.transaction():
                self._upsert_activities(batch.activities, at)
                self._replace_splits([s for s in batch.activities if s.splits is not None])
                self._mark_deleted(batch.deleted_ids, at)
                self._insert_quarantine(batch.quarantined, at)
                for key, value in batch.state.items():
                    self._set_state(key, value, at)
        except duckdb.Error as exc:
            raise _query_error(self.label, exc, "write to") from exc

    def _upsert_activities(self, rows: Sequence[StoredActivity], at: datetime) -> None:
        if not rows:
            return
        cols: list[list[Any]] = [[] for _ in _ACTIVITY_COLUMNS]
        for row in rows:
            a = row.activity
            values = (
                a.activity_id, a.start_local.replace(tzinfo=None), _offset_minutes(a.start_local),
                a.local_date, a.distance_m, a.duration_s, a.activity_type, a.external_id,
                a.is_treadmill, a.heart_rate_avg, a.notes, row.fingerprint, row.payload,
            )  # fmt: skip
            for col, value in zip(cols, values, strict=True):
                col.append(value)
        columns = (*_ACTIVITY_COLUMNS, "deleted_at", "synced_at")
        selects = ", ".join(f"unnest(${i + 1})" for i in range(len(_ACTIVITY_COLUMNS)))
        n = len(_ACTIVITY_COLUMNS)
        self._con.execute(
            f"INSERT OR REPLACE INTO activities ({', '.join(columns)}) "  # noqa: S608
            f"SELECT *, NULL::TIMESTAMPTZ, ${n + 1} FROM (SELECT {selects})",
            [*cols, at],
        )

    def _replace_splits(self, rows: Sequence[StoredActivity]) -> None:
        if not rows:
            return
        self._con.execute(
            "DELETE FROM splits WHERE activity_id IN (SELECT unnest($1))",
            [[r.activity.activity_id for r in rows]],
        )
        # One JSON array per activity, serialised by pydantic-core and parsed by DuckDB:
        # five times faster than handing DuckDB a Python object per value.
        with_splits = [r for r in rows if r.splits]
        ids = [r.activity.activity_id for r in rows]
        if with_splits:
            self._con.execute(
                _INSERT_SPLITS_SQL,
                [
                    [r.activity.activity_id for r in with_splits],
                    [
                        _SPLITS_JSON.dump_json(list(r.splits or ()), include=_SPLIT_FIELDS).decode()
                        for r in with_splits
                    ],
                ],
            )
        self._con.execute(
            f"""
            UPDATE activities SET best_mile_s = best.seconds
            FROM (
                SELECT a.activity_id, min(m.seconds) AS seconds
                FROM (SELECT unnest($1::VARCHAR[]) AS activity_id) a
                LEFT JOIN ({_MILE_TIMES_SQL}) m USING (activity_id)
                GROUP BY a.activity_id
            ) best
            WHERE activities.activity_id = best.activity_id
            """,  # noqa: S608 - built from constants
            [ids],
        )

    def _mark_deleted(self, ids: Sequence[str], at: datetime) -> None:
        if ids:
            self._con.execute(
                "UPDATE activities SET deleted_at = $2 "
                "WHERE activity_id IN (SELECT unnest($1)) AND deleted_at IS NULL",
                [list(ids), at],
            )

    def _insert_quarantine(self, rows: Sequence[QuarantinedPayload], at: datetime) -> None:
        if rows:
            self._con.execute(
                "INSERT INTO quarantine (source, activity_id, reason, payload, received_at) "
                "SELECT unnest($1), unnest($2), unnest($3), unnest($4), $5",
                [
                    [r.source for r in rows],
                    [r.activity_id for r in rows],
                    [r.reason for r in rows],
                    [r.payload for r in rows],
                    at,
                ],
            )

    def _set_state(self, key: str, value: Any, at: datetime) -> None:
        self._con.execute(
            "INSERT OR REPLACE INTO sync_state VALUES ($1, $2, $3)",
            [key, json.dumps(value, sort_keys=True, default=str), at],
        )

    def set_state(self, key: str, value: Any) -> None:
        self.apply(Batch(state={key: value}))

    # -- reading ---------------------------------------------------------------------------

    def _all(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query; a damaged file (DuckDB reads blocks lazily, so a truncated or
        corrupt one may open fine and fail only here) raises StoreCorrupt, never duckdb's own."""
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            raise _query_error(self.label, exc, "read") from exc

    def _one(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        try:
            return self._con.execute(sql, params).fetchone()
        except duckdb.Error as exc:
            raise _query_error(self.label, exc, "read") from exc

    def get_state(self, key: str, default: Any = None) -> Any:
        row = self._one("SELECT value FROM sync_state WHERE key = $1", [key])
        return json.loads(row[0]) if row else default

    def activities(
        self, *, include_deleted: bool = False, ids: Iterable[str] | None = None
    ) -> list[Activity]:
        """Stored runs (all, or those in `ids`) as domain Activities, in start order."""
        where = "TRUE" if include_deleted else "deleted_at IS NULL"
        sql = (
            "SELECT activity_id, start_local, utc_offset_min, distance_m, duration_s, "
            "activity_type, external_id, is_treadmill, heart_rate_avg, notes "
            "FROM activities WHERE " + where + " "
            "AND ($1::VARCHAR[] IS NULL OR list_contains($1::VARCHAR[], activity_id)) "
            "ORDER BY start_local - to_minutes(utc_offset_min)"
        )
        rows = self._all(sql, [None if ids is None else list(ids)])
        # Rows were validated as Activities on the way in; rebuilding them unvalidated keeps
        # a 20-year history well inside the stats budget.
        return [
            Activity.model_construct(
                activity_id=r[0],
                start_local=r[1].replace(tzinfo=_offset_zone(r[2])),
                distance_m=r[3],
                duration_s=r[4],
                activity_type=r[5],
                external_id=r[6],
                is_treadmill=r[7],
                heart_rate_avg=r[8],
                notes=r[9],
            )
            for r in rows
        ]

    def run_facts(self, *, until: datetime | None = None) -> list[RunFacts]:
        """The live runs (started by `until`, if given) as cheap facts, in start order."""
        rows = self._all(
            f"SELECT {_FACTS_COLUMNS} "  # noqa: S608
            f"FROM activities WHERE deleted_at IS NULL AND {_started_by('$1')} "
            "ORDER BY start_local - to_minutes(utc_offset_min)",
            [until],
        )
        return _facts(rows)

    def days(self, *, until: datetime | None = None) -> list[Day]:
        """Live runs added up per local date inside DuckDB (no per-run Python objects)."""
        rows = self._all(
            "SELECT local_date, count(*), sum(distance_m), sum(duration_s), max(distance_m) "  # noqa: S608
            f"FROM activities WHERE deleted_at IS NULL AND {_started_by('$1')} "
            "GROUP BY local_date ORDER BY local_date",
            [until],
        )
        return [Day(r[0], (), r[1], r[2], r[3], r[4]) for r in rows]

    def record_candidates(
        self, race_windows_m: Sequence[tuple[float, float]], *, until: datetime | None = None
    ) -> list[RunFacts]:
        """The only runs that can hold a run record: the longest, and those in a race window."""
        windows = " OR ".join(
            f"distance_m BETWEEN {float(lo)!r} AND {float(hi)!r}" for lo, hi in race_windows_m
        )
        rows = self._all(
            f"SELECT {_FACTS_COLUMNS} "  # noqa: S608
            f"FROM activities WHERE deleted_at IS NULL AND {_started_by('$1')} "
            f"AND ({windows or 'FALSE'} OR distance_m = ("
            f"  SELECT max(distance_m) FROM activities "
            f"  WHERE deleted_at IS NULL AND {_started_by('$1')}))",
            [until],
        )
        return _facts(rows)

    def local_dates(self, activity_ids: Sequence[str]) -> dict[str, date]:
        if not activity_ids:
            return {}
        rows = self._all(
            "SELECT activity_id, local_date FROM activities "
            "WHERE activity_id IN (SELECT unnest($1))",
            [list(activity_ids)],
        )
        return {r[0]: r[1] for r in rows}

    def stored_payloads(self, activity_ids: Iterable[str]) -> dict[str, str]:
        """The SmashRun payload kept for each of `activity_ids` (deleted runs too); runs
        stored without one, or not stored at all, are left out."""
        ids = sorted(set(activity_ids))
        if not ids:
            return {}
        rows = self._all(
            "SELECT activity_id, payload FROM activities "
            "WHERE activity_id IN (SELECT unnest($1)) AND payload IS NOT NULL",
            [ids],
        )
        return {r[0]: r[1] for r in rows}

    def latest_start(self, *, until: datetime | None = None) -> datetime | None:
        row = self._one(
            "SELECT start_local, utc_offset_min FROM activities "  # noqa: S608
            f"WHERE deleted_at IS NULL AND {_started_by('$1')} "
            "ORDER BY start_local - to_minutes(utc_offset_min) DESC LIMIT 1",
            [until],
        )
        return row[0].replace(tzinfo=_offset_zone(row[1])) if row else None

    def splits(self, activity_ids: Iterable[str] | None = None) -> list[Split]:
        sql = (
            "SELECT activity_id, unit, idx, distance_m, elapsed_s, speed, heart_rate, "
            "elevation_gain_m, elevation_loss_m FROM splits"
        )
        params: list[Any] = []
        if activity_ids is not None:
            sql += " WHERE activity_id IN (SELECT unnest($1))"
            params.append(list(activity_ids))
        rows = self._all(sql + " ORDER BY activity_id, unit, idx", params)
        return [
            Split.model_construct(
                activity_id=r[0],
                unit=r[1],
                index=r[2],
                distance_m=r[3],
                elapsed_s=r[4],
                speed=r[5],
                heart_rate=r[6],
                elevation_gain_m=r[7],
                elevation_loss_m=r[8],
            )
            for r in rows
        ]

    def mile_times(self, *, until: datetime | None = None, best: bool = False) -> list[MileTime]:
        """Whole-mile times of live runs (started by `until`), computed inside DuckDB.

        Same maths as `domain.records.mile_times` (a test holds them equal). With `best`,
        only the fastest, read from the per-run best kept up to date on every write: the
        stats need one mile, not eighty thousand Python objects.
        """
        if best:
            row = self._one(
                "SELECT activity_id FROM activities WHERE deleted_at IS NULL "  # noqa: S608
                f"AND best_mile_s IS NOT NULL AND {_started_by('$1')} "
                "ORDER BY best_mile_s, activity_id LIMIT 1",
                [until],
            )
            if row is None:
                return []
            rows = self._all(
                f"SELECT activity_id, idx, seconds FROM ({_MILE_TIMES_SQL}) "  # noqa: S608
                "ORDER BY seconds, idx LIMIT 1",
                [[row[0]]],
            )
        else:
            rows = self._all(
                f"""
                SELECT m.activity_id, m.idx, m.seconds
                FROM ({_MILE_TIMES_SQL}) m JOIN (
                    SELECT activity_id FROM activities
                    WHERE deleted_at IS NULL AND {_started_by("$2")}
                ) USING (activity_id)
                """,  # noqa: S608 - built from constants
                [None, until],
            )
        return [MileTime.model_construct(activity_id=r[0], index=r[1], seconds=r[2]) for r in rows]

    def fingerprints(self) -> dict[str, str]:
        """Fingerprints of the live runs: what the sync compares to skip unchanged ones."""
        rows = self._all("SELECT activity_id, fingerprint FROM activities WHERE deleted_at IS NULL")
        return {r[0]: r[1] for r in rows}

    def live_ids(self) -> set[str]:
        rows = self._all("SELECT activity_id FROM activities WHERE deleted_at IS NULL")
        return {r[0] for r in rows}

    def count(self, table: str) -> int:
        if table not in {"activities", "splits", "quarantine", "runs"}:
            raise ValueError(f"unknown table {table}")
        row = self._one(f"SELECT count(*) FROM {table}")  # noqa: S608
        return int(row[0]) if row else 0

    def quarantined(self) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT id, source, activity_id, reason, payload, received_at "
            "FROM quarantine ORDER BY id"
        )
        keys = ("id", "source", "activity_id", "reason", "payload", "received_at")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def rows(self, relation: duckdb.DuckDBPyRelation) -> list[tuple[Any, ...]]:
        """The rows of a relation built on this store, read with the store's errors."""
        try:
            return relation.fetchall()
        except duckdb.Error as exc:
            raise _query_error(self.label, exc, "read", self.path) from exc

    # -- relations for the notebook -----------------------------------------------------------

    def runs_relation(self) -> duckdb.DuckDBPyRelation:
        return self._con.sql("SELECT * FROM runs ORDER BY start_local - to_minutes(utc_offset_min)")

    def splits_relation(self) -> duckdb.DuckDBPyRelation:
        return self._con.sql(
            "SELECT s.* FROM splits s JOIN runs USING (activity_id) ORDER BY activity_id, unit, idx"
        )


# -- opening files safely ------------------------------------------------------------------

# Every DuckDB file starts with an 8-byte checksum and these magic bytes; anything else (a
# text file, a SQLite database, an empty file) is refused before DuckDB sees it, so DuckDB
# never tries to fetch an extension to read someone's other file.
_MAGIC = b"DUCK"
_MAGIC_AT = 8

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


def refuse_directory(file: Path, label: str) -> None:
    """A directory where the database file should be is a setting to fix, not a database."""
    if file.is_dir():
        raise ConfigError(
            f"{label} is a directory, not a database file: name the file in it, "
            f"e.g. --db {label.rstrip('/')}/runs.duckdb"
        )


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
        raise _query_error(name, exc, "checkpoint", file) from exc
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
    return _corrupt(label, _detail(exc, file, label))


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


def _query_error(
    label: str, exc: duckdb.Error, action: str, file: Path | None = None
) -> StoreError:
    detail = _detail(exc, file, label)
    if type(exc) is duckdb.Error or isinstance(exc, _DAMAGE):
        return _corrupt(label, detail)
    return StoreError(f"could not {action} {label}: {detail}")


def _corrupt(label: str, detail: str) -> StoreCorrupt:
    return StoreCorrupt(
        f"{label} is not a readable streakcore database ({detail}). "
        "It was left untouched; restore a backup or point --db elsewhere."
    )


def _detail(exc: BaseException, file: Path | None, label: str) -> str:
    """DuckDB's first line, naming the runner's file where it named a private copy."""
    lines = str(exc).splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text.replace(str(file), label) if file is not None else text


def _check_magic(file: Path, label: str) -> None:
    try:
        with file.open("rb") as handle:
            head = handle.read(_MAGIC_AT + len(_MAGIC))
    except OSError as exc:
        raise ConfigError(f"cannot read {label}: {exc.strerror}") from exc
    if head[_MAGIC_AT:] != _MAGIC:
        raise _corrupt(label, "not a DuckDB file" if head else "the file is empty")


def _check_complete(con: duckdb.DuckDBPyConnection, file: Path, label: str) -> None:
    """Refuse a file cut short. DuckDB reads blocks only when a query needs them, so a
    truncated file opens fine; the blocks it says are in use must fit in the file."""
    row = con.execute(
        "SELECT block_size, used_blocks FROM pragma_database_size() "
        "WHERE database_name = current_database()"
    ).fetchone()
    if row is None:
        return
    needed = int(row[0]) * int(row[1])
    size = file.stat().st_size
    if size < needed:
        raise _corrupt(
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
            row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
            version = int(row[0]) if row else 0
        _check_complete(con, file, label)
    except duckdb.Error as exc:
        raise _query_error(label, exc, "read", file) from exc
    finally:
        con.close()
    if version > LATEST_VERSION:
        raise StoreTooNew(
            f"{label} has schema version {version}, newer than this streakcore understands "
            f"({LATEST_VERSION}). Upgrade streakcore (pip install -U streakcore); the file "
            "was left untouched."
        )
    return version
