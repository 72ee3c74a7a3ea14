"""The client-side request budget: stay under SmashRun's limits instead of meeting its 429s.

A sliding window, not a token bucket: a bucket that starts full and refills at the hourly
rate lets twice the limit through in the first hour. The window holds the instants of the
last hour's requests, so there are at most `requests_per_hour` in ANY 60 minutes, and at
most `burst` in any `BURST_WINDOW_S` (well under the ~80 in 10 s that drew 429s).

The window is persisted between runs (sync_state), so ten scheduled runs in an hour share
one hour's worth. Restoring merges (a union of the requests) instead of replacing: a sync
retried after a conflict reloads the winner's window and must still count the requests its
losing attempt spent.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from streakcore.errors import RequestBudgetSpent
from streakcore.ports import Deadline

WINDOW_S = 3600.0
BURST_WINDOW_S = 10.0
MAX_BURST = 40
"""Half of what SmashRun was seen to tolerate in `BURST_WINDOW_S`."""

EXACT_UP_TO = 1_000
"""Budgets up to this (four times SmashRun's) keep every request's own instant.

Above it (a test server or a benchmark) requests are counted per `COARSE_S` and recorded
at the end of theirs, so the window never holds more than 3,600 entries whatever the
budget. Moving a request later can only delay the next one, never let it through early.
"""
COARSE_S = 1.0

MIN_WAIT_S = 0.001
"""Waits are at least this long: a wait below the clock's resolution would never end."""


class _Window:
    """Requests as (instant, how many), in time order; thread-unsafe (the budget locks)."""

    def __init__(self) -> None:
        self.instants: list[float] = []
        self.counts: list[int] = []
        self.total = 0

    def add(self, instant: float, count: int = 1) -> None:
        i = bisect.bisect_left(self.instants, instant)
        if i < len(self.instants) and self.instants[i] == instant:
            self.counts[i] += count
        else:
            self.instants.insert(i, instant)
            self.counts.insert(i, count)
        self.total += count

    def union(self, instant: float, count: int) -> None:
        """Merge a request another copy of this window may also hold: the same instant is
        the same requests, so the larger count wins instead of adding up."""
        i = bisect.bisect_left(self.instants, instant)
        if i < len(self.instants) and self.instants[i] == instant:
            if count > self.counts[i]:
                self.total += count - self.counts[i]
                self.counts[i] = count
        else:
            self.add(instant, count)

    def forget_until(self, cutoff: float) -> None:
        """Drop the requests at or before `cutoff`: they have left the window."""
        i = bisect.bisect_right(self.instants, cutoff)
        if i:
            self.total -= sum(self.counts[:i])
            del self.instants[:i]
            del self.counts[:i]

    def wait_s(self, now: float, span_s: float, limit: int) -> float:
        """How long until one more request keeps at most `limit` within any `span_s`."""
        start = bisect.bisect_right(self.instants, now - span_s)
        within = sum(self.counts[start:])
        if within < limit:
            return 0.0
        must_leave = within - limit + 1
        left = 0
        for instant, count in zip(self.instants[start:], self.counts[start:], strict=True):
            left += count
            if left >= must_leave:
                return max(MIN_WAIT_S, instant + span_s - now)
        raise AssertionError("unreachable: the window holds `within` requests")

    def entries(self) -> list[list[float | int]]:
        return [[t, n] for t, n in zip(self.instants, self.counts, strict=True)]


def burst_for(requests_per_hour: int) -> int:
    """The burst cap per `BURST_WINDOW_S`: `MAX_BURST` for any budget SmashRun grants.

    Above 1,440 requests an hour (a test server, not SmashRun) it grows with the budget
    (a 36th of it), so it does not become the bottleneck of a benchmark.
    """
    return max(1, min(MAX_BURST, requests_per_hour // 6), requests_per_hour // 36)


class RequestBudget:
    """Thread-safe: the sync's split fetchers share one budget.

    `clock` is wall time (the window is persisted, so it must mean the same in the next
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
        self._per_hour = requests_per_hour
        self._burst = burst if burst is not None else burst_for(requests_per_hour)
        self._coarse = requests_per_hour > EXACT_UP_TO
        self._window = _Window()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, deadline: Deadline | None = None) -> None:
        """Record one request, waiting first if the wait ends before `deadline`.

        Raises RequestBudgetSpent(retry_after) when it would not.
        """
        while True:
            with self._lock:
                now = self._settle()
                wait = max(
                    self._window.wait_s(now, WINDOW_S, self._per_hour),
                    self._window.wait_s(now, BURST_WINDOW_S, self._burst),
                )
                if wait == 0:
                    self._window.add(self._recorded_at(now))
                    return
            if deadline is not None and not deadline.allows_wait(wait):
                raise RequestBudgetSpent(
                    math.ceil(wait),
                    f"the client-side request budget is spent for now (it keeps us under "
                    f"SmashRun's hourly limit); the next request fits in {math.ceil(wait)} s",
                )
            self._sleep(wait)

    def available(self) -> int:
        """Requests that could go out in this hour's window now (bursts aside)."""
        with self._lock:
            self._settle()
            return max(0, self._per_hour - self._window.total)

    @property
    def requests_per_hour(self) -> int:
        return self._per_hour

    def next_opening(self) -> float | None:
        """The instant (on `clock`) the hourly window next has room for a request, or None
        when it has room now. Bursts aside: they clear in seconds."""
        with self._lock:
            now = self._settle()
            wait = self._window.wait_s(now, WINDOW_S, self._per_hour)
        return now + wait if wait > 0 else None

    def snapshot(self) -> dict[str, Any]:
        """The window, for sync_state; `tokens` (what is left now) is what older versions
        of this budget read, so a rollback still starts from a sensible level."""
        with self._lock:
            now = self._settle()
            return {
                "requests": self._window.entries(),
                "at": now,
                "tokens": max(0, self._per_hour - self._window.total),
            }

    def restore(self, snapshot: Mapping[str, Any] | None) -> None:
        """Merge a persisted window into this one (a union: nothing either holds is lost).

        A malformed snapshot is ignored: the server's 429s still guard us.
        """
        if not isinstance(snapshot, Mapping):
            return
        entries = _entries(snapshot, self._per_hour)
        if entries is None:
            return
        with self._lock:
            now = self._clock()
            for instant, count in entries:
                # A request "from the future" (another machine's clock) counts from now,
                # so it holds the budget back for an hour, not until that clock comes round.
                self._window.union(self._recorded_at(min(instant, now)), count)
            self._settle()

    def _settle(self) -> float:
        now = self._clock()
        self._window.forget_until(now - WINDOW_S)
        return now

    def _recorded_at(self, instant: float) -> float:
        if not self._coarse:
            return instant
        return math.ceil(instant / COARSE_S) * COARSE_S


def _entries(snapshot: Mapping[str, Any], per_hour: int) -> list[tuple[float, int]] | None:
    """(instant, count) pairs from a snapshot, or None when it cannot be read."""
    try:
        if "requests" in snapshot:
            requests = snapshot["requests"]
            return [_entry(item) for item in requests] if isinstance(requests, list) else None
        # The token-bucket level older versions kept: what it had spent, all counted at
        # `at` (it can only be later than when they were really made).
        tokens = float(snapshot["tokens"])
        at = float(snapshot["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (math.isfinite(tokens) and math.isfinite(at)):
        return None
    spent = math.ceil(per_hour - min(max(tokens, 0.0), per_hour))
    return [(at, spent)] if spent > 0 else []


def _entry(item: Any) -> tuple[float, int]:
    instant, count = item
    if isinstance(instant, bool) or isinstance(count, bool) or not isinstance(count, int):
        raise TypeError("an entry is [instant, count]")
    instant = float(instant)
    if not math.isfinite(instant) or count < 1:
        raise ValueError("an entry is a finite instant and a positive count")
    return instant, count
