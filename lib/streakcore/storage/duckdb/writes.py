"""The DuckDB run store's writes: bulk (lists unnested inside DuckDB, never
`executemany`), each batch one transaction, so a crash leaves the file as it was before it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb
from pydantic import TypeAdapter

from streakcore.domain.models import Split
from streakcore.domain.records import best_mile_seconds
from streakcore.ports import Batch, RejectedPayload, StoredActivity
from streakcore.storage.duckdb.classify import query_error
from streakcore.storage.duckdb.duplicates import settle_duplicates

_ACTIVITY_COLUMNS = (
    "activity_id", "start_local", "utc_offset_min", "local_date", "distance_m", "duration_s",
    "activity_type", "external_id", "is_treadmill", "heart_rate_avg", "notes", "fingerprint",
    "payload", "source", "source_id", "zone_source",
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


def _offset_minutes(value: datetime) -> int:
    offset = value.utcoffset()
    assert offset is not None  # Activity guarantees an aware start
    return int(offset.total_seconds() // 60)


class RunWrites:
    """The writes of `DuckDBRunStore` (its connection and label)."""

    _con: duckdb.DuckDBPyConnection
    label: str

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def apply(self, batch: Batch, *, now: datetime | None = None) -> None:
        """Apply one batch atomically: upserts, split replacements, deletions, quarantine."""
        if batch.is_empty():
            return
        at = now or datetime.now(UTC)
        try:
            with self.transaction():
                if not batch.splits_only:
                    self._upsert_activities(batch.activities, at)
                self._replace_splits([s for s in batch.activities if s.splits is not None])
                self._mark_deleted(batch.deleted_ids, at)
                touched = [s.activity.activity_id for s in batch.activities]
                settle_duplicates(self._con, touched + batch.deleted_ids)
                self._insert_quarantine(batch.quarantined, at)
                self._set_states(batch.state, at)
        except duckdb.Error as exc:
            raise query_error(self.label, exc, "write to") from exc

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
                a.source, a.source_id or a.activity_id, a.zone_source,
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
        # The best mile from the splits in hand (the same whole-mile rule as
        # `MILE_TIMES_SQL`, in the domain's words): one small UPDATE instead of a window
        # query over the splits table for every batch.
        self._con.execute(
            "UPDATE activities SET best_mile_s = best.seconds "
            "FROM (SELECT unnest($1::VARCHAR[]) AS activity_id, unnest($2::DOUBLE[]) AS seconds) "
            "best WHERE activities.activity_id = best.activity_id",
            [
                [r.activity.activity_id for r in rows],
                [best_mile_seconds(r.splits or ()) for r in rows],
            ],
        )

    def _mark_deleted(self, ids: Sequence[str], at: datetime) -> None:
        if ids:
            self._con.execute(
                "UPDATE activities SET deleted_at = $2 "
                "WHERE activity_id IN (SELECT unnest($1)) AND deleted_at IS NULL",
                [list(ids), at],
            )

    def _insert_quarantine(self, rows: Sequence[RejectedPayload], at: datetime) -> None:
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

    def _set_states(self, state: Mapping[str, Any], at: datetime) -> None:
        if state:
            self._con.execute(
                "INSERT OR REPLACE INTO sync_state "
                "SELECT unnest($1::VARCHAR[]), unnest($2::VARCHAR[]), $3",
                [
                    list(state),
                    [json.dumps(value, sort_keys=True, default=str) for value in state.values()],
                    at,
                ],
            )

    def set_state(self, key: str, value: Any) -> None:
        self.apply(Batch(state={key: value}))
