"""Flags and helpers shared by the subcommands."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import parse_distance
from streakcore.errors import ConfigError
from streakcore.settings import Settings, resolve_timezone

Subparsers = Any  # argparse's private _SubParsersAction


def add_db_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH", help="DuckDB file (default: $STREAK_DB or ./runs.duckdb)"
    )


def add_rule_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rule",
        choices=[r.value for r in RuleName],
        help="usrsa: the day's runs add up to the minimum (default); "
        "strict: one run of the minimum; any: any run counts",
    )
    parser.add_argument(
        "--min-distance", metavar="D", help="minimum distance, e.g. 1mi, 1.6km, 1609m (default 1mi)"
    )
    parser.add_argument("--tz", metavar="IANA", help="home time zone, e.g. America/New_York")


def add_as_of_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        metavar="ISO-8601",
        help="answer as of this instant, e.g. 2026-11-26T07:00:00-05:00 (default: now)",
    )


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment with this invocation's flags on top."""
    overrides: dict[str, Any] = {}
    for flag, field in (
        ("db", "db"),
        ("tz", "timezone"),
        ("rule", "rule"),
        ("min_distance", "min_distance"),
    ):
        value = getattr(args, flag, None)
        if value is not None:
            overrides[field] = value
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        raise ConfigError(f"bad setting {where}: {first['msg']}") from None


def rule_of(settings: Settings) -> StreakRule:
    return StreakRule(name=settings.rule, min_distance_m=parse_distance(settings.min_distance))


def parse_as_of(text: str | None, tz_name: str) -> datetime:
    """An aware instant; a naive one is read in the home zone."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"cannot read --as-of {text!r}: use ISO 8601, e.g. 2026-11-26T07:00:00-05:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=resolve_timezone(tz_name))
    return value
