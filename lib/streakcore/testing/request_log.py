"""Every request the fake answered, in arrival order: the benchmarks count these exactly."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

API_PREFIX = "/v1"


def api_path(path: str) -> str:
    """`/v1/my/userinfo` -> `/my/userinfo`; paths outside the API stay as they are."""
    if path.startswith(API_PREFIX + "/"):
        return path[len(API_PREFIX) :]
    return path


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    """As requested, including `/v1`, without the query."""
    query: Mapping[str, str]
    """Last value of each parameter; an access token in the query is masked."""
    status: int
    authorised: bool
    """The request carried credentials the fake accepted (a token, or the client secret)."""
    at: datetime
    """The fake's clock when the request arrived."""

    def matches(self, path_prefix: str) -> bool:
        return self.path.startswith(path_prefix) or api_path(self.path).startswith(path_prefix)


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def append(self, entry: RecordedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(
        self, path_prefix: str = "", *, method: str | None = None, status: int | None = None
    ) -> int:
        with self._lock:
            return sum(
                1
                for entry in self._entries
                if entry.matches(path_prefix)
                and (method is None or entry.method == method.upper())
                and (status is None or entry.status == status)
            )
