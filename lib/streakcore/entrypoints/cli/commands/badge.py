"""`streak badge`: a shields-style SVG badge of the current streak for a README."""

from __future__ import annotations

import argparse

from streakcore.entrypoints.cli.commands.arg_types import short_text
from streakcore.entrypoints.cli.commands.common import Subparsers, add_history_args, history_of
from streakcore.entrypoints.cli.commands.output import STDOUT, add_output_arg, write_output

MAX_LABEL_CHARS = 100


def register(subparsers: Subparsers) -> None:
    badge = subparsers.add_parser(
        "badge",
        help="a 'run streak | 1,234 days' SVG badge for a README",
        description="A shields-style badge of the current streak: green when today is "
        "done, yellow when at risk, red when broken.",
    )
    add_output_arg(badge, "SVG", default=STDOUT, otherwise="stdout")
    badge.add_argument(
        "--label",
        type=short_text(MAX_LABEL_CHARS),
        default="run streak",
        help=f"left-hand text, at most {MAX_LABEL_CHARS} characters (default: run streak)",
    )
    add_history_args(badge)
    badge.set_defaults(run=run_badge)


def run_badge(args: argparse.Namespace) -> int:
    from streakcore.render.badge_svg import badge_for

    settings, history = history_of(args)
    current = history.current_streak(settings.streak_rule)
    write_output(badge_for(current, label=args.label), args.output, db=settings.db)
    return 0
