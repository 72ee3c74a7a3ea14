"""Backfill wall time with 50 ms of latency per request: bounded concurrency vs one at a time.

The 10-year backfill runs in full at the default concurrency. One request at a time it
would take minutes, so that one runs on a 1.5-year athlete and its time per request is
multiplied out to the 10-year request count; the same subset at the default concurrency
gives a like-for-like ratio beside it.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

from bench.sync_harness import (
    DEFAULT_CONCURRENCY,
    HOME_TZ,
    NOW,
    UNTHROTTLED_REQUESTS_PER_HOUR,
    api_requests,
    sync_once,
    uploaded_runs,
)
from bench.table import Row
from streakcore.settings import Settings
from streakcore.smashrun.budget import BURST_WINDOW_S, burst_for
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.testing import Athlete, FakeSmashRun, decade_athlete, synthetic_athlete

LATENCY_S = 0.05
SUBSET_YEARS = 1.5
SCHEDULED_SYNCS_PER_DAY = 2
"""terraform/schedules.tf: the morning sync and the evening check, which syncs first (on by
default); hours apart, so each finds an hour's budget free again."""


def _timed_backfill(athlete: Athlete, concurrency: int) -> tuple[float, int]:
    """Wall seconds and requests of a first sync of `athlete` into a fresh DuckDB file."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeSmashRun(athlete, clock=lambda: NOW, latency_s=LATENCY_S) as fake,
        DuckDBRunStore.open(Path(tmp) / "runs.duckdb") as store,
    ):
        start = time.perf_counter()
        sync_once(fake, store, concurrency=concurrency)
        elapsed = time.perf_counter() - start
        return elapsed, len(api_requests(fake))


def _user_token_cost(requests: int, per_hour: int) -> tuple[float, str]:
    """Hours of syncing a backfill of `requests` needs under the client-side budget, and
    a note on how that was worked out (computed, not run)."""
    # The sliding window is empty at first, so the first `per_hour` requests cost no wait.
    hours = max(0, requests - per_hour) / per_hour
    burst = burst_for(per_hour)
    per_run = min(per_hour, requests)
    days = math.ceil(requests / per_run / SCHEDULED_SYNCS_PER_DAY)
    return hours, (
        f"computed, not run: {requests:,} requests at the default {per_hour}/h (at most "
        f"{per_hour} in any hour: ({requests:,} - {per_hour}) / {per_hour} h; burst cap "
        f"{burst} per {BURST_WINDOW_S:.0f} s does not bind at this rate). That is one "
        f"sync kept going that long (`streak sync --budget {math.ceil(hours * 3600) + 600}`); "
        f"each of the {SCHEDULED_SYNCS_PER_DAY} scheduled syncs a day spends at most one "
        f"hour's budget ({per_run} requests), so on the schedule alone it takes about {days} days"
    )


def run() -> list[Row]:
    decade = decade_athlete(NOW)
    subset = synthetic_athlete(now=NOW, years=SUBSET_YEARS, home_tz=HOME_TZ)
    full_s, full_requests = _timed_backfill(decade, DEFAULT_CONCURRENCY)
    subset_concurrent_s, subset_requests = _timed_backfill(subset, DEFAULT_CONCURRENCY)
    subset_serial_s, serial_requests = _timed_backfill(subset, 1)
    per_request_s = subset_serial_s / serial_requests
    serial_estimate_s = per_request_s * full_requests
    latency_floor_s = full_requests * LATENCY_S / DEFAULT_CONCURRENCY
    per_hour: int = Settings.model_fields["requests_per_hour"].default
    user_hours, user_note = _user_token_cost(full_requests, per_hour)
    budget = (
        f"client-side budget raised to {UNTHROTTLED_REQUESTS_PER_HOUR:,}/h (the default "
        f"{per_hour}/h would throttle the benchmark)"
    )
    return [
        Row("backfill time",
            f"10-year backfill ({uploaded_runs(decade):,} runs), concurrency "
            f"{DEFAULT_CONCURRENCY} (default)",
            full_s, "s", "concurrency 1, extrapolated", serial_estimate_s,
            note=f"{full_requests:,} requests, {LATENCY_S * 1e3:.0f} ms injected latency each; "
            f"latency floor {full_requests:,} x {LATENCY_S * 1e3:.0f} ms / "
            f"{DEFAULT_CONCURRENCY} = {latency_floor_s:.1f} s. Concurrency 1 measured on a "
            f"{SUBSET_YEARS:g}-year athlete ({uploaded_runs(subset):,} runs, "
            f"{serial_requests:,} requests, {subset_serial_s:.1f} s = "
            f"{per_request_s * 1e3:.1f} ms per request) x {full_requests:,} requests; "
            f"{budget}"),
        Row("backfill time",
            f"{SUBSET_YEARS:g}-year backfill ({uploaded_runs(subset):,} runs), concurrency "
            f"{DEFAULT_CONCURRENCY}",
            subset_concurrent_s, "s", "the same, concurrency 1 (measured)", subset_serial_s,
            note=f"{subset_requests:,} requests; {budget}"),
        Row("backfill time", f"10-year backfill on a user token at {per_hour}/h", user_hours,
            "h", "", None, note=user_note),
    ]  # fmt: skip
