"""The fake's sense of "now": a start instant that ticks with real time and can be pushed on."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from streakcore.errors import ConfigError


class TickingClock:
    """Starts at `start` and moves with the machine's monotonic clock.

    Ticking (rather than frozen) by default lets a real client that honours `Retry-After`
    by sleeping see the rate-limit window pass; tests that want a frozen instant pass
    `clock=lambda: instant` to the fake and move it with `advance`.
    """

    def __init__(self, start: datetime, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None:
            raise ConfigError("the clock must start at an aware datetime")
        self._start = start
        self._monotonic = monotonic
        self._origin = monotonic()

    def __call__(self) -> datetime:
        return self._start + timedelta(seconds=self._monotonic() - self._origin)
