"""`streak heatmap`: a GitHub-style calendar of a year (or the current streak) as SVG."""

from __future__ import annotations

import argparse
from datetime import date

from streakcore.entrypoints.cli.commands.arg_types import calendar_year
from streakcore.entrypoints.cli.commands.common import Subparsers, add_history_args, history_of
from streakcore.entrypoints.cli.commands.output import STDOUT, add_output_arg, write_output
from streakcore.errors import ConfigError


def register(subparsers: Subparsers) -> None:
    heatmap = subparsers.add_parser(
        "heatmap",
        help="a calendar heatmap of a year or of the current streak, as SVG",
        description="A GitHub-style calendar: one square per day coloured by distance, "
        "streak days outlined, a tooltip per day. Readable in light and dark themes.",
    )
    span = heatmap.add_mutually_exclusive_group()
    span.add_argument(
        "--year",
        type=calendar_year,
        metavar="Y",
        help="the calendar year, 1970 to 2200 (default: this year)",
    )
    span.add_argument(
        "--streak", action="store_true", help="the current streak, from its first day to its last"
    )
    add_output_arg(heatmap, "SVG", default=STDOUT, otherwise="stdout")
    add_history_args(heatmap)
    heatmap.set_defaults(run=run_heatmap)


def run_heatmap(args: argparse.Namespace) -> int:
    from streakcore.domain.units import format_distance, metres_to_miles
    from streakcore.render.heatmap_svg import heatmap_svg, year_range

    settings, history = history_of(args)
    rule = settings.streak_rule
    days = history.days
    streak_dates = {d.local_date for d in history.qualifying(rule)}
    rule_text = f"{rule.name.value}, {format_distance(rule.min_distance_m)}"
    first: date
    last: date
    if args.streak:
        current = history.current_streak(rule)
        if current.start is None or current.last_day is None:
            raise ConfigError(
                f"there is no current streak under {rule_text} to draw; use --year instead"
            )
        first, last = current.start, current.last_day
        title = f"Current streak: {current.days:,} days since {first} ({rule_text})"
    else:
        year: int = args.year if args.year is not None else history.today.year
        first, last = year_range(year)
        shown = [d for d in days if first <= d.local_date <= last]
        runs = sum(len(d.activities) for d in shown)
        miles = metres_to_miles(sum(d.distance_m for d in shown))
        title = f"{year}: {runs:,} runs, {miles:,.0f} mi; streak days outlined ({rule_text})"
    write_output(
        heatmap_svg(days, first=first, last=last, streak_dates=streak_dates, title=title),
        args.output,
        db=settings.db,
    )
    return 0
