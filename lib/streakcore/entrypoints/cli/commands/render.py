"""Human-readable rendering of stats and streaks for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from streakcore.domain.records import PeriodTotal, RunRecord
from streakcore.domain.stats import StatsBody, format_instant
from streakcore.domain.streaks import StreakStatus
from streakcore.domain.units import format_distance, format_duration

STATUS_TEXT = {
    StreakStatus.DONE_TODAY: "[green]done today[/green]",
    StreakStatus.AT_RISK: "[yellow]AT RISK: run before midnight[/yellow]",
    StreakStatus.BROKEN: "[red]broken[/red]",
}


def _run(record: RunRecord | None) -> str:
    if record is None:
        return "-"
    return (
        f"{format_duration(record.duration_s)}  {format_distance(record.distance_m)}  "
        f"on {record.date} (activity {record.activity_id})"
    )


def _period(total: PeriodTotal | None) -> str:
    if total is None:
        return "-"
    return f"{total.period}: {format_distance(total.distance_m)} in {total.runs} runs"


def stats_table(body: StatsBody) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    cur = body.current_streak
    if cur.days:
        current = f"{cur.days:,} days since {cur.start} (last day {cur.last_day}) - "
    else:
        last = f" (last qualifying day {cur.last_day})" if cur.last_day else ""
        current = f"0 days{last} - "
    table.add_row("Current streak", current + STATUS_TEXT[cur.status])
    ms = body.milestones
    if ms is not None and ms.next_milestone is not None:
        nxt = ms.next_milestone
        table.add_row(
            "Next milestone",
            f"{nxt.label} on {nxt.date} if the streak holds ({nxt.days_to_go:,} to go)",
        )
    if ms is not None and ms.passes_longest_on is not None:
        table.add_row(
            "Passes longest",
            f"on {ms.passes_longest_on} (longest other streak: {ms.longest_to_pass_days:,} days)",
        )
    if ms is not None and ms.close_calls.count:
        closest = ms.close_calls.closest
        where = (
            f"; closest {closest.date} ({format_distance(closest.distance_m)})" if closest else ""
        )
        table.add_row(
            "Close calls", f"{ms.close_calls.count} day(s) under 5% over the minimum{where}"
        )
    lon = body.longest_streak
    table.add_row(
        "Longest streak",
        f"{lon.days:,} days, {lon.start} to {lon.end}" if lon.days else "-",
    )
    t = body.totals
    table.add_row(
        "Totals",
        f"{t.runs:,} runs, {format_distance(t.distance_m)}, {t.duration_s / 3600:,.0f} h",
    )
    fm = body.fastest_mile
    table.add_row(
        "Fastest mile",
        f"{format_duration(fm.seconds)} on {fm.date} (activity {fm.activity_id})" if fm else "-",
    )
    rec = body.records
    table.add_row("Longest run", _run(rec.longest_run))
    table.add_row("Fastest 5K", _run(rec.fastest_5k))
    table.add_row("Fastest 10K", _run(rec.fastest_10k))
    table.add_row("Fastest half", _run(rec.fastest_half_marathon))
    table.add_row("Fastest marathon", _run(rec.fastest_marathon))
    table.add_row("Biggest week", _period(rec.biggest_week))
    table.add_row("Biggest month", _period(rec.biggest_month))
    table.add_row("Biggest year", _period(rec.biggest_year))
    table.add_row("Eddington", f"{body.eddington.miles} (miles), {body.eddington.km} (km)")
    rule = body.rule
    table.add_row("Rule", f"{rule.name.value}, minimum {format_distance(rule.min_distance_m)}")
    table.add_row("As of", f"{format_instant(body.as_of)} ({body.timezone})")
    table.add_row("Last sync", format_instant(body.last_sync) if body.last_sync else "never")
    return table


def print_stats(body: StatsBody, console: Console | None = None) -> None:
    (console or Console()).print(stats_table(body))


def streaks_table(rows: Sequence[tuple[object, ...]]) -> Table:
    table = Table(title="Longest streaks")
    for name in ("#", "Days", "Start", "End", "Distance", "Runs"):
        table.add_column(name, justify="right" if name in {"#", "Days", "Runs"} else "left")
    for rank, (start, end, days, distance_m, runs) in enumerate(rows, start=1):
        table.add_row(
            str(rank),
            f"{days:,}",
            str(start),
            str(end),
            format_distance(float(distance_m)),  # type: ignore[arg-type]
            str(runs),
        )
    return table
