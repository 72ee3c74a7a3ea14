"""`streak badge`: a shields-style SVG badge of the current streak for a README."""

from __future__ import annotations

import argparse

from streakcore.commands.common import (
    Subparsers,
    add_as_of_arg,
    add_db_arg,
    add_rule_args,
    load_settings,
    open_read_store,
    parse_as_of,
    rule_of,
)
from streakcore.commands.heatmap import add_output_arg, write_output


def register(subparsers: Subparsers) -> None:
    badge = subparsers.add_parser(
        "badge",
        help="a 'run streak | 1,234 days' SVG badge for a README",
        description="A shields-style badge of the current streak: green when today is "
        "done, yellow when at risk, red when broken.",
    )
    add_output_arg(badge, "SVG")
    badge.add_argument("--label", default="run streak", help="left-hand text (default: run streak)")
    add_db_arg(badge)
    add_as_of_arg(badge)
    add_rule_args(badge)
    badge.set_defaults(run=run_badge)


def run_badge(args: argparse.Namespace) -> int:
    from streakcore.domain.days import group_days, qualifying_days
    from streakcore.domain.streaks import current_streak, find_streaks, today_in
    from streakcore.render.badge_svg import badge_for

    settings = load_settings(args)
    as_of = parse_as_of(args.as_of, settings.timezone)
    with open_read_store(settings) as store:
        days = group_days(store.run_facts(until=as_of))
    streaks = find_streaks(qualifying_days(days, rule_of(settings)))
    current = current_streak(streaks, today_in(as_of, settings.zone))
    write_output(badge_for(current, label=args.label), args.output)
    return 0
