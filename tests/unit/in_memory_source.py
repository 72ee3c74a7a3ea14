"""An ActivitySource in plain Python for the sync's unit tests: runs as domain Activities,
each with one mile split, ids listed for the deletion sweep, and errors a test can queue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from streakcore.domain.models import Activity, Split, SplitUnit
from streakcore.errors import SmashRunError, SmashRunNotFound
from streakcore.ports import SearchPage, SourceActivity, SplitsResult

MILE_M = 1609.344


class InMemorySource:
    page_size = 100

    def __init__(self, activities: Sequence[Activity] = ()) -> None:
        self.runs: dict[str, Activity] = {a.activity_id: a for a in activities}
        self.requests: list[str] = []
        self.failures: dict[str, list[SmashRunError]] = {}
        """Endpoint (`search`, `ids`, `activity`, `splits`) -> errors raised, in turn."""

    @property
    def requests_made(self) -> int:
        return len(self.requests)

    def fail(self, endpoint: str, *errors: SmashRunError) -> None:
        self.failures.setdefault(endpoint, []).extend(errors)

    def _ask(self, endpoint: str) -> None:
        self.requests.append(endpoint)
        queued = self.failures.get(endpoint)
        if queued:
            raise queued.pop(0)

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        self._ask("search")
        newest = sorted(self.runs.values(), key=lambda a: a.start_local, reverse=True)
        items = newest[page * self.page_size : (page + 1) * self.page_size]
        return SearchPage(accepted=[as_source(a) for a in items], size=len(items))

    def activity_ids(self, page: int) -> Sequence[str]:
        self._ask("ids")
        ids = sorted(self.runs)
        return ids[page * self.page_size : (page + 1) * self.page_size]

    def activity(self, activity_id: str) -> SearchPage:
        self._ask("activity")
        if activity_id not in self.runs:
            raise SmashRunNotFound(f"activity {activity_id} does not exist")
        return SearchPage(accepted=[as_source(self.runs[activity_id])], size=1)

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult:
        self._ask("splits")
        run = self.runs.get(activity_id)
        if run is None:
            raise SmashRunNotFound(f"activity {activity_id} does not exist")
        if run.distance_m < MILE_M:
            return SplitsResult()
        elapsed_s = run.duration_s * MILE_M / run.distance_m
        return SplitsResult(
            splits=[
                Split(
                    activity_id=activity_id,
                    unit=unit,
                    index=1,
                    distance_m=MILE_M,
                    elapsed_s=elapsed_s,
                )
            ]
        )


def as_source(activity: Activity) -> SourceActivity:
    """The summary as a source delivers it: the split key changes with the run's shape, the
    fingerprint with its notes too."""
    key = f"{activity.start_local.isoformat()}|{activity.distance_m}|{activity.duration_s}"
    return SourceActivity(
        activity=activity,
        fingerprint=f"{key}.{activity.notes or ''}",
        splits_key=key,
        payload=json.dumps({"activityId": activity.activity_id, "notes": activity.notes}),
    )
