"""`streak add` and `streak remove`: runs with no file, logged by hand, and taking a run
that did not come from SmashRun out again."""

from __future__ import annotations

import argparse
import json
import re
from datetime import date

from streakcore.domain.units import format_distance, parse_distance
from streakcore.entrypoints.cli.commands.common import (
    EXIT_OK,
    Subparsers,
    add_db_arg,
    add_json_arg,
    add_units_arg,
    load_settings,
    services_for,
)
from streakcore.errors import ConfigError, echo

_DURATION = re.compile(r"(?:(\d{1,3}):)?(\d{1,3}):([0-5]\d)")
MAX_DURATION_S = 10 * 86_400


def register(subparsers: Subparsers) -> None:
    add = subparsers.add_parser(
        "add",
        help="log a run that has no file (a treadmill, the day the watch died)",
        description="Log a run by hand. It counts for the date given, is marked manual in "
        "the ledger, and merges into the same run if SmashRun or a file brings it later "
        "(it starts at noon in the home zone). `streak remove ID` takes it out.",
    )
    add.add_argument("--date", required=True, metavar="D", help="the run's date, e.g. 2026-12-05")
    add.add_argument(
        "--distance", required=True, metavar="D", help="how far, e.g. 2mi, 3.2km or 5000m"
    )
    add.add_argument("--duration", metavar="[H:]MM:SS", help="how long, e.g. 18:30 or 1:05:00")
    add.add_argument("--note", metavar="TEXT", help="a note kept with the run")
    add_db_arg(add)
    add_json_arg(add, instead_of="a line")
    add_units_arg(add)
    add.set_defaults(run=run_add)

    remove = subparsers.add_parser(
        "remove",
        help="take out a manual or imported run",
        description="Take out a run logged with `streak add` or imported from a file (its "
        "id is in `streak ledger`). A run from SmashRun is deleted at SmashRun, and the next "
        "sync follows. A run removed that had copies (the same run from another file or "
        "from SmashRun) leaves the richest copy counting.",
    )
    remove.add_argument("activity_id", metavar="ID", help="the run's id, e.g. manual-20261205-1")
    add_db_arg(remove)
    add_json_arg(remove, instead_of="a line")
    add_units_arg(remove)
    remove.set_defaults(run=run_remove)


def parse_run_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"cannot read --date {echo(text)}: write a date such as 2026-12-05"
        ) from None


def parse_duration(text: str | None) -> float | None:
    """`18:30` or `1:05:00` in seconds; None when not given."""
    if text is None:
        return None
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ConfigError(
            f"cannot read --duration {echo(text)}: write MM:SS or H:MM:SS, e.g. 18:30"
        )
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if not 0 < total <= MAX_DURATION_S:
        raise ConfigError(f"--duration {echo(text)} is not the length of a run")
    return float(total)


def run_add(args: argparse.Namespace) -> int:
    local_date = parse_run_date(args.date)
    distance_m = parse_distance(args.distance)
    if distance_m <= 0:
        raise ConfigError("--distance must be more than 0")
    duration_s = parse_duration(args.duration)
    settings = load_settings(args)
    activity = services_for(settings).add_manual_run(
        local_date=local_date, distance_m=distance_m, duration_s=duration_s, note=args.note
    )
    if args.json:
        print(json.dumps({"added": activity.activity_id, "date": local_date.isoformat(),
                          "distance_m": round(distance_m, 1), "source": "manual"}))  # fmt: skip
    else:
        print(
            f"added {activity.activity_id}: {format_distance(distance_m, settings.units)} on "
            f"{local_date:%A %-d %B %Y} (manual)"
        )
    return EXIT_OK


def run_remove(args: argparse.Namespace) -> int:
    settings = load_settings(args)
    activity = services_for(settings).remove_run(args.activity_id)
    if args.json:
        print(json.dumps({"removed": activity.activity_id, "source": activity.source}))
    else:
        print(
            f"removed {activity.activity_id} ({activity.source}, {activity.local_date}, "
            f"{format_distance(activity.distance_m, settings.units)})"
        )
    return EXIT_OK
