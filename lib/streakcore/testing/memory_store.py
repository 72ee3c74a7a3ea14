"""`InMemoryRunStore`: the run store (`ports.RunStore`) in plain Python, for unit tests of
the use cases (cosmicpython's FakeRepository). No DuckDB, no files: a batch is applied to a
copy and swapped in, so a batch that fails leaves the store as it was, as a transaction does.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Self

from streakcore.domain.days import Day
from streakcore.domain.dedupe import SUMMARY_SOURCES, RunRecord, groups
from streakcore.domain.models import Activity, RunFacts, Split
from streakcore.domain.records import MileTime, mile_times
from streakcore.errors import StoreError
from streakcore.ports import STORE_TABLES, Batch, RejectedPayload


@dataclass(slots=True)
class _Row:
    activity: Activity
    fingerprint: str
    payload: str | None
    splits: list[Split] = field(default_factory=list)
    deleted_at: datetime | None = None
    duplicate_of: str | None = None


@dataclass(slots=True)
class _Tables:
    rows: dict[str, _Row] = field(default_factory=dict)
    state: dict[str, str] = field(default_factory=dict)
    quarantine: list[tuple[RejectedPayload, datetime]] = field(default_factory=list)


class InMemoryRunStore:
    """A run store in memory. `fail_after` applies that many batches, then refuses every
    further one with StoreError (a disk that filled up)."""

    def __init__(
        self, *, label: str = "the in-memory database", fail_after: int | None = None
    ) -> None:
        self.label = label
        self._tables = _Tables()
        self._fail_after = fail_after
        self.batches_applied = 0

    def close(self) -> None:
        return None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def apply(self, batch: Batch, *, now: datetime | None = None) -> None:
        if batch.is_empty():
            return
        if self._fail_after is not None and self.batches_applied >= self._fail_after:
            raise StoreError(f"could not write to {self.label}: the disk is full")
        at = now or datetime.now(UTC)
        tables = copy.deepcopy(self._tables)
        for stored in batch.activities:
            activity_id = stored.activity.activity_id
            kept = tables.rows.get(activity_id)
            splits = list(stored.splits) if stored.splits is not None else None
            if splits is None:
                splits = kept.splits if kept is not None else []
            tables.rows[activity_id] = _Row(
                stored.activity, stored.fingerprint, stored.payload, splits
            )
        for activity_id in batch.deleted_ids:
            row = tables.rows.get(activity_id)
            if row is not None and row.deleted_at is None:
                row.deleted_at = at
        _settle_duplicates(tables.rows)
        tables.quarantine.extend((rejected, at) for rejected in batch.quarantined)
        for key, value in batch.state.items():
            tables.state[key] = json.dumps(value, sort_keys=True, default=str)
        self._tables = tables
        self.batches_applied += 1

    def set_state(self, key: str, value: Any) -> None:
        self.apply(Batch(state={key: value}))

    def checkpoint(self) -> None:
        return None

    # -- reading ---------------------------------------------------------------------------

    def _live(self, until: datetime | None = None) -> list[_Row]:
        """The rows that count: not deleted, not a copy of another run."""
        rows = [
            r for r in self._tables.rows.values() if r.deleted_at is None and r.duplicate_of is None
        ]
        if until is not None:
            rows = [r for r in rows if r.activity.start_local <= until]
        return sorted(rows, key=lambda r: r.activity.start_local)

    def get_state(self, key: str, default: Any = None) -> Any:
        value = self._tables.state.get(key)
        return json.loads(value) if value is not None else default

    def _smashrun_rows(self) -> list[_Row]:
        return [
            r
            for r in self._tables.rows.values()
            if r.deleted_at is None and r.activity.source == "smashrun"
        ]

    def fingerprints(self) -> dict[str, str]:
        return {r.activity.activity_id: r.fingerprint for r in self._smashrun_rows()}

    def live_ids(self) -> set[str]:
        return {r.activity.activity_id for r in self._smashrun_rows()}

    def source_counts(self, *, until: datetime | None = None) -> dict[str, int]:
        return dict(sorted(Counter(r.activity.source for r in self._live(until)).items()))

    def activities(
        self, *, include_deleted: bool = False, ids: Iterable[str] | None = None
    ) -> list[Activity]:
        rows = sorted(self._tables.rows.values(), key=lambda r: r.activity.start_local)
        wanted = set(ids) if ids is not None else None
        return [
            r.activity
            for r in rows
            if (include_deleted or r.deleted_at is None)
            and (wanted is None or r.activity.activity_id in wanted)
        ]

    def stored_payloads(self, activity_ids: Iterable[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for activity_id in activity_ids:
            row = self._tables.rows.get(activity_id)
            if row is not None and row.payload is not None:
                found[activity_id] = row.payload
        return found

    def run_facts(self, *, until: datetime | None = None) -> list[RunFacts]:
        return [_facts(r.activity) for r in self._live(until)]

    def days(self, *, until: datetime | None = None) -> list[Day]:
        by_date: dict[date, list[Activity]] = {}
        for row in self._live(until):
            by_date.setdefault(row.activity.local_date, []).append(row.activity)
        return [
            Day(
                local_date,
                (),
                len(runs),
                sum(a.distance_m for a in runs),
                sum(a.duration_s for a in runs),
                max(a.distance_m for a in runs),
            )
            for local_date, runs in sorted(by_date.items())
        ]

    def record_candidates(
        self, race_windows_m: Sequence[tuple[float, float]], *, until: datetime | None = None
    ) -> list[RunFacts]:
        live = self._live(until)
        longest = max((r.activity.distance_m for r in live), default=None)
        return [
            _facts(r.activity)
            for r in live
            if r.activity.distance_m == longest
            or any(lo <= r.activity.distance_m <= hi for lo, hi in race_windows_m)
        ]

    def local_dates(self, activity_ids: Sequence[str]) -> dict[str, date]:
        rows = self._tables.rows
        return {i: rows[i].activity.local_date for i in activity_ids if i in rows}

    def latest_start(self, *, until: datetime | None = None) -> datetime | None:
        live = self._live(until)
        return live[-1].activity.start_local if live else None

    def mile_times(self, *, until: datetime | None = None, best: bool = False) -> list[MileTime]:
        times = mile_times(s for r in self._live(until) for s in r.splits)
        if not best or not times:
            return times
        return [min(times, key=lambda m: (m.seconds, m.activity_id, m.index))]

    def splits(self, activity_ids: Iterable[str] | None = None) -> list[Split]:
        wanted = set(activity_ids) if activity_ids is not None else None
        found = [
            s
            for r in self._tables.rows.values()
            if wanted is None or r.activity.activity_id in wanted
            for s in r.splits
        ]
        return sorted(found, key=lambda s: (s.activity_id, s.unit, s.index))

    def count(self, table: str) -> int:
        if table not in STORE_TABLES:
            raise ValueError(f"unknown table {table}")
        if table == "activities":
            return len(self._tables.rows)
        if table == "runs":
            return len(self._live())
        if table == "splits":
            return sum(len(r.splits) for r in self._tables.rows.values())
        return len(self._tables.quarantine)

    def quarantined(self) -> list[dict[str, Any]]:
        return [
            {
                "id": number,
                "source": rejected.source,
                "activity_id": rejected.activity_id,
                "reason": rejected.reason,
                "payload": rejected.payload,
                "received_at": at,
            }
            for number, (rejected, at) in enumerate(self._tables.quarantine, start=1)
        ]


def _facts(activity: Activity) -> RunFacts:
    return activity.facts()


def _settle_duplicates(rows: dict[str, _Row]) -> None:
    """Group every live row again; each group's richest record counts, the rest point at it
    (the whole store at once: a test store is small)."""
    by_key: dict[tuple[str, str], _Row] = {}
    records: list[RunRecord] = []
    for row in rows.values():
        row.duplicate_of = None
        if row.deleted_at is None:
            a = row.activity
            record = RunRecord(
                source=a.source,
                source_id=a.source_id or a.activity_id,
                start_utc=a.start_local.astimezone(UTC),
                distance_m=a.distance_m,
                duration_s=a.duration_s,
                has_splits=bool(row.splits),
                from_file=a.source not in SUMMARY_SOURCES,
            )
            by_key[record.key] = row
            records.append(record)
    for group in groups(records):
        keep = by_key[group[0].key].activity.activity_id
        for other in group[1:]:
            by_key[other.key].duplicate_of = keep
