"""The usage plan the local gateway enforces, as API Gateway does for each API key:
per-route request rates and a daily quota."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class RateLimit:
    requests: int
    per_s: float


ROUTE_LIMITS: Mapping[str, RateLimit] = {
    "/sync": RateLimit(requests=10, per_s=60),
    "/stats": RateLimit(requests=100, per_s=60),
}
DAILY_QUOTA = 1000


class Verdict(StrEnum):
    ALLOWED = "allowed"
    THROTTLED = "throttled"
    """Over the route's rate: API Gateway says 429 Too Many Requests."""
    QUOTA_EXCEEDED = "quota_exceeded"
    """Over the key's daily quota: API Gateway says 429 Limit Exceeded."""


class UsagePlan:
    """Sliding-window rates per key and route; a quota per key and UTC day."""

    def __init__(
        self,
        route_limits: Mapping[str, RateLimit] = ROUTE_LIMITS,
        daily_quota: int = DAILY_QUOTA,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._limits = dict(route_limits)
        self._quota = daily_quota
        self._clock = clock
        self._recent: dict[tuple[str, str], deque[float]] = {}
        self._used: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def admit(self, key_name: str, resource: str) -> Verdict:
        """Count this request against the key if it is allowed; say why if not."""
        with self._lock:
            now = self._clock()
            day = int(now // SECONDS_PER_DAY)
            if self._used.get((key_name, day), 0) >= self._quota:
                return Verdict.QUOTA_EXCEEDED
            limit = self._limits.get(resource)
            if limit is not None:
                window = self._recent.setdefault((key_name, resource), deque())
                while window and window[0] <= now - limit.per_s:
                    window.popleft()
                if len(window) >= limit.requests:
                    return Verdict.THROTTLED
                window.append(now)
            self._used[(key_name, day)] = self._used.get((key_name, day), 0) + 1
            return Verdict.ALLOWED
