"""Human-readable rendering of stats and streaks for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from rich.console import Console
from rich.table import Table

from streakcore.domain.records import PeriodTotal, RunRecord
from streakcore.domain.stats import StatsBody, format_instant
from streakcore.domain.streaks import StreakStatus
from streakcore.domain.units import DistanceUnit, format_distance, format_duration

STATUS_TEXT = {
    StreakStatus.DONE_TODAY: "[green]done today[/green]",
    StreakStatus.AT_RISK: "[yellow]AT RISK: run before midnight[/yellow]",
    StreakStatus.BROKEN: "[red]broken[/red]",
}


def _run(record: RunRecord | None, unit: DistanceUnit) -> str:
    if record is None:
        return "-"
    return (
        f"{format_duration(record.duration_s)}  {format_distance(record.distance_m, unit)}  "
        f"on {record.date} (activity {record.activity_id}){_provisional(record.provisional)}"
    )


def _provisional(provisional: bool) -> str:
    return " (provisional)" if provisional else ""


def backfill_text(body: StatsBody) -> str | None:
    """What the backfill still owes the records, or None when it is complete."""
    backfill = body.backfill
    if backfill.complete:
        return None
    waiting = backfill.runs_waiting_for_splits
    text = (
        f"{waiting:,} runs still wait for their splits, so records marked provisional may "
        "still change"
        if waiting
        else "the first sync has not seen every run yet, so records are provisional"
    )
    after = backfill.next_sync_after
    when = f"a sync after {after:%a %d %b %H:%M}" if after is not None else "the next sync"
    return f"{text}; {when} carries on"


def _period(total: PeriodTotal | None, unit: DistanceUnit) -> str:
    if total is None:
        return "-"
    distance = format_distance(total.distance_m, unit, decimals=1)
    return f"{total.period}: {distance} in {total.runs} runs"


def stats_table(body: StatsBody, unit: DistanceUnit) -> Table:
    """The stats body as a two-column table, every distance in `unit`."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    for label, text in [*_streak_rows(body, unit), *_record_rows(body, unit)]:
        table.add_row(label, text)
    return table


def _streak_rows(body: StatsBody, unit: DistanceUnit) -> list[tuple[str, str]]:
    """The current streak and what it is heading for."""
    cur = body.current_streak
    if cur.days:
        current = f"{cur.days:,} days since {cur.start} (last day {cur.last_day}) - "
    else:
        last = f" (last qualifying day {cur.last_day})" if cur.last_day else ""
        current = f"0 days{last} - "
    rows = [("Current streak", current + STATUS_TEXT[cur.status])]
    ms = body.milestones
    if ms is not None and ms.next_milestone is not None:
        nxt = ms.next_milestone
        rows.append(
            (
                "Next milestone",
                f"{nxt.label} on {nxt.date} if the streak holds ({nxt.days_to_go:,} to go)",
            )
        )
    if ms is not None and ms.passes_longest_on is not None:
        rows.append(
            (
                "Passes longest",
                f"on {ms.passes_longest_on} "
                f"(longest other streak: {ms.longest_to_pass_days:,} days)",
            )
        )
    if ms is not None and ms.close_calls.count:
        closest = ms.close_calls.closest
        where = (
            f"; closest {closest.date} ({format_distance(closest.distance_m, unit)})"
            if closest
            else ""
        )
        rows.append(
            ("Close calls", f"{ms.close_calls.count} day(s) under 5% over the minimum{where}")
        )
    return rows


def _record_rows(body: StatsBody, unit: DistanceUnit) -> list[tuple[str, str]]:
    """The longest streak, totals, records, and what the answer is for."""
    lon, t, fm, rec, rule = (
        body.longest_streak, body.totals, body.fastest_mile, body.records, body.rule
    )  # fmt: skip
    backfill = backfill_text(body)
    return [
        *([("Backfill", backfill)] if backfill else []),
        ("Longest streak", f"{lon.days:,} days, {lon.start} to {lon.end}" if lon.days else "-"),
        (
            "Totals",
            f"{t.runs:,} runs, {format_distance(t.distance_m, unit, decimals=0)}, "
            f"{t.duration_s / 3600:,.0f} h{_sources(body)}",
        ),
        (
            "Fastest mile",
            f"{format_duration(fm.seconds)} on {fm.date} (activity {fm.activity_id})"
            f"{_provisional(fm.provisional)}"
            if fm
            else "-",
        ),
        ("Longest run", _run(rec.longest_run, unit)),
        ("Fastest 5K", _run(rec.fastest_5k, unit)),
        ("Fastest 10K", _run(rec.fastest_10k, unit)),
        ("Fastest half", _run(rec.fastest_half_marathon, unit)),
        ("Fastest marathon", _run(rec.fastest_marathon, unit)),
        ("Biggest week", _period(rec.biggest_week, unit)),
        ("Biggest month", _period(rec.biggest_month, unit)),
        ("Biggest year", _period(rec.biggest_year, unit)),
        ("Eddington", _eddington(body, unit)),
        ("Rule", f"{rule.name.value}, minimum {format_distance(rule.min_distance_m, unit)}"),
        ("As of", f"{format_instant(body.as_of)} ({body.timezone})"),
        ("Last sync", format_instant(body.last_sync) if body.last_sync else "never"),
    ]


def _sources(body: StatsBody) -> str:
    """Where the runs came from, once any came from elsewhere than SmashRun."""
    if set(body.sources) <= {"smashrun"}:
        return ""
    return " (" + ", ".join(f"{source} {n:,}" for source, n in body.sources.items()) + ")"


def _eddington(body: StatsBody, unit: DistanceUnit) -> str:
    """The Eddington number in the runner's unit: E days of at least E of that unit."""
    number = body.eddington.miles if unit == "mi" else body.eddington.km
    return f"{number} ({number} days of at least {number} {unit})"


def print_stats(body: StatsBody, unit: DistanceUnit, console: Console | None = None) -> None:
    (console or Console()).print(stats_table(body, unit))


def streaks_table(rows: Sequence[tuple[object, ...]], unit: DistanceUnit, *, today: date) -> Table:
    """The longest streaks; the one still alive at `today` (its last day today or
    yesterday) is marked and says whether today is done."""
    table = Table(title="Longest streaks")
    for name in ("#", "Days", "Start", "End", "Distance", "Runs", "Now"):
        table.add_column(name, justify="right" if name in {"#", "Days", "Runs"} else "left")
    for rank, (start, end, days, distance_m, runs) in enumerate(rows, start=1):
        now = _ongoing(end, today)
        table.add_row(
            str(rank),
            f"{days:,}",
            str(start),
            str(end),
            format_distance(float(distance_m), unit, decimals=1),  # type: ignore[arg-type]
            str(runs),
            now,
            style="bold" if now else None,
        )
    return table


def _ongoing(end: object, today: date) -> str:
    """'ongoing, done today' / 'ongoing, at risk' for the current streak, else ''."""
    if end == today:
        return "[green]ongoing, done today[/green]"
    if end == today - timedelta(days=1):
        return "[yellow]ongoing, at risk[/yellow]"
    return ""
