"""`streak rules`: current and longest streak under every rule, and where they disagree."""

from __future__ import annotations

import argparse

from streakcore.domain.stats import RulesBody
from streakcore.domain.units import DistanceUnit
from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_as_of_arg,
    add_db_arg,
    add_json_arg,
    add_min_distance_arg,
    add_tz_arg,
    add_units_arg,
    history_of,
)


def register(subparsers: Subparsers) -> None:
    rules = subparsers.add_parser(
        "rules",
        help="current and longest streak under usrsa, strict and any, side by side",
        description="Current and longest streak under usrsa, strict and any at one minimum "
        "distance, and the days on which the rules disagree. --json prints the body of "
        "GET /stats?rule=all.",
    )
    add_db_arg(rules)
    add_json_arg(rules)
    add_as_of_arg(rules)
    add_tz_arg(rules)
    add_min_distance_arg(rules)
    add_units_arg(rules)
    rules.add_argument(
        "--all-days",
        action="store_true",
        help="list every day the rules disagree on (default: the latest 30)",
    )
    rules.set_defaults(run=run_rules)


def run_rules(args: argparse.Namespace) -> int:
    from streakcore.domain.rule_compare import DISAGREEMENTS_KEPT, compare_rules
    from streakcore.domain.stats import rules_body

    settings, history = history_of(args)
    comparison = compare_rules(
        history.days,
        min_distance_m=settings.streak_rule.min_distance_m,
        today=history.today,
        keep=None if args.all_days else DISAGREEMENTS_KEPT,
    )
    body = rules_body(
        comparison, as_of=history.as_of, tz=settings.zone, last_sync=history.last_sync
    )
    if args.json:
        print(body.model_dump_json(indent=2))
    else:
        print_rules(body, settings.units)
    return 0


def print_rules(body: RulesBody, unit: DistanceUnit) -> None:
    from rich.console import Console
    from rich.table import Table

    from streakcore.domain.units import format_distance
    from streakcore.entrypoints.cli.commands.render import STATUS_TEXT

    console = Console()
    standings = Table(title=f"Every rule at {format_distance(body.min_distance_m, unit)}")
    for name in ("Rule", "Current streak", "Today", "Longest streak"):
        standings.add_column(name)
    for standing in body.rules:
        cur = standing.current_streak
        lon = standing.longest_streak
        standings.add_row(
            standing.rule.value,
            f"{cur.days:,} days since {cur.start}" if cur.days else "0 days",
            STATUS_TEXT[cur.status],
            f"{lon.days:,} days, {lon.start} to {lon.end}" if lon else "-",
        )
    console.print(standings)
    listed = len(body.disagreements)
    if body.disagreement_days == 0:
        console.print("The rules agree on every day.")
        return
    more = (
        "" if listed == body.disagreement_days else f" (the latest {listed}; --all-days lists all)"
    )
    days = Table(title=f"{body.disagreement_days:,} days the rules disagree on{more}")
    for name in ("Date", "Runs", "Total", "Longest run", "Counts under"):
        days.add_column(name, justify="right" if name == "Runs" else "left")
    for d in body.disagreements:
        days.add_row(
            str(d.date),
            str(d.runs),
            format_distance(d.distance_m, unit),
            format_distance(d.longest_run_m, unit),
            ", ".join(r.value for r in d.counts_under),
        )
    console.print(days)
