"""The fake's activities: indexed by id, kept newest first, filtered by upload time.

A benchmark sync asks for thousands of pages and splits, so lookups by id are dict hits,
the newest-first order is sorted once per change, and the filtered list behind a paged
search is cached for as long as neither the data nor the set of uploaded runs changes.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from streakcore.errors import ConfigError
from streakcore.testing.faults import as_json
from streakcore.testing.smashrun_payloads import JsonObject, brief_of, summary_of

_FILTER_CACHE_SIZE = 8


@dataclass(frozen=True)
class StoredActivity:
    activity_id: int
    detail: JsonObject
    splits_mi: list[JsonObject]
    splits_km: list[JsonObject]
    start_s: float
    """Unix instant the run started: the search order."""
    uploaded_s: float
    """Unix instant it reached SmashRun: hidden from every endpoint before then."""
    changed_s: float
    """Upload or last edit: what `fromDate` compares against."""
    summary: JsonObject = field(init=False)
    brief: JsonObject = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "summary", summary_of(self.detail))
        object.__setattr__(self, "brief", brief_of(self.detail))

    @cached_property
    def detail_json(self) -> bytes:
        return as_json(self.detail)

    @cached_property
    def splits_mi_json(self) -> bytes:
        return as_json(self.splits_mi)

    @cached_property
    def splits_km_json(self) -> bytes:
        return as_json(self.splits_km)

    def splits_json(self, unit: str) -> bytes:
        return self.splits_mi_json if unit == "mi" else self.splits_km_json


def stored(
    detail: Mapping[str, Any],
    splits_mi: Sequence[JsonObject],
    splits_km: Sequence[JsonObject],
    *,
    uploaded_s: float,
    changed_s: float | None = None,
) -> StoredActivity:
    try:
        activity_id = int(detail["activityId"])
        start_s = datetime.fromisoformat(str(detail["startDateTimeLocal"])).timestamp()
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            "an activity needs an integer activityId and a startDateTimeLocal with its offset"
        ) from exc
    return StoredActivity(
        activity_id=activity_id,
        detail=dict(detail),
        splits_mi=list(splits_mi),
        splits_km=list(splits_km),
        start_s=start_s,
        uploaded_s=uploaded_s,
        changed_s=uploaded_s if changed_s is None else changed_s,
    )


class ActivityStore:
    def __init__(self, activities: Iterable[StoredActivity] = ()) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[int, StoredActivity] = {a.activity_id: a for a in activities}
        self._newest_first: list[StoredActivity] | None = None
        self._uploads: list[float] | None = None
        self._filtered: dict[tuple[float | None, int], list[StoredActivity]] = {}

    def put(self, activity: StoredActivity) -> None:
        with self._lock:
            self._by_id[activity.activity_id] = activity
            self._changed()

    def edit(self, activity_id: int, fields: Mapping[str, Any], now_s: float) -> None:
        with self._lock:
            current = self._require(activity_id)
            edited = stored(
                {**current.detail, **fields, "activityId": activity_id},
                current.splits_mi,
                current.splits_km,
                uploaded_s=current.uploaded_s,
                changed_s=now_s,
            )
            self._by_id[activity_id] = edited
            self._changed()

    def delete(self, activity_id: int) -> None:
        with self._lock:
            self._require(activity_id)
            del self._by_id[activity_id]
            self._changed()

    def next_id(self) -> int:
        with self._lock:
            return max(self._by_id, default=0) + 1

    def get(self, activity_id: int, now_s: float) -> StoredActivity | None:
        """The activity if it exists and has been uploaded by `now_s`."""
        activity = self._by_id.get(activity_id)
        if activity is None or activity.uploaded_s > now_s:
            return None
        return activity

    def search(
        self, *, from_s: float | None, now_s: float, page: int, count: int
    ) -> list[StoredActivity]:
        """One page, newest first, of what was uploaded by now and changed since `from_s`."""
        with self._lock:
            if self._newest_first is None:
                self._newest_first = sorted(
                    self._by_id.values(), key=lambda a: (a.start_s, a.activity_id), reverse=True
                )
                self._uploads = sorted(a.uploaded_s for a in self._newest_first)
            newest_first = self._newest_first
            assert self._uploads is not None
            # The uploaded runs are the n earliest uploads, so n names the set exactly.
            key = (from_s, bisect.bisect_right(self._uploads, now_s))
            selected = self._filtered.get(key)
            if selected is None:
                if len(self._filtered) >= _FILTER_CACHE_SIZE:
                    self._filtered.clear()
                selected = [
                    a
                    for a in newest_first
                    if a.uploaded_s <= now_s and (from_s is None or a.changed_s >= from_s)
                ]
                self._filtered[key] = selected
        return selected[page * count : (page + 1) * count]

    def _require(self, activity_id: int) -> StoredActivity:
        try:
            return self._by_id[activity_id]
        except KeyError:
            raise ConfigError(f"the fake has no activity {activity_id}") from None

    def _changed(self) -> None:
        self._newest_first = None
        self._uploads = None
        self._filtered.clear()
