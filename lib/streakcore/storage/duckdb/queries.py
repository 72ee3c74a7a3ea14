"""The DuckDB run store's reads: the rows the sync and the stats ask for, added up inside
DuckDB where that saves building Python objects, and the relations the notebook shows.

Every read is fetched whole (`fetchall`): a result left open on a connection stops DuckDB 2
from running any other relation on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb

from streakcore.domain.days import Day
from streakcore.domain.models import Activity, RunFacts, Split
from streakcore.domain.records import FULL_SPLIT_TOLERANCE, MileTime
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import METRES_PER_MILE
from streakcore.ports import STORE_TABLES
from streakcore.storage.duckdb.classify import query_error

# Which days count under each rule ($1 the rule's minimum distance in metres).
_QUALIFIES = {
    RuleName.USRSA: "sum(distance_m) >= $1",
    RuleName.STRICT: "max(distance_m) >= $1",
    RuleName.ANY: "count(*) > 0",
}

# Whole miles from cumulative mile splits, optionally of some activities only ($1 a list).
MILE_TIMES_SQL = f"""
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


COUNTED = "deleted_at IS NULL AND duplicate_of IS NULL"
"""SQL: the rows that count (the `runs` view): not deleted, and not a copy of another run
(`duplicates.settle_duplicates`)."""
SMASHRUN_ROWS = "deleted_at IS NULL AND source = 'smashrun'"
"""SQL: what the sync mirrors, copies of imported runs included."""

_TZ_CACHE: dict[int, timezone] = {}
_FACTS_COLUMNS = (
    "activity_id, start_local, utc_offset_min, local_date, distance_m, duration_s, source"
)


def _offset_zone(minutes: int) -> timezone:
    zone = _TZ_CACHE.get(minutes)
    if zone is None:
        zone = _TZ_CACHE[minutes] = timezone(timedelta(minutes=minutes))
    return zone


def _facts(rows: Sequence[tuple[Any, ...]]) -> list[RunFacts]:
    """RunFacts from rows of `_FACTS_COLUMNS`."""
    zone = _offset_zone
    return [RunFacts(r[0], r[1].replace(tzinfo=zone(r[2])), r[3], r[4], r[5], r[6]) for r in rows]


