"""`streak ledger`: one row per streak day, the evidence a streak registry asks for."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Sequence
from datetime import date

from streakcore.domain.ledger import LedgerRow
from streakcore.domain.units import DistanceUnit, metres_to_miles
from streakcore.entrypoints.cli.commands.common import (
    Subparsers,
    add_db_arg,
    add_rule_args,
    add_units_arg,
    load_settings,
    open_read_store,
)
from streakcore.entrypoints.cli.commands.output import STDOUT, add_output_arg, write_output
from streakcore.errors import ConfigError

CSV_COLUMNS = (
    "date", "streak_start", "streak_day", "activity_ids", "distances_m", "distances_mi",
    "utc_offsets", "rule", "min_distance_m", "sources",
)  # fmt: skip
LIST_SEPARATOR = ";"
"""Several runs on one day share a cell, in start order, separated by this."""


def register(subparsers: Subparsers) -> None:
    ledger = subparsers.add_parser(
        "ledger",
        help="one row per streak day: the runs that counted, their distances and offsets",
        description="One row per streak day: the qualifying activity ids, their distances, "
        "the UTC offset each run carried, the rule and the minimum, and where each run came "
        "from (smashrun, gpx, tcx, fit, strava-export, or manual for a run logged by hand). "
        "--csv (or -o) writes CSV.",
    )
    ledger.add_argument("--from", dest="first", metavar="D", help="first date, e.g. 2024-01-01")
    ledger.add_argument("--to", dest="last", metavar="D", help="last date (inclusive)")
    ledger.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    add_output_arg(ledger, "CSV", default=None, otherwise="a table, or with --csv stdout")
    add_db_arg(ledger)
    add_rule_args(ledger, rule_help="which days count")
    add_units_arg(ledger)
    ledger.set_defaults(run=run_ledger)


def parse_date(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"cannot read {flag} {text!r}: use a date such as 2024-01-31") from None


def ledger_csv(rows: Sequence[LedgerRow]) -> str:
    """The rows as CSV text with a header line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.date.isoformat(),
                row.streak_start.isoformat(),
                row.streak_day,
                LIST_SEPARATOR.join(row.activity_ids),
                LIST_SEPARATOR.join(f"{d:.1f}" for d in row.distances_m),
                LIST_SEPARATOR.join(f"{metres_to_miles(d):.3f}" for d in row.distances_m),
                LIST_SEPARATOR.join(row.utc_offsets),
                row.rule.value,
                f"{row.min_distance_m:.3f}",
                LIST_SEPARATOR.join(row.sources),
            )
        )
    return out.getvalue()


def run_ledger(args: argparse.Namespace) -> int:
    from streakcore.domain.days import group_days
    from streakcore.domain.ledger import ledger

    first = parse_date(args.first, "--from")
    last = parse_date(args.last, "--to")
    if first is not None and last is not None and last < first:
        raise ConfigError(f"--to {last} is before --from {first}")
    settings = load_settings(args)
    with open_read_store(settings) as store:
        days = group_days(store.run_facts())
    rows = ledger(days, settings.streak_rule, first=first, last=last)
    if args.csv or args.output:
        write_output(ledger_csv(rows), args.output or STDOUT, db=settings.db)
    else:
        print_ledger(rows, settings.units)
    return 0


def print_ledger(rows: Sequence[LedgerRow], unit: DistanceUnit) -> None:
    from rich.console import Console
    from rich.table import Table

    from streakcore.domain.units import format_distance

    table = Table(title=f"{len(rows):,} streak days")
    for name in ("Date", "Streak day", "Activities", "Distances", "UTC offsets", "Sources"):
        table.add_column(name, justify="right" if name == "Streak day" else "left")
    for row in rows:
        table.add_row(
            row.date.isoformat(),
            f"{row.streak_day:,}",
            ", ".join(row.activity_ids),
            ", ".join(format_distance(d, unit) for d in row.distances_m),
            ", ".join(row.utc_offsets),
            ", ".join(row.sources),
        )
    Console().print(table)
