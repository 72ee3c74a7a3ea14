"""SmashRun as the sync's `ActivitySource`: the client's JSON, converted to the domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from streakcore.domain.models import SplitUnit
from streakcore.ports import RejectedPayload, SearchPage, SourceActivity, SplitsResult
from streakcore.smashrun.client import MAX_PAGE_SIZE, SmashRunClient
from streakcore.smashrun.convert import parse_activity, parse_splits


class SmashRunSource:
    page_size = MAX_PAGE_SIZE

    def __init__(self, client: SmashRunClient) -> None:
        self._client = client

    @property
    def requests_made(self) -> int:
        return self._client.requests_made

    def close(self) -> None:
        self._client.close()

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        items = self._client.search(from_date, page, self.page_size)
        return _page(items, "activities/search")

    def activity_ids(self, page: int) -> Sequence[str]:
        return self._client.ids(None, page, self.page_size)

    def activity(self, activity_id: str) -> SearchPage:
        return _page([self._client.activity(activity_id)], f"activities/{activity_id}")

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult:
        items = self._client.splits(activity_id, unit)
        return parse_splits(activity_id, unit, items, f"activities/{activity_id}/splits/{unit}")


def _page(items: Sequence[object], source: str) -> SearchPage:
    accepted: list[SourceActivity] = []
    rejected: list[RejectedPayload] = []
    for item in items:
        parsed = parse_activity(item, source)
        if isinstance(parsed, SourceActivity):
            accepted.append(parsed)
        else:
            rejected.append(parsed)
    return SearchPage(accepted=accepted, rejected=rejected, size=len(items))
