"""A sync from the fake SmashRun, wired by `streakcore.bootstrap` as `streak sync` wires it.

Shared by the `requests`, `backfill_time` and `memory` benchmarks. The fake's clock stands
still, so no run can arrive halfway through a sync and every request count is exact.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import SecretStr

from streakcore.bootstrap import Services
from streakcore.errors import StreakError
from streakcore.ports import RunStore
from streakcore.settings import Settings
from streakcore.testing import Athlete, FakeSmashRun, RecordedRequest
from streakcore.testing.smashrun_payloads import JsonObject
from streakcore.usecases.sync import SyncReport, SyncStatus

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
"""A fixed instant: the same athlete, hence the same request counts, on every run."""
HOME_TZ = "America/New_York"
PAGE_SIZE = 100
UNTHROTTLED_REQUESTS_PER_HOUR = 10_000_000
"""The fake has no hourly limit; the default client-side budget (240/h) would stretch a
10-year backfill over about 16 hours, so every benchmark sync runs with this one."""
SYNC_BUDGET_S = 900.0
DEFAULT_CONCURRENCY: int = Settings.model_fields["sync_concurrency"].default

RequestKey = tuple[str, str, tuple[tuple[str, str], ...]]


def uploaded_runs(athlete: Athlete, now: datetime = NOW) -> int:
    return sum(1 for run in athlete.runs if run.uploaded_at <= now)


def pages(runs: int) -> int:
    """Pages a listing of `runs` takes: a short (or empty) last page is what ends it."""
    return max(1, math.ceil(runs / PAGE_SIZE))


def bench_settings(fake: FakeSmashRun, *, concurrency: int = DEFAULT_CONCURRENCY) -> Settings:
    return Settings(
        timezone=HOME_TZ,
        smashrun_base_url=fake.base_url,
        smashrun_access_token=SecretStr(fake.access_token),
        requests_per_hour=UNTHROTTLED_REQUESTS_PER_HOUR,
        sync_concurrency=concurrency,
    )


def sync_once(
    fake: FakeSmashRun,
    store: RunStore,
    *,
    budget_s: float = SYNC_BUDGET_S,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> SyncReport:
    """One sync, on the fake's clock; StreakError if it stopped on an error."""
    # The fake's user-level token: no token store is read or written.
    services = Services(bench_settings(fake, concurrency=concurrency), clock=fake.now)
    report = services.sync_into(store, budget_s=budget_s)
    if report.error is not None or report.status is SyncStatus.FAILED:
        raise StreakError(f"the benchmark sync did not go through: {report.error}")
    return report


def api_requests(fake: FakeSmashRun) -> list[RecordedRequest]:
    return [r for r in fake.requests if r.matches("/my/")]


def request_key(request: RecordedRequest) -> RequestKey:
    return request.method, request.path, tuple(sorted(request.query.items()))


def repeated(requests: Iterable[RecordedRequest]) -> dict[RequestKey, int]:
    """Requests asked more than once (same method, path and query), with their counts."""
    counts = Counter(request_key(r) for r in requests)
    return {key: n for key, n in counts.items() if n > 1}


def kind_of(path: str) -> str:
    if path.endswith("/activities/search/ids"):
        return "id sweep"
    if path.endswith("/activities/search"):
        return "search"
    if "/splits/" in path:
        return "splits"
    if "/activities/" in path:
        return "detail"
    return "other"


def by_kind(requests: Iterable[RecordedRequest]) -> Counter[str]:
    return Counter(kind_of(r.path) for r in requests)


def describe(kinds: Counter[str]) -> str:
    """`38 search + 3,723 splits + 38 id sweep` (kinds that were asked, in that order)."""
    order = ("search", "splits", "id sweep", "detail", "other")
    return " + ".join(f"{kinds[k]:,} {k}" for k in order if kinds[k])


def next_day_run(athlete: Athlete) -> tuple[dict[str, Any], list[JsonObject]]:
    """The latest run with splits, a day later and without its id (the fake numbers it),
    and its mile splits."""
    latest = next(run for run in reversed(athlete.runs) if run.splits_mi)
    payload = {k: v for k, v in latest.activity.items() if k != "activityId"}
    start = datetime.fromisoformat(str(payload["startDateTimeLocal"])) + timedelta(days=1)
    payload["startDateTimeLocal"] = start.isoformat()
    return payload, latest.splits_mi
