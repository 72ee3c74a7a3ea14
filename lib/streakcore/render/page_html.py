"""The streak page: one server-rendered HTML document a runner glances at on their phone.

Top to bottom: today's status in big type (done today; at risk, with the time left until
home midnight and the distance still needed; broken), the current streak and its next
milestone, the heatmap of the last 12 months (`heatmap_svg`), records, and the last sync,
with a line when the data is stale or the splits backfill is incomplete.

No script and no request to anywhere: the styles are inline (allowed by hash), the icon and
manifest are `data:` URLs (`page_assets`). `page_html` returns the document and the
Content-Security-Policy header that goes with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from html import escape
from zoneinfo import ZoneInfo

from streakcore.domain.days import Day
from streakcore.domain.evening_check import EveningCheck, format_time_left
from streakcore.domain.page import PageFacts
from streakcore.domain.records import PeriodTotal, RunRecord
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.streaks import StreakStatus
from streakcore.domain.units import DistanceUnit, format_distance, format_duration
from streakcore.render.heatmap_svg import heatmap_svg
from streakcore.render.page_assets import (
    STYLESHEET,
    content_security_policy,
    icon_url,
    manifest_url,
)

HEATMAP_DAYS = 365
"""The heatmap: today and the 364 days before it."""
HEATMAPS_KEPT = 4
"""Drawn heatmaps a process keeps (one per database, date, unit and rule in use)."""
CSP_PLACEHOLDER = "\x00csp\x00"
PAGE_TITLE = "Run streak"

HEADLINES = {
    StreakStatus.DONE_TODAY: "Done today",
    StreakStatus.AT_RISK: "At risk",
    StreakStatus.BROKEN: "Broken",
}


@dataclass(frozen=True, slots=True)
class Page:
    html: str
    content_security_policy: str


def page_html(facts: PageFacts) -> Page:
    """The page and its CSP header."""
    stats = facts.stats
    zone = ZoneInfo(stats.timezone)
    rule = StreakRule(name=stats.rule.name, min_distance_m=stats.rule.min_distance_m)
    status = _status_key(facts)
    title = f"{PAGE_TITLE}: {_title_status(facts)}"
    body = "\n".join(
        [
            "<main>",
            _status_section(facts, status, zone),
            _streak_section(facts),
            _heatmap_section(facts, rule),
            _records_section(facts),
            "</main>",
            _footer(facts, zone),
        ]
    )
    return _document(title, body)


def no_sync_page_html() -> Page:
    """The page before the first sync: nothing to count yet, and what fills it."""
    body = "\n".join(
        [
            "<main>",
            '<section class="status status-none" aria-labelledby="status">',
            '<h1 id="status">No sync yet</h1>',
            "<p>Your streak shows here once the first sync has stored your runs: tonight's "
            "scheduled sync, or <code>POST /sync</code> (<code>streak sync</code> for a "
            "local database) now.</p>",
            "</section>",
            "</main>",
        ]
    )
    return _document(f"{PAGE_TITLE}: no sync yet", body)


def _document(title: str, body: str) -> Page:
    """The whole document around `body`, and its CSP header."""
    head = "\n".join(
        [
            "<!doctype html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{CSP_PLACEHOLDER}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="robots" content="noindex, nofollow">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="color-scheme" content="light dark">',
            '<meta name="theme-color" content="#2da44e">',
            f"<title>{escape(title)}</title>",
            f'<link rel="manifest" href="{escape(manifest_url(PAGE_TITLE))}">',
            f'<link rel="icon" href="{escape(icon_url())}">',
            f'<link rel="apple-touch-icon" href="{escape(icon_url())}">',
            f"<style>{STYLESHEET}</style>",
            "</head>",
            "<body>",
        ]
    )
    html = f"{head}\n{body}\n</body>\n</html>\n"
    meta_policy = content_security_policy(html, for_meta=True)
    return Page(
        html=html.replace(CSP_PLACEHOLDER, escape(meta_policy)),
        content_security_policy=content_security_policy(html),
    )


# -- the parts ------------------------------------------------------------------------------


def _status_key(facts: PageFacts) -> str:
    if facts.stats.totals.runs == 0:
        return "none"
    return facts.check.status.value


def _title_status(facts: PageFacts) -> str:
    if facts.stats.totals.runs == 0:
        return "no runs yet"
    days = facts.stats.current_streak.days
    return f"{_days(days)}, {HEADLINES[facts.check.status].lower()}"


def _status_section(facts: PageFacts, status: str, zone: ZoneInfo) -> str:
    check, unit = facts.check, facts.units
    today = f"Today, {check.today:%A} {check.today.day} {check.today:%B}"
    if status == "none":
        headline, lines = "No runs yet", ["Sync your runs and this page fills in."]
    elif check.status is StreakStatus.DONE_TODAY:
        ran = format_distance(check.today_distance_m, unit)
        runs = "run" if check.today_runs == 1 else "runs"
        headline = HEADLINES[check.status]
        lines = [f"{ran} in {check.today_runs} {runs} today. The streak is safe until midnight."]
    elif check.status is StreakStatus.AT_RISK:
        headline = HEADLINES[check.status]
        left = format_time_left(check.time_left_s)
        lines = [
            f'<span class="need">{escape(_need(check, unit))} before midnight: '
            f"{escape(left)} left</span>",
        ]
        if check.today_runs:
            lines.append(f"{format_distance(check.today_distance_m, unit)} run so far today.")
        lines.append(f"Missing today ends a {check.days_at_stake:,}-day streak.")
    else:
        headline = HEADLINES[StreakStatus.BROKEN]
        last = facts.stats.current_streak.last_day
        lines = ["Run today to start a new streak."]
        if facts.days:
            lines.insert(0, f"No qualifying run yesterday or today (last run {_date(last)}).")
    paragraphs = "\n".join(
        f"<p>{line if line.startswith('<span') else escape(line)}</p>" for line in lines
    )
    return (
        f'<section class="status status-{status}" aria-labelledby="status">\n'
        f'<p class="today">{escape(today)} · {escape(zone.key)}</p>\n'
        f'<h1 id="status">{escape(headline)}</h1>\n{paragraphs}\n</section>'
    )


def _need(check: EveningCheck, unit: DistanceUnit) -> str:
    if check.rule is RuleName.ANY:
        return "Run any distance"
    if check.rule is RuleName.STRICT:
        return f"Run {format_distance(check.short_by_m, unit)} in one go"
    more = " more" if check.today_runs else ""
    return f"Run {format_distance(check.short_by_m, unit)}{more}"


def _streak_section(facts: PageFacts) -> str:
    current = facts.stats.current_streak
    lines = []
    if current.days and current.start is not None:
        lines.append(
            f'<p><span class="days" id="streak-days">{current.days:,}</span> '
            f"{'day' if current.days == 1 else 'days'} in a row, since {_date(current.start)}.</p>"
        )
    else:
        lines.append('<p><span class="days" id="streak-days">0</span> days: no current streak.</p>')
    milestones = facts.stats.milestones
    if milestones is not None and milestones.next_milestone is not None:
        nxt = milestones.next_milestone
        lines.append(
            f"<p>Next milestone: <strong>{escape(nxt.label)}</strong> on {_date(nxt.date)}, "
            f"{_days(nxt.days_to_go)} to go.</p>"
        )
    longest = facts.stats.longest_streak
    if longest.days:
        lines.append(f'<p class="muted">Longest streak: {_days(longest.days)}.</p>')
    return (
        '<section class="streak" aria-labelledby="streak-h">\n'
        '<h2 id="streak-h">Current streak</h2>\n' + "\n".join(lines) + "\n</section>"
    )


def _heatmap_section(facts: PageFacts, rule: StreakRule) -> str:
    svg = _heatmap(tuple(facts.days), facts.check.today, facts.units, rule)
    return (
        '<section class="heatmap" aria-labelledby="heatmap-h">\n'
        '<h2 id="heatmap-h">Last 12 months</h2>\n'
        '<div class="scroll" tabindex="0" role="region" aria-label="Heatmap of the last '
        f'12 months, scrollable">\n{svg}</div>\n</section>'
    )


@lru_cache(maxsize=HEATMAPS_KEPT)
def _heatmap(days: tuple[Day, ...], today: date, units: DistanceUnit, rule: StreakRule) -> str:
    """The heatmap, kept while the days and the date stay the same: most of the page's time
    goes into drawing it, and a server answers many views between two syncs."""
    return heatmap_svg(
        days,
        first=today - timedelta(days=HEATMAP_DAYS - 1),
        last=today,
        today=today,
        units=units,
        rule=rule,
        title="Last 12 months",
    )


def _records_section(facts: PageFacts) -> str:
    stats, unit = facts.stats, facts.units
    records = stats.records
    rows: list[tuple[str, str]] = []
    total = format_distance(stats.totals.distance_m, unit, decimals=0)
    rows.append(("Total", f"{stats.totals.runs:,} runs, {total}"))
    if records.longest_run is not None:
        run = records.longest_run
        rows.append(("Longest run", f"{format_distance(run.distance_m, unit)}, {_date(run.date)}"))
    if stats.fastest_mile is not None:
        mile = stats.fastest_mile
        rows.append(
            ("Fastest mile", f"{format_duration(mile.seconds)}, {_date(mile.date)}"
             + _provisional(mile.provisional))
        )  # fmt: skip
    for label, record in (
        ("Fastest 5K", records.fastest_5k),
        ("Fastest 10K", records.fastest_10k),
        ("Fastest half", records.fastest_half_marathon),
        ("Fastest marathon", records.fastest_marathon),
    ):
        if record is not None:
            rows.append((label, _race(record)))
    for label, period in (
        ("Biggest week", records.biggest_week),
        ("Biggest month", records.biggest_month),
        ("Biggest year", records.biggest_year),
    ):
        if period is not None:
            rows.append((label, _period(period, unit)))
    items = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    return (
        '<section class="records" aria-labelledby="records-h">\n'
        f'<h2 id="records-h">Records</h2>\n<dl>\n{items}\n</dl>\n</section>'
    )


def _race(record: RunRecord) -> str:
    return f"{format_duration(record.duration_s)}, {_date(record.date)}" + _provisional(
        record.provisional
    )


def _period(period: PeriodTotal, unit: DistanceUnit) -> str:
    return f"{format_distance(period.distance_m, unit, decimals=1)} ({period.period})"


def _provisional(flag: bool) -> str:
    return " (provisional)" if flag else ""


def _footer(facts: PageFacts, zone: ZoneInfo) -> str:
    stats = facts.stats
    lines = []
    if stats.last_sync is not None:
        lines.append(f"Last sync: {_instant(stats.last_sync, zone)}.")
    else:
        lines.append("Not synced yet.")
    notes = []
    if facts.sync_failed:
        notes.append("The last sync failed: a run from today may be missing.")
    elif facts.stale:
        notes.append("No sync for over a day: this page may be out of date.")
    backfill = stats.backfill
    if not backfill.complete:
        waiting = backfill.runs_waiting_for_splits
        notes.append(f"Still fetching splits for {waiting:,} runs: pace records are provisional.")
    lines.append(f"Rule: {_rule_text(stats.rule.name, stats.rule.min_distance_m, facts.units)}.")
    parts = [f'<p class="note">{escape(n)}</p>' for n in notes]
    parts += [f"<p>{escape(line)}</p>" for line in lines]
    return "<footer>\n" + "\n".join(parts) + "\n</footer>"


def _rule_text(name: RuleName, min_distance_m: float, unit: DistanceUnit) -> str:
    minimum = format_distance(min_distance_m, unit)
    if name is RuleName.ANY:
        return "any, a run of any length each day"
    if name is RuleName.STRICT:
        return f"strict, one run of at least {minimum} each day"
    return f"usrsa, at least {minimum} each day"


def _days(n: int) -> str:
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def _date(value: date | None) -> str:
    if value is None:
        return "never"
    return f"{value:%a} {value.day} {value:%b %Y}"


def _instant(value: datetime, zone: ZoneInfo) -> str:
    local = value.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
