"""Test doubles that ship with streakcore: synthetic athletes, a fake SmashRun server and an
in-memory run store.

`streak demo`, the test suite, the benchmarks and the local API gateway all use them::

    from streakcore.testing import FakeSmashRun, demo_athlete

    with FakeSmashRun(demo_athlete(now)) as fake:
        ...  # point a client at fake.base_url with fake.access_token
"""

from __future__ import annotations

from streakcore.testing.athletes import (
    Athlete,
    Landmarks,
    SyntheticRun,
    decade_athlete,
    demo_athlete,
    recent_athlete,
    synthetic_athlete,
)
from streakcore.testing.fake_server import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    FakeSmashRun,
)
from streakcore.testing.faults import UNKNOWN_ENUM_VALUE, Fault, FaultKind
from streakcore.testing.memory_store import InMemoryRunStore
from streakcore.testing.rate_limit import SMASHRUN_BURST, SMASHRUN_HOURLY, RateLimit
from streakcore.testing.request_log import RecordedRequest

__all__ = [
    "DEFAULT_ACCESS_TOKEN",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "SMASHRUN_BURST",
    "SMASHRUN_HOURLY",
    "UNKNOWN_ENUM_VALUE",
    "Athlete",
    "FakeSmashRun",
    "Fault",
    "FaultKind",
    "InMemoryRunStore",
    "Landmarks",
    "RateLimit",
    "RecordedRequest",
    "SyntheticRun",
    "decade_athlete",
    "demo_athlete",
    "recent_athlete",
    "synthetic_athlete",
]
