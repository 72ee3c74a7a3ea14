"""The `GET /stats` query string, parsed; bad values become 400s that say what to send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from streakcore.domain.instants import read_instant
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.units import parse_distance
from streakcore.errors import ConfigError, echo
from streakcore.settings import Settings, resolve_timezone

ALL_RULES = "all"
RULE_CHOICES = (*(r.value for r in RuleName), ALL_RULES)
PARAMETERS = ("rule", "tz", "as_of", "min_distance")
AS_OF_HINT = "URL-encode the + of a positive offset as %2B"


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
    `as_of` to the request's instant) when left out.

    An empty value (`?tz=`) is refused rather than read as "the default": it is a client
    whose template lost its value, and answering for a zone or instant it did not choose
    would give it a different "today" without a word. The OpenAPI spec says so
    (`minLength: 1`, and the rule's enum and the distance's pattern exclude it too).
    """
    params = params or {}
    for name in PARAMETERS:
        if name in params and not params[name].strip():
            raise BadRequestError(f"{name} is empty: leave it out to use the default")
    rule_text = params.get("rule", settings.rule.value).strip().lower()
    if rule_text not in RULE_CHOICES:
        raise BadRequestError(
            f"rule must be one of {', '.join(RULE_CHOICES)}; got {echo(rule_text)}"
        )
    try:
        tz = resolve_timezone(params.get("tz", settings.timezone).strip())
        min_distance_m = parse_distance(params.get("min_distance", settings.min_distance))
        as_of = _instant(params.get("as_of"), tz, now)
    except ConfigError as exc:
        raise BadRequestError(str(exc)) from None
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
    return read_instant(cleaned, home=tz, name="as_of", hint=AS_OF_HINT)
