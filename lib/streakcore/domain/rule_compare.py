"""Every rule at once: the streaks under usrsa, strict and any side by side, and the days
on which they disagree.

At one minimum distance the rules nest (a strict day is a usrsa day, a usrsa day is an
`any` day), so a disagreement is a day with runs that at least one rule refuses: runs that
add up short of the minimum, or that add up to it with no single run reaching it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict

from streakcore.domain.days import Day, qualifying_days
from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.streaks import (
    CurrentStreak,
    Streak,
    current_streak,
    find_streaks,
    longest_streak,
)
from streakcore.domain.units import Metres, MinimumMetres

DISAGREEMENTS_KEPT = 30
"""How many of the most recent disagreement days a summary lists (the count covers all)."""


class Disagreement(BaseModel):
    """A day with runs that counts under some rules and not under others."""

    model_config = ConfigDict(frozen=True)

    date: date
    runs: int
    distance_m: Metres
    longest_run_m: Metres
    counts_under: tuple[RuleName, ...]
    """The rules under which the day counts, in `RuleName` order."""


class DisagreementSummary(BaseModel):
    """The disagreement days at one minimum: how many, and the latest few."""

    model_config = ConfigDict(frozen=True)

    count: int = 0
    recent: tuple[Disagreement, ...] = ()
    """The latest days, oldest first."""


class RuleStanding(BaseModel):
    """Current and longest streak under one rule."""

    model_config = ConfigDict(frozen=True)

    rule: RuleName
    current_streak: CurrentStreak
    longest_streak: Streak | None


class RuleComparison(BaseModel):
    """The three rules side by side at one minimum distance."""

    model_config = ConfigDict(frozen=True)

    min_distance_m: MinimumMetres
    rules: tuple[RuleStanding, ...]
    disagreement_days: int
    """How many days the rules disagree on, over the whole history."""
    disagreements: tuple[Disagreement, ...]
    """The disagreement days listed (all of them, or the latest few), oldest first."""


def named_rules(min_distance_m: float) -> list[StreakRule]:
    """usrsa, strict and any at one minimum, in `RuleName` order."""
    return [StreakRule(name=name, min_distance_m=min_distance_m) for name in RuleName]


def _disagrees(day: Day, rules: Sequence[StreakRule]) -> bool:
    counting = sum(1 for rule in rules if day.qualifies(rule))
    return 0 < counting < len(rules)


def disagreement(day: Day, rules: Sequence[StreakRule]) -> Disagreement | None:
    """The day as a disagreement among `rules`, or None when they all agree."""
    if not _disagrees(day, rules):
        return None
    return Disagreement(
        date=day.local_date,
        runs=day.runs,
        distance_m=day.distance_m,
        longest_run_m=day.longest_m,
        counts_under=tuple(rule.name for rule in rules if day.qualifies(rule)),
    )


def disagreements(days: Iterable[Day], min_distance_m: float) -> list[Disagreement]:
    """Every day on which usrsa, strict and any disagree, in date order."""
    rules = named_rules(min_distance_m)
    found = [d for day in days if (d := disagreement(day, rules)) is not None]
    found.sort(key=lambda d: d.date)
    return found


def summarise(
    days: Iterable[Day], min_distance_m: float, *, keep: int | None = DISAGREEMENTS_KEPT
) -> DisagreementSummary:
    """How many days the rules disagree on, with the latest `keep` (all when None) listed.

    Only the listed days become models: a 20-year history may disagree on thousands.
    """
    rules = named_rules(min_distance_m)
    found = sorted((day for day in days if _disagrees(day, rules)), key=lambda d: d.local_date)
    listed = found if keep is None else found[-keep:] if keep > 0 else []
    return DisagreementSummary(
        count=len(found),
        recent=tuple(d for day in listed if (d := disagreement(day, rules)) is not None),
    )


def standing(rule: RuleName, streaks: Sequence[Streak], today: date) -> RuleStanding:
    return RuleStanding(
        rule=rule,
        current_streak=current_streak(streaks, today),
        longest_streak=longest_streak(streaks),
    )


def comparison(
    streaks_by_rule: Mapping[RuleName, Sequence[Streak]],
    summary: DisagreementSummary,
    *,
    min_distance_m: float,
    today: date,
) -> RuleComparison:
    """The comparison from streaks already found (e.g. a stats snapshot's) at `today`."""
    return RuleComparison(
        min_distance_m=min_distance_m,
        rules=tuple(standing(name, streaks_by_rule[name], today) for name in RuleName),
        disagreement_days=summary.count,
        disagreements=summary.recent,
    )


def compare_rules(
    days: Sequence[Day],
    *,
    min_distance_m: float,
    today: date,
    keep: int | None = DISAGREEMENTS_KEPT,
) -> RuleComparison:
    """The comparison straight from the days; `keep=None` lists every disagreement day."""
    streaks_by_rule = {
        rule.name: find_streaks(qualifying_days(days, rule)) for rule in named_rules(min_distance_m)
    }
    summary = summarise(days, min_distance_m, keep=keep)
    return comparison(streaks_by_rule, summary, min_distance_m=min_distance_m, today=today)
