"""The source as the sync sees it: it notes whether SmashRun (or our own request budget)
said "not now", so the report says so even when the sync carried on or ended for another
reason."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from streakcore.domain.models import SplitUnit
from streakcore.errors import SmashRunRateLimited
from streakcore.ports import ActivitySource, SearchPage, SplitsResult

_T = TypeVar("_T")


class RateLimitWatch:
    """An ActivitySource that notes the rate limits its calls met."""

    def __init__(self, inner: ActivitySource) -> None:
        self._inner = inner
        self.page_size = inner.page_size
        self.hit = False
        self.retry_after_s: float | None = None

    @property
    def requests_made(self) -> int:
        return self._inner.requests_made

    def _noted(self, call: Callable[[], _T]) -> _T:
        try:
            return call()
        except SmashRunRateLimited as exc:
            self.hit = True
            self.retry_after_s = max(self.retry_after_s or 0.0, exc.retry_after)
            raise

    def search(self, from_date: datetime | None, page: int) -> SearchPage:
        return self._noted(lambda: self._inner.search(from_date, page))

    def activity_ids(self, page: int) -> Sequence[str]:
        return self._noted(lambda: self._inner.activity_ids(page))

    def activity(self, activity_id: str) -> SearchPage:
        return self._noted(lambda: self._inner.activity(activity_id))

    def splits(self, activity_id: str, unit: SplitUnit) -> SplitsResult:
        return self._noted(lambda: self._inner.splits(activity_id, unit))
