"""Flags and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from streakcore.domain.instants import EARLIEST_YEAR, LATEST_YEAR, read_instant
from streakcore.domain.rules import RuleName
from streakcore.domain.units import DISTANCE_UNITS
from streakcore.entrypoints.cli.commands.arg_types import path_text
from streakcore.settings import Settings, read_settings, resolve_timezone

if TYPE_CHECKING:
    from streakcore.bootstrap import Services
    from streakcore.ports import RunStore
    from streakcore.usecases.history import History

Subparsers = Any  # argparse's private _SubParsersAction

# Exit codes every command shares; `streak check` adds its own (1 means "at risk" there).
EXIT_OK = 0
EXIT_FAILED = 1
"""The job could not be done: SmashRun, S3, another sync running, the file in use."""
EXIT_USAGE = 2
"""The invocation or the setup needs fixing (argparse uses 2 for bad flags too)."""


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        type=path_text,
        help="DuckDB file or s3://bucket/key.duckdb (default: $STREAK_DB or ./runs.duckdb)",
    )


def add_rule_args(parser: argparse.ArgumentParser, *, rule_help: str | None = None) -> None:
    parser.add_argument(
        "--rule",
        choices=[r.value for r in RuleName],
        help=(
            rule_help
            or "usrsa: the day's runs add up to the minimum; strict: one run of the minimum; "
            "any: any run counts"
        )
        + " (default: $STREAK_RULE or usrsa)",
    )
    add_min_distance_arg(parser)


def add_min_distance_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--min-distance",
        metavar="D",
        help="minimum distance, e.g. 1mi, 1.6km, 1609m, at most 1000km "
        "(default: $STREAK_MIN_DISTANCE or 1mi)",
    )


def add_tz_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--tz",
        metavar="IANA",
        help="home time zone, e.g. America/New_York "
        "(default: $STREAK_TIMEZONE or this machine's zone)",
    )


def add_as_of_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="ISO-8601",
        help="answer as of this instant, e.g. 2026-11-26T07:00:00-05:00, in the years "
        f"{EARLIEST_YEAR} to {LATEST_YEAR} (default: now)",
    )


def add_units_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--units",
        choices=DISTANCE_UNITS,
        help="distances in km or mi (default: $STREAK_UNITS, else mi for a home zone in the "
        "US or the UK and km elsewhere); JSON stays in metres",
    )


def add_json_arg(parser: argparse.ArgumentParser, *, instead_of: str = "a table") -> None:
    parser.add_argument("--json", action="store_true", help=f"print JSON instead of {instead_of}")


def add_history_args(parser: argparse.ArgumentParser) -> None:
    """The flags of a command that draws or judges the database as it stood at an instant."""
    add_db_arg(parser)
    add_as_of_arg(parser)
    add_tz_arg(parser)
    add_rule_args(parser)


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment with this invocation's flags on top."""
    overrides: dict[str, Any] = {}
    for flag, field in (
        ("db", "db"),
        ("tz", "timezone"),
        ("rule", "rule"),
        ("min_distance", "min_distance"),
        ("secret_id", "token_secret_id"),
        ("units", "units"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    return read_settings(overrides)


def services_for(settings: Settings) -> Services:
    """The composition root of one command."""
    from streakcore.bootstrap import Services

    return Services(settings)


def parse_as_of(text: str | None, tz_name: str) -> datetime:
    """An aware instant (now, without `--as-of`); a naive one is read in the home zone.
    The same reading and the same years as `GET /stats?as_of=`."""
    if text is None:
        return datetime.now(UTC)
    return read_instant(text, home=resolve_timezone(tz_name), name="--as-of")


# -- the database, wherever STREAK_DB points -------------------------------------------------


@contextmanager
def open_read_store(settings: Settings) -> Iterator[RunStore]:
    """The database in `settings.db`, read-only, for the commands that only read it."""
    with services_for(settings).reading() as store:
        yield store


def history_of(args: argparse.Namespace) -> tuple[Settings, History]:
    """This invocation's settings, and the database as it stood at its `--as-of`."""
    settings = load_settings(args)
    return settings, history_at(settings, parse_as_of(args.as_of, settings.timezone))


def history_at(settings: Settings, as_of: datetime) -> History:
    """The database in `settings.db` as it stood at `as_of` (aware), read-only."""
    from streakcore.usecases.history import read_history

    with open_read_store(settings) as store:
        return read_history(store, as_of, settings.zone)
