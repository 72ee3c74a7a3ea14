"""A streak page built from runs in memory: the facts `render.page_html` draws."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from helpers import at, daily_runs, run
from streakcore.domain.days import group_days
from streakcore.domain.models import Activity
from streakcore.domain.page import PageFacts
from streakcore.domain.rules import StreakRule
from streakcore.domain.stats import build_snapshot, render_stats
from streakcore.render.page_html import Page, page_html
from streakcore.usecases.page import page_facts

HOME = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 25)


def ten_days_to_yesterday() -> list[Activity]:
    return daily_runs(TODAY - timedelta(days=10), 10, miles=3.0)


def daily_runs_ending(last: date, days: int = 10) -> list[Activity]:
    """A 3-mile run on each of the `days` days up to `last`."""
    return daily_runs(last - timedelta(days=days - 1), days, miles=3.0)


def facts_for(
    runs: list[Activity],
    now: str,
    *,
    rule: StreakRule | None = None,
    last_sync: datetime | None = None,
    sync_failed: bool = False,
) -> PageFacts:
    rule = rule or StreakRule()
    instant = at(now)
    days = group_days(runs)
    snapshot = build_snapshot(runs, [], [rule])
    stats = render_stats(
        snapshot, rule=rule, as_of=instant, tz=HOME, last_sync=last_sync or instant
    )
    return page_facts(
        stats, days, now=instant, tz=HOME, rule=rule, units="mi", sync_failed=sync_failed
    )


def page_for(runs: list[Activity], now: str, **kwargs: object) -> Page:
    return page_html(facts_for(runs, now, **kwargs))  # type: ignore[arg-type]


__all__ = [
    "HOME",
    "TODAY",
    "daily_runs_ending",
    "facts_for",
    "page_for",
    "run",
    "ten_days_to_yesterday",
]
