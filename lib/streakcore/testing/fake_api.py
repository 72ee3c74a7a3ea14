"""The fake SmashRun's API under `/v1`: SmashRun's paging, `fromDate` by upload time, the
activity detail and its splits, and the rate limit a test may set."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from typing import Any

from streakcore.testing.activity_store import ActivityStore, StoredActivity
from streakcore.testing.fake_replies import Reply, json_reply, not_found, unauthorised
from streakcore.testing.rate_limit import SlidingWindowLimiter
from streakcore.testing.request_log import api_path
from streakcore.testing.smashrun_payloads import JsonObject

MAX_COUNT = 100
_ACTIVITY = re.compile(r"^/my/activities/(\d+)$")
_SPLITS = re.compile(r"^/my/activities/(\d+)/splits/(mi|km)$")
_SEARCHES = {
    "/my/activities/search": "summary",
    "/my/activities/search/briefs": "brief",
    "/my/activities/search/ids": "id",
}


class FakeApi:
    """The API's routes over the fake's activities and athlete."""

    def __init__(
        self,
        store: ActivityStore,
        user: JsonObject,
        limiter: SlidingWindowLimiter | None,
        lock: threading.Lock,
    ) -> None:
        self._store = store
        self._user = user
        self._limiter = limiter
        self._lock = lock

    def answer(
        self, method: str, path: str, query: Mapping[str, str], authorised: bool, now_s: float
    ) -> Reply:
        if not authorised:
            return unauthorised()
        if self._limiter is not None:
            with self._lock:
                retry_after_s = self._limiter.admit(now_s)
            if retry_after_s is not None:
                return json_reply(
                    429, {"error": "rate limit exceeded"}, **{"Retry-After": f"{retry_after_s:.0f}"}
                )
        if method != "GET":
            return json_reply(405, {"error": "method not allowed"}, Allow="GET")
        route = api_path(path)
        if route == "/my/userinfo":
            return json_reply(200, self._user)
        if route in _SEARCHES:
            return self._search(_SEARCHES[route], query, now_s)
        if (match := _ACTIVITY.match(route)) is not None:
            activity = self._store.get(int(match.group(1)), now_s)
            if activity is None:
                return not_found()
            return Reply(200, activity.detail_json)
        if (match := _SPLITS.match(route)) is not None:
            activity = self._store.get(int(match.group(1)), now_s)
            if activity is None:
                return not_found()
            return Reply(200, activity.splits_json(match.group(2)))
        return not_found()

    def _search(self, shape: str, query: Mapping[str, str], now_s: float) -> Reply:
        try:
            page = int(query.get("page", "0"))
            count = int(query.get("count", str(MAX_COUNT)))
            from_s = float(query["fromDate"]) if query.get("fromDate") else None
        except ValueError:
            return json_reply(
                400, {"error": "page and count must be integers, fromDate unix seconds"}
            )
        if page < 0:
            return json_reply(400, {"error": "page must be 0 or more"})
        if not 1 <= count <= MAX_COUNT:
            return json_reply(400, {"error": f"count must be between 1 and {MAX_COUNT}"})
        found = self._store.search(from_s=from_s, now_s=now_s, page=page, count=count)
        return json_reply(200, [_shaped(activity, shape) for activity in found])


def _shaped(activity: StoredActivity, shape: str) -> Any:
    if shape == "summary":
        return activity.summary
    if shape == "brief":
        return activity.brief
    return activity.activity_id
