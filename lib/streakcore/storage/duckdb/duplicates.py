"""One run counted once in the DuckDB store: after every write, the rows it touched and
their neighbours are grouped again (`streakcore.domain.dedupe`) and each group's richest
record is the one that counts; the others point at it in `duplicate_of`.

This runs inside the write's own transaction, whoever writes (a sync, an import, a manual
log, a removal), so a SmashRun sync of a run already imported from a file merges into it
without the sync knowing, and no reader ever sees a day counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

import duckdb

from streakcore.domain.dedupe import START_TOLERANCE_S, SUMMARY_SOURCES, RunRecord, groups

_NEIGHBOURS_SQL = f"""
    WITH live AS (
        SELECT activity_id, source, coalesce(source_id, activity_id) AS source_id,
               start_local - to_minutes(utc_offset_min) AS start_utc, distance_m, duration_s,
               duplicate_of
        FROM activities WHERE deleted_at IS NULL
    ), touched AS (
        SELECT DISTINCT start_local - to_minutes(utc_offset_min) AS at FROM activities
        WHERE activity_id IN (SELECT unnest($1::VARCHAR[]))
    )
    SELECT l.activity_id, l.source, l.source_id, l.start_utc, l.distance_m, l.duration_s,
           l.duplicate_of,
           EXISTS (SELECT 1 FROM splits s WHERE s.activity_id = l.activity_id) AS has_splits
    FROM live l
    WHERE l.activity_id IN (SELECT unnest($1::VARCHAR[]))
       OR list_contains($1::VARCHAR[], l.duplicate_of)
       OR EXISTS (
           SELECT 1 FROM touched t
           WHERE l.start_utc BETWEEN t.at - INTERVAL {int(START_TOLERANCE_S)} SECOND
                                 AND t.at + INTERVAL {int(START_TOLERANCE_S)} SECOND
       )
"""  # noqa: S608 - built from constants

MAX_ROUNDS = 50
"""Groups chain (A~B, B~C): each round adds the neighbours of the rows found so far. Real
histories close in one or two rounds; the cap only bounds a pathological file."""


def _anything_to_group(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any row came from elsewhere than SmashRun or is marked a copy: SmashRun's
    own runs never group with each other, so a SmashRun-only history (every sync batch of
    it) has nothing to settle, and pays one cheap scan instead of the neighbour query."""
    row = con.execute(
        "SELECT EXISTS (SELECT 1 FROM activities "
        "WHERE source <> 'smashrun' OR duplicate_of IS NOT NULL)"
    ).fetchone()
    return bool(row and row[0])


def settle_duplicates(con: duckdb.DuckDBPyConnection, touched_ids: Sequence[str]) -> None:
    """Group the rows `touched_ids` (and every row chained to them) again, and point each
    group's other records at its richest one."""
    if not touched_ids or not _anything_to_group(con):
        return
    ids = sorted(set(touched_ids))
    rows: dict[str, tuple[Any, ...]] = {}
    for _ in range(MAX_ROUNDS):
        found = con.execute(_NEIGHBOURS_SQL, [ids]).fetchall()
        rows.update((r[0], r) for r in found)
        if set(rows) <= set(ids):
            break
        ids = sorted(set(ids) | set(rows))
    by_key: dict[tuple[str, str], str] = {}
    records: list[RunRecord] = []
    current: dict[str, str | None] = {}
    for activity_id, row in rows.items():
        source, source_id, start_utc, distance_m, duration_s = row[1:6]
        record = RunRecord(
            source=str(source),
            source_id=str(source_id),
            start_utc=start_utc.replace(tzinfo=UTC),
            distance_m=float(distance_m),
            duration_s=float(duration_s),
            has_splits=bool(row[7]),
            from_file=source not in SUMMARY_SOURCES,
        )
        records.append(record)
        by_key[record.key] = activity_id
        current[activity_id] = row[6]
    wanted: dict[str, str | None] = {}
    for group in groups(records):
        keep = by_key[group[0].key]
        wanted[keep] = None
        for other in group[1:]:
            wanted[by_key[other.key]] = keep
    changed = [(i, to) for i, to in wanted.items() if current.get(i) != to]
    if changed:
        con.execute(
            "UPDATE activities SET duplicate_of = c.to_id FROM ("
            "SELECT unnest($1::VARCHAR[]) AS id, unnest($2::VARCHAR[]) AS to_id) c "
            "WHERE activities.activity_id = c.id",
            [[i for i, _ in changed], [to for _, to in changed]],
        )
