"""`streak badge`: a shields-style SVG badge of the current streak for a README."""

from __future__ import annotations

import argparse
import sys

from streakcore.entrypoints.cli.commands.arg_types import short_text
from streakcore.entrypoints.cli.commands.common import Subparsers, add_history_args, history_of
from streakcore.entrypoints.cli.commands.output import add_output_arg, picture_target, write_output

MAX_LABEL_CHARS = 100
DEFAULT_FILE = "badge.svg"


def register(subparsers: Subparsers) -> None:
    badge = subparsers.add_parser(
        "badge",
        help="a 'run streak | 1,234 days' SVG badge for a README",
        description="A shields-style badge of the current streak: green when today is "
        "done, yellow when at risk, red when broken.",
    )
    add_output_arg(
        badge,
        "SVG",
        default=None,
        otherwise=f"{DEFAULT_FILE} when stdout is a terminal, else stdout; - for stdout",
    )
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
    target = picture_target(args.output, DEFAULT_FILE, sys.stdout)
    write_output(badge_for(current, label=args.label), target, db=settings.db)
    return 0
