"""SmashRun's request limits, as a sliding window the fake enforces with 429 + Retry-After."""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from streakcore.errors import ConfigError

_TEXT = re.compile(r"^\s*(\d+)\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_s: float

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window_s <= 0:
            raise ConfigError("a rate limit needs at least one request per positive window")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """`250/3600` -> 250 requests per 3,600 s."""
        match = _TEXT.match(text)
        if match is None:
            raise ConfigError(
                f"cannot read rate limit {text!r}: write REQUESTS/SECONDS, e.g. 80/10"
            )
        return cls(int(match.group(1)), float(match.group(2)))


SMASHRUN_HOURLY = RateLimit(250, 3600.0)
"""About what SmashRun allows a user token per hour."""
SMASHRUN_BURST = RateLimit(80, 10.0)
"""Bursts this large have drawn 429s."""


class SlidingWindowLimiter:
    """Admits a request when every limit has room in the window that ends now.

    Refused requests do not use up the window, so a client that backs off as told recovers.
    Not thread-safe: the fake calls it under its own lock.
    """

    def __init__(self, limits: Sequence[RateLimit]) -> None:
        self._windows = [(limit, deque[float](maxlen=limit.requests)) for limit in limits]

    def admit(self, now_s: float) -> float | None:
        """None when admitted, else the whole seconds to wait (at least 1)."""
        wait_s = 0.0
        for limit, admitted in self._windows:
            if len(admitted) == limit.requests:
                wait_s = max(wait_s, admitted[0] + limit.window_s - now_s)
        if wait_s > 0:
            return float(max(1, math.ceil(wait_s)))
        for _, admitted in self._windows:
            admitted.append(now_s)
        return None
