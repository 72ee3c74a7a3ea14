"""The `GET /stats` query string, parsed; bad values become 400s that say what to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import parse_distance
from streakcore.errors import ConfigError
from streakcore.settings import Settings, resolve_timezone

ALL_RULES = "all"
RULE_CHOICES = (*(r.value for r in RuleName), ALL_RULES)

# Instants outside these years are typos, and extreme ones overflow time-zone arithmetic.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200
MAX_MIN_DISTANCE_M = 1_000_000.0


@dataclass(frozen=True, slots=True)
class StatsQuery:
    rule: StreakRule
    """The rule to answer for (with `all_rules`, its minimum is what matters)."""
    all_rules: bool
    tz: ZoneInfo
    as_of: datetime


def parse_stats_query(
    params: Mapping[str, str] | None, settings: Settings, now: datetime
) -> StatsQuery:
    """`rule`, `tz`, `as_of` and `min_distance`, each defaulting to the settings (and
    `as_of` to the request's instant)."""
    params = params or {}
    rule_text = params.get("rule", settings.rule.value).strip().lower()
    if rule_text not in RULE_CHOICES:
        raise BadRequestError(f"rule must be one of {', '.join(RULE_CHOICES)}; got {rule_text!r}")
    try:
        tz = resolve_timezone(params.get("tz", settings.timezone).strip())
        min_distance_m = parse_distance(params.get("min_distance", settings.min_distance))
    except ConfigError as exc:
        raise BadRequestError(str(exc)) from None
    if not 0 <= min_distance_m <= MAX_MIN_DISTANCE_M:
        raise BadRequestError("min_distance must be at most 1000km")
    as_of = _instant(params.get("as_of"), tz, now)
    all_rules = rule_text == ALL_RULES
    name = settings.rule if all_rules else RuleName(rule_text)
    return StatsQuery(
        rule=StreakRule(name=name, min_distance_m=min_distance_m),
        all_rules=all_rules,
        tz=tz,
        as_of=as_of,
    )


def _instant(text: str | None, tz: ZoneInfo, now: datetime) -> datetime:
    if text is None:
        return now
    # An unencoded `+05:00` in a query string arrives as a space.
    cleaned = text.strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise BadRequestError(
            f"as_of {text!r} is not ISO 8601: send e.g. 2026-11-26T07:00:00-05:00 "
            "(URL-encode the + of a positive offset as %2B)"
        ) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise BadRequestError(f"as_of must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value
