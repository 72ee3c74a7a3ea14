"""Group runs into streak days: the local calendar date each run carried."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from streakcore.domain.models import Run
from streakcore.domain.rules import RuleName, StreakRule


@dataclass(frozen=True, slots=True)
class Day:
    """One local calendar date: its runs and their totals.

    Built from the runs (`Day(date, runs)`: the totals are worked out once), or from totals
    alone when the database has already added them up (`activities` then stays empty).
    """

    local_date: date
    activities: Sequence[Run] = ()
    runs: int = 0
    distance_m: float = 0.0
    duration_s: float = 0.0
    longest_m: float = 0.0

    def __post_init__(self) -> None:
        if self.activities and not self.runs:
            distances = [a.distance_m for a in self.activities]
            object.__setattr__(self, "runs", len(distances))
            object.__setattr__(self, "distance_m", sum(distances))
            object.__setattr__(self, "duration_s", sum(a.duration_s for a in self.activities))
            object.__setattr__(self, "longest_m", max(distances))

    @property
    def distances_m(self) -> tuple[float, ...]:
        return tuple(a.distance_m for a in self.activities)

    def qualifies(self, rule: StreakRule) -> bool:
        if not self.runs:
            return False
        if rule.name is RuleName.ANY:
            return True
        if rule.name is RuleName.STRICT:
            return self.longest_m >= rule.min_distance_m
        return self.distance_m >= rule.min_distance_m

    def margin_m(self, rule: StreakRule) -> float:
        """How far over (positive) or short of (negative) the rule's minimum the day is."""
        if rule.name is RuleName.STRICT:
            return self.longest_m - rule.min_distance_m
        if rule.name is RuleName.ANY:
            return self.distance_m if self.runs else -rule.min_distance_m
        return self.distance_m - rule.min_distance_m


def group_days(activities: Iterable[Run]) -> list[Day]:
    """Days in date order; each day's runs in start order."""
    by_date: dict[date, list[Run]] = {}
    for activity in activities:
        by_date.setdefault(activity.local_date, []).append(activity)
    days = []
    for d in sorted(by_date):
        runs = by_date[d]
        if len(runs) > 1:
            runs.sort(key=lambda a: a.start_local)
        days.append(Day(local_date=d, activities=tuple(runs)))
    return days


def qualifying_days(days: Iterable[Day], rule: StreakRule) -> list[Day]:
    return [day for day in days if day.qualifies(rule)]
