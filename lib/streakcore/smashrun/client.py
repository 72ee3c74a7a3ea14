"""SmashRun's API, one method per endpoint we use.

List endpoints return the items still as JSON objects: each one is validated on its own
(`convert.py`), so one strange run is quarantined instead of failing its whole page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from streakcore.domain.models import SplitUnit
from streakcore.errors import SmashRunError
from streakcore.smashrun.http import SmashRunHttp

JsonObject = dict[str, Any]

MAX_PAGE_SIZE = 100
"""SmashRun's largest `count`."""


class SmashRunClient:
    def __init__(self, http: SmashRunHttp) -> None:
        self._http = http

    @property
    def requests_made(self) -> int:
        return self._http.requests_made

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SmashRunClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def search(
        self, from_date: datetime | None = None, page: int = 0, count: int = MAX_PAGE_SIZE
    ) -> list[JsonObject | Any]:
        """Activities new or updated since `from_date` (upload time), newest first."""
        return _list_of(
            "search", self._http.get_json("my/activities/search", _paging(from_date, page, count))
        )

    def ids(
        self, from_date: datetime | None = None, page: int = 0, count: int = MAX_PAGE_SIZE
    ) -> list[str]:
        """Activity ids, paged like `search`: sweeping every page finds deletions."""
        items = _list_of(
            "search/ids",
            self._http.get_json("my/activities/search/ids", _paging(from_date, page, count)),
        )
        if not all(isinstance(i, int | str) and not isinstance(i, bool) for i in items):
            raise SmashRunError("SmashRun's id list holds something other than ids")
        return [str(i) for i in items]

    def activity(self, activity_id: str) -> JsonObject:
        body = self._http.get_json(f"my/activities/{_id_segment(activity_id)}")
        if not isinstance(body, dict):
            raise SmashRunError(f"SmashRun's activity {activity_id} is not a JSON object")
        return body

    def splits(self, activity_id: str, unit: SplitUnit) -> list[JsonObject | Any]:
        """Cumulative splits in `unit`; empty for runs without GPS."""
        return _list_of(
            "splits",
            self._http.get_json(f"my/activities/{_id_segment(activity_id)}/splits/{unit}"),
        )


def _paging(from_date: datetime | None, page: int, count: int) -> dict[str, str | int]:
    if not 1 <= count <= MAX_PAGE_SIZE:
        raise ValueError(f"count must be 1..{MAX_PAGE_SIZE}")
    params: dict[str, str | int] = {"page": page, "count": count}
    if from_date is not None:
        params["fromDate"] = int(from_date.timestamp())
    return params


def _list_of(what: str, body: Any) -> list[Any]:
    if body is None:
        return []
    if not isinstance(body, list):
        raise SmashRunError(f"SmashRun's {what} answer is not a JSON list")
    return body


def _id_segment(activity_id: str) -> str:
    # Ids come from SmashRun and are numeric; refusing anything else keeps a stored id
    # from steering the request elsewhere.
    if not activity_id.isdigit():
        raise SmashRunError(f"not a SmashRun activity id: {activity_id!r}")
    return activity_id
