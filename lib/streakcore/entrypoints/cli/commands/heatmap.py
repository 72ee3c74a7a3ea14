"""`streak heatmap`: a calendar of a year (or of the current streak) as SVG."""

from __future__ import annotations

import argparse
import sys

from streakcore.entrypoints.cli.commands.arg_types import calendar_year
from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_history_args,
    add_units_arg,
    history_of,
)
from streakcore.entrypoints.cli.commands.output import add_output_arg, picture_target, write_output
from streakcore.errors import ConfigError

DEFAULT_FILE = "heatmap.svg"


def register(subparsers: Subparsers) -> None:
    heatmap = subparsers.add_parser(
        "heatmap",
        help="a calendar heatmap of a year or of the current streak, as SVG",
        description="A calendar of a year, or of the current streak sized to it: one square "
        "per day coloured by distance (four levels cut from your own last 12 months, in your "
        "units), a flag where a streak of a week or more began, a dot on its close calls, a "
        "cross on the day that broke it, a ring around today, and a summary line. Readable "
        "in light and dark themes; each day has a tooltip.",
    )
    span = heatmap.add_mutually_exclusive_group()
    span.add_argument(
        "--year",
        type=calendar_year,
        metavar="Y",
        help="the calendar year, 1970 to 2200 (default: this year)",
    )
    span.add_argument(
        "--streak", action="store_true", help="the current streak, from its first day to today"
    )
    add_output_arg(
        heatmap,
        "SVG",
        default=None,
        otherwise=f"{DEFAULT_FILE} when stdout is a terminal, else stdout; - for stdout",
    )
    heatmap.add_argument(
        "--theme",
        choices=("auto", "light", "dark"),
        default="auto",
        help="colours: auto follows the reader's light or dark mode; light or dark fixes one "
        "(e.g. for a README's <picture>) (default: auto)",
    )
    add_history_args(heatmap)
    add_units_arg(heatmap)
    heatmap.set_defaults(run=run_heatmap)


def run_heatmap(args: argparse.Namespace) -> int:
    from streakcore.domain.units import format_distance
    from streakcore.render.heatmap_svg import streak_heatmap, year_heatmap

    settings, history = history_of(args)
    rule = settings.streak_rule
    if args.streak:
        try:
            svg = streak_heatmap(
                history.days,
                today=history.today,
                units=settings.units,
                rule=rule,
                theme=args.theme,
            )
        except ValueError:
            minimum = format_distance(rule.min_distance_m, settings.units)
            raise ConfigError(
                f"there is no current streak under {rule.name.value} ({minimum}) to draw; "
                "use --year instead"
            ) from None
    else:
        year: int = args.year if args.year is not None else history.today.year
        svg = year_heatmap(
            history.days,
            year=year,
            today=history.today,
            units=settings.units,
            rule=rule,
            theme=args.theme,
        )
    write_output(svg, picture_target(args.output, DEFAULT_FILE, sys.stdout), db=settings.db)
    return 0