class RunQueries:
    """The reads of `DuckDBRunStore` (its connection and label)."""

    _con: duckdb.DuckDBPyConnection
    path: Path | None
    label: str

    def _all(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of a query; a damaged file (DuckDB reads blocks lazily, so a truncated or
        corrupt one may open fine and fail only here) raises StoreCorrupt, never duckdb's own."""
        try:
            return self._con.execute(sql, params).fetchall()
        except duckdb.Error as exc:
            raise query_error(self.label, exc, "read") from exc

    def _one(self, sql: str, params: Sequence[Any] | None = None) -> tuple[Any, ...] | None:
        rows = self._all(sql, params)
        return rows[0] if rows else None

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
            "activity_type, external_id, is_treadmill, heart_rate_avg, notes, source, "
            "source_id, zone_source "
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
                source=r[10],
                source_id=None if r[10] == "smashrun" else r[11],
                zone_source=r[12],
            )
            for r in rows
        ]

    def run_facts(self, *, until: datetime | None = None) -> list[RunFacts]:
        """The live runs (started by `until`, if given) as cheap facts, in start order."""
        rows = self._all(
            f"SELECT {_FACTS_COLUMNS} "  # noqa: S608
            f"FROM activities WHERE {COUNTED} AND {_started_by('$1')} "
            "ORDER BY start_local - to_minutes(utc_offset_min)",
            [until],
        )
        return _facts(rows)

    def days(self, *, until: datetime | None = None) -> list[Day]:
        """Live runs added up per local date inside DuckDB (no per-run Python objects)."""
        rows = self._all(
            "SELECT local_date, count(*), sum(distance_m), sum(duration_s), max(distance_m) "  # noqa: S608
            f"FROM activities WHERE {COUNTED} AND {_started_by('$1')} "
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
            f"FROM activities WHERE {COUNTED} AND {_started_by('$1')} "
            f"AND ({windows or 'FALSE'} OR distance_m = ("
            f"  SELECT max(distance_m) FROM activities "
            f"  WHERE {COUNTED} AND {_started_by('$1')}))",
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
            f"WHERE {COUNTED} AND {_started_by('$1')} "
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
                f"SELECT activity_id FROM activities WHERE {COUNTED} "  # noqa: S608
                f"AND best_mile_s IS NOT NULL AND {_started_by('$1')} "
                "ORDER BY best_mile_s, activity_id LIMIT 1",
                [until],
            )
            if row is None:
                return []
            rows = self._all(
                f"SELECT activity_id, idx, seconds FROM ({MILE_TIMES_SQL}) "  # noqa: S608
                "ORDER BY seconds, idx LIMIT 1",
                [[row[0]]],
            )
        else:
            rows = self._all(
                f"""
                SELECT m.activity_id, m.idx, m.seconds
                FROM ({MILE_TIMES_SQL}) m JOIN (
                    SELECT activity_id FROM activities
                    WHERE {COUNTED} AND {_started_by("$2")}
                ) USING (activity_id)
                """,  # noqa: S608 - built from constants
                [None, until],
            )
        return [MileTime.model_construct(activity_id=r[0], index=r[1], seconds=r[2]) for r in rows]

    def fingerprints(self) -> dict[str, str]:
        """Fingerprints of the live runs: what the sync compares to skip unchanged ones."""
        rows = self._all(
            f"SELECT activity_id, fingerprint FROM activities WHERE {SMASHRUN_ROWS}"  # noqa: S608
        )
        return {r[0]: r[1] for r in rows}

    def live_ids(self) -> set[str]:
        rows = self._all(f"SELECT activity_id FROM activities WHERE {SMASHRUN_ROWS}")  # noqa: S608
        return {r[0] for r in rows}

    def source_counts(self, *, until: datetime | None = None) -> dict[str, int]:
        rows = self._all(
            f"SELECT source, count(*) FROM activities WHERE {COUNTED} "  # noqa: S608
            f"AND {_started_by('$1')} GROUP BY source ORDER BY source",
            [until],
        )
        return {r[0]: int(r[1]) for r in rows}

    def count(self, table: str) -> int:
        if table not in STORE_TABLES:
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
            raise query_error(self.label, exc, "read", self.path) from exc

    # -- relations for the notebook -----------------------------------------------------------

    def runs_relation(self) -> duckdb.DuckDBPyRelation:
        return self._con.sql("SELECT * FROM runs ORDER BY start_local - to_minutes(utc_offset_min)")

    def streaks_relation(self, rule: StreakRule) -> duckdb.DuckDBPyRelation:
        """Every streak under `rule` (start, end, days, distance_m, runs), longest first.

        DuckDB may read blocks while it plans the query, so a damaged file can fail here,
        before any row is fetched: that failure gets the store's errors too.
        """
        params = [] if rule.name is RuleName.ANY else [rule.min_distance_m]
        try:
            return self._con.sql(
                f"""
                WITH days AS (
                    SELECT local_date, sum(distance_m) AS distance_m, count(*) AS runs
                    FROM runs GROUP BY local_date HAVING {_QUALIFIES[rule.name]}
                ), islands AS (
                    SELECT *, local_date - CAST(row_number() OVER (ORDER BY local_date) AS INTEGER)
                           AS island
                    FROM days
                )
                SELECT min(local_date) AS start, max(local_date) AS "end", count(*) AS days,
                       sum(distance_m) AS distance_m, CAST(sum(runs) AS INTEGER) AS runs
                FROM islands GROUP BY island ORDER BY days DESC, "end" DESC
                """,  # noqa: S608 - the HAVING clause is one of three constants
                params=params,
            )
        except duckdb.Error as exc:
            raise query_error(self.label, exc, "read", self.path) from exc

    def splits_relation(self) -> duckdb.DuckDBPyRelation:
        return self._con.sql(
            "SELECT s.* FROM splits s JOIN runs USING (activity_id) ORDER BY activity_id, unit, idx"
        )
