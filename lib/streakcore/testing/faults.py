"""Faults a test injects into the fake: each fires on matching requests, in order, then stops."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Literal, get_args

from streakcore.errors import ConfigError
from streakcore.testing.request_log import api_path

FaultKind = Literal[
    "slow", "malformed", "error_body", "unknown_enum", "expired_token", "not_a_list"
]
Fault = int | FaultKind
"""An HTTP status (e.g. 500, 502, 503, 404) or one of the named kinds."""

FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
UNKNOWN_ENUM_VALUE = "hyperloop"
"""A value no SmashRun enum has ever had: a client must keep the run anyway."""
ENUM_FIELDS = ("activityType", "howFelt", "terrain", "weatherType")
ERROR_BODY = {"error": "An error has occurred. Please try again later."}
NOT_A_LIST_BODY = {"splits": "unavailable"}
"""Valid JSON, no error message, and not the list a list endpoint promises."""


@dataclass
class InjectedFault:
    pattern: str
    fault: Fault
    remaining: int
    slow_s: float
    headers: Mapping[str, str] = field(default_factory=dict)
    """Sent with an injected status (e.g. a Retry-After on a 429)."""

    def matches(self, path: str) -> bool:
        return fnmatchcase(path, self.pattern) or fnmatchcase(api_path(path), self.pattern)


class FaultQueue:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[InjectedFault] = []

    def inject(
        self,
        pattern: str,
        fault: Fault,
        *,
        times: int,
        slow_s: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(fault, bool) or not (
            (isinstance(fault, int) and 400 <= fault <= 599) or fault in FAULT_KINDS
        ):
            raise ConfigError(
                f"unknown fault {fault!r}: use an HTTP status 400-599 or one of "
                + ", ".join(FAULT_KINDS)
            )
        if times < 1:
            raise ConfigError("a fault must fire at least once (times >= 1)")
        with self._lock:
            self._faults.append(InjectedFault(pattern, fault, times, slow_s, dict(headers or {})))

    def take(self, path: str) -> InjectedFault | None:
        """The first pending fault for this path, used up by one firing."""
        with self._lock:
            for index, injected in enumerate(self._faults):
                if injected.matches(path):
                    injected.remaining -= 1
                    if injected.remaining == 0:
                        del self._faults[index]
                    return injected
        return None

    def pending(self) -> int:
        with self._lock:
            return sum(f.remaining for f in self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()


def truncated(body: bytes) -> bytes:
    """Half a JSON document: never valid, since every payload is an object or an array."""
    return body[: max(1, len(body) // 2)]


def with_unknown_enums(body: bytes) -> bytes:
    payload = json.loads(body)
    items = payload if isinstance(payload, list) else [payload]
    for item in items:
        if isinstance(item, dict):
            for field in ENUM_FIELDS:
                if field in item:
                    item[field] = UNKNOWN_ENUM_VALUE
    return json.dumps(payload).encode()


def as_json(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
