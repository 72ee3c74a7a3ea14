"""The client-side request budget: stay under SmashRun's limits instead of meeting its 429s.

Two token buckets. The hourly one holds `requests_per_hour` tokens and refills at that
rate; its level is persisted between runs (sync_state), so ten scheduled runs in an hour
cannot spend ten hours' worth. The burst one caps a short window well under the ~80
requests in 10 s that drew 429s.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from streakcore.errors import SmashRunRateLimited
from streakcore.ports import Deadline

BURST_WINDOW_S = 10.0
MAX_BURST = 40
"""Half of what SmashRun was seen to tolerate in `BURST_WINDOW_S`."""


@dataclass(slots=True)
class _Bucket:
    capacity: float
    refill_per_s: float
    tokens: float
    at: float

    def settle(self, now: float) -> None:
        elapsed = max(0.0, now - self.at)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_s)
        self.at = now

    def wait_for_one(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.refill_per_s


def burst_for(requests_per_hour: int) -> int:
    """The burst cap per `BURST_WINDOW_S`: `MAX_BURST` for any budget SmashRun grants.

    Above 1,440 requests an hour (a test server, not SmashRun) it grows with the budget
    (a 36th of it), so it does not become the bottleneck of a benchmark.
    """
    return max(1, min(MAX_BURST, requests_per_hour // 6), requests_per_hour // 36)


class RequestBudget:
    """Thread-safe: the sync's split fetchers share one budget.

    `clock` is wall time (the level is persisted, so it must mean the same in the next
    process); `sleep` is injectable so tests never wait.
    """

    def __init__(
        self,
        requests_per_hour: int,
        *,
        burst: int | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_hour < 1:
            raise ValueError("requests_per_hour must be at least 1")
        now = clock()
        burst_size = burst if burst is not None else burst_for(requests_per_hour)
        self._hourly = _Bucket(requests_per_hour, requests_per_hour / 3600, requests_per_hour, now)
        self._burst = _Bucket(burst_size, burst_size / BURST_WINDOW_S, burst_size, now)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, deadline: Deadline | None = None) -> None:
        """Take one request's worth, waiting if the wait ends before `deadline`.

        Raises SmashRunRateLimited(retry_after) when it would not.
        """
        while True:
            with self._lock:
                now = self._clock()
                self._hourly.settle(now)
                self._burst.settle(now)
                wait = max(self._hourly.wait_for_one(), self._burst.wait_for_one())
                if wait == 0:
                    self._hourly.tokens -= 1
                    self._burst.tokens -= 1
                    return
            if deadline is not None and not deadline.allows_wait(wait):
                raise SmashRunRateLimited(
                    math.ceil(wait),
                    f"the client-side request budget is spent for now (it keeps us under "
                    f"SmashRun's hourly limit); the next request fits in {math.ceil(wait)} s",
                )
            self._sleep(wait)

    def available(self) -> float:
        with self._lock:
            now = self._clock()
            self._hourly.settle(now)
            return self._hourly.tokens

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            self._hourly.settle(now)
            return {"tokens": round(self._hourly.tokens, 3), "at": now}

    def restore(self, snapshot: Mapping[str, Any] | None) -> None:
        """Continue from a persisted level; a malformed snapshot is ignored (full bucket
        is what a first run gets anyway, and the server's 429s still guard us)."""
        if not snapshot:
            return
        try:
            tokens = float(snapshot["tokens"])
            at = float(snapshot["at"])
        except (KeyError, TypeError, ValueError):
            return
        with self._lock:
            now = self._clock()
            # A clock that went backwards must not mint tokens.
            self._hourly.tokens = max(0.0, min(self._hourly.capacity, tokens))
            self._hourly.at = min(at, now)
            self._hourly.settle(now)
