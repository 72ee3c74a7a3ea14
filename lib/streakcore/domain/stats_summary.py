"""The stats body as a short table for a person in a notebook: the few lines worth a
glance (current and longest streak, what is next, totals, fastest mile), every distance in
one unit. The whole body stays one `.model_dump()` away."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from streakcore.domain.units import DistanceUnit, format_distance, format_duration

if TYPE_CHECKING:
    from streakcore.domain.stats import StatsBody

STATUS_WORDS = {"done_today": "done today", "at_risk": "at risk today", "broken": "broken"}


def summary_rows(body: StatsBody, unit: DistanceUnit) -> list[tuple[str, str]]:
    """(label, text) rows, distances in `unit`."""
    cur, lon, totals = body.current_streak, body.longest_streak, body.totals
    status = STATUS_WORDS[cur.status.value]
    if cur.days and cur.start is not None:
        current = f"{cur.days:,} days since {cur.start} ({status})"
    else:
        current = f"0 days ({status})"
    rows = [("Current streak", current)]
    milestone = body.milestones.next_milestone if body.milestones else None
    if milestone is not None:
        rows.append(("Next milestone", f"{milestone.label} on {milestone.date}"))
    longest = f"{lon.days:,} days, {lon.start} to {lon.end}" if lon.days else "-"
    rows.append(("Longest streak", longest))
    distance = format_distance(totals.distance_m, unit, decimals=0)
    rows.append(("Totals", f"{totals.runs:,} runs, {distance}, {totals.duration_s / 3600:,.0f} h"))
    fastest = body.fastest_mile
    if fastest is not None:
        provisional = " (provisional: runs still wait for splits)" if fastest.provisional else ""
        rows.append(
            ("Fastest mile", f"{format_duration(fastest.seconds)} on {fastest.date}{provisional}")
        )
    minimum = format_distance(body.rule.min_distance_m, unit)
    rows.append(("Rule", f"{body.rule.name.value}, at least {minimum}"))
    last_sync = body.last_sync.isoformat(timespec="minutes") if body.last_sync else "never"
    rows.append(("As of", f"{body.as_of.isoformat(timespec='minutes')} ({body.timezone})"))
    rows.append(("Last sync", last_sync))
    return rows


def html_table(rows: list[tuple[str, str]], *, caption: str | None = None) -> str:
    """A two-column HTML table (labels in the first column), escaped."""
    head = f"<caption>{escape(caption)}</caption>" if caption else ""
    body = "".join(
        f'<tr><th style="text-align:left">{escape(label)}</th>'
        f'<td style="text-align:left">{escape(text)}</td></tr>'
        for label, text in rows
    )
    return f"<table>{head}{body}</table>"


def text_table(rows: list[tuple[str, str]]) -> str:
    """The rows as aligned plain text, one a line."""
    width = max((len(label) for label, _ in rows), default=0)
    return "\n".join(f"{label:<{width}}  {text}" for label, text in rows)
