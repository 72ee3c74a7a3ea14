"""`streak stats` and `streak streaks`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from streakcore.entrypoints.cli.commands.arg_types import whole_number
from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_as_of_arg,
    add_db_arg,
    add_json_arg,
    add_rule_args,
    add_tz_arg,
    add_units_arg,
    load_settings,
    open_read_store,
    parse_as_of,
)

MAX_STREAKS_LISTED = 100_000
"""More than a lifetime of daily runs can break into."""


def register(subparsers: Subparsers) -> None:
    stats = subparsers.add_parser(
        "stats",
        help="current and longest streak, totals and records",
        description="Current and longest streak, totals and records. "
        "--json prints exactly the body of GET /stats.",
    )
    add_db_arg(stats)
    add_json_arg(stats)
    add_as_of_arg(stats)
    add_tz_arg(stats)
    add_rule_args(stats)
    add_units_arg(stats)
    stats.set_defaults(run=run_stats)

    streaks = subparsers.add_parser(
        "streaks",
        help="the longest streaks, longest first",
        description="Every streak under the rule, longest first: its days, first and last "
        "day, distance and runs. The streak still alive (its last day today or yesterday in "
        "your home zone) is marked ongoing, done today or at risk. --json prints a list of "
        "{start, end, days, distance_m, runs}, distances in metres.",
    )
    add_db_arg(streaks)
    add_json_arg(streaks)
    add_tz_arg(streaks)
    add_rule_args(streaks)
    add_units_arg(streaks)
    streaks.add_argument(
        "-n",
        "--top",
        type=whole_number(1, MAX_STREAKS_LISTED),
        default=10,
        help=f"how many, 1 to {MAX_STREAKS_LISTED:,} (default 10)",
    )
    streaks.set_defaults(run=run_streaks)


def run_stats(args: argparse.Namespace) -> int:
    from streakcore.usecases.stats import stats_from_store

    settings = load_settings(args)
    as_of = parse_as_of(args.as_of, settings.timezone)
    with open_read_store(settings) as store:
        body = stats_from_store(store, rule=settings.streak_rule, as_of=as_of, tz=settings.zone)
    if args.json:
        print(body.model_dump_json(indent=2))
    else:
        from streakcore.entrypoints.cli.commands.render import print_stats

        print_stats(body, settings.units)
    return 0


def run_streaks(args: argparse.Namespace) -> int:
    from streakcore.entrypoints.notebook import StreakDB
    from streakcore.storage.duckdb.store import DuckDBRunStore

    settings = load_settings(args)
    with open_read_store(settings) as store:
        # The streaks are the notebook's own DuckDB query, read with the store's errors.
        assert isinstance(store, DuckDBRunStore), "the database engine is DuckDB"
        streaks = StreakDB(store).streaks(settings.streak_rule).limit(args.top)
        rows = store.rows(streaks.relation)
    if args.json:
        print(json.dumps([streak_json(r) for r in rows], default=str, indent=2))
    else:
        from rich.console import Console

        from streakcore.domain.streaks import today_in
        from streakcore.entrypoints.cli.commands.render import streaks_table

        today = today_in(datetime.now(UTC), settings.zone)
        Console().print(streaks_table(rows, settings.units, today=today))
    return 0


def streak_json(row: tuple[object, ...]) -> dict[str, object]:
    """One streak as `--json` writes it: the distance to 0.1 m, like the stats body."""
    start, end, days, distance_m, runs = row
    return {
        "start": start,
        "end": end,
        "days": days,
        "distance_m": round(float(distance_m), 1),  # type: ignore[arg-type]
        "runs": runs,
    }
