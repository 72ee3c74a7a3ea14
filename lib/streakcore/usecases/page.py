"""The page use case: gather what the streak page says (`domain.page.PageFacts`).

Served (`GET /p/{token}`), it reads the documents a sync leaves beside the database (the
stats, the days, the health), never the DuckDB file, unless a document is missing (a
database synced before the days document existed): then the database once, as `/stats`
falls back. The terminal's `streak page` reads the database it has at hand, at any
`--as-of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from zoneinfo import ZoneInfo

from streakcore.domain.days import Day
from streakcore.domain.evening_check import evening_check
from streakcore.domain.page import PageFacts
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import StatsBody
from streakcore.domain.units import DistanceUnit
from streakcore.ports import RunStore
from streakcore.usecases.database import Database
from streakcore.usecases.documents import HealthReason, judge_health
from streakcore.usecases.documents.health import STALE_AFTER


def page_facts(
    stats: StatsBody,
    days: Sequence[Day],
    *,
    now: datetime,
    tz: ZoneInfo,
    rule: StreakRule,
    units: DistanceUnit,
    sync_failed: bool = False,
) -> PageFacts:
    """The page at `now` from the stats body and the days (in date order)."""
    check = evening_check(days, rule=rule, now=now, tz=tz, units=units)
    last_sync = stats.last_sync
    return PageFacts(
        stats=stats,
        check=check,
        days=days,
        units=units,
        sync_failed=sync_failed,
        stale=last_sync is not None and now - last_sync > STALE_AFTER,
    )


def served_page_facts(
    database: Database, *, now: datetime, tz: ZoneInfo, rule: StreakRule, units: DistanceUnit
) -> PageFacts:
    """The page at `now` from the documents beside the database (StoreNotFound before the
    first sync). The days and health documents are read while the stats document is: on
    S3 each read is a round trip, and the page should cost about one."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="page-documents") as pool:
        days_read = pool.submit(database.recent_days)
        health_read = pool.submit(database.health)
        stats = database.stats(rule=rule, as_of=now, tz=tz)
        recent, health_file = days_read.result(), health_read.result()
    days: Sequence[Day]
    if recent is not None:
        days = recent
    else:
        with database.reading() as store:
            days = store.days(until=now)
    health = judge_health(health_file, now=now)
    return page_facts(
        stats,
        days,
        now=now,
        tz=tz,
        rule=rule,
        units=units,
        sync_failed=health.reason is HealthReason.SYNC_FAILED,
    )


def stored_page_facts(
    store: RunStore, *, as_of: datetime, tz: ZoneInfo, rule: StreakRule, units: DistanceUnit
) -> PageFacts:
    """The page as the database stood at `as_of`."""
    from streakcore.usecases.stats import stats_from_store

    stats = stats_from_store(store, rule=rule, as_of=as_of, tz=tz)
    return page_facts(stats, store.days(until=as_of), now=as_of, tz=tz, rule=rule, units=units)
