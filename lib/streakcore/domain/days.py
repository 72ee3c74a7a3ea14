"""Group runs into streak days: the local calendar date each run carried."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from streakcore.domain.models import Run
from streakcore.domain.rules import RuleName, StreakRule


@dataclass(frozen=True, slots=True)
class Day:
    """Every run that started on one local calendar date, with its totals worked out once."""

    local_date: date
    activities: Sequence[Run]
    distance_m: float = field(init=False)
    duration_s: float = field(init=False)
    longest_m: float = field(init=False)

    def __post_init__(self) -> None:
        distances = [a.distance_m for a in self.activities]
        object.__setattr__(self, "distance_m", sum(distances))
        object.__setattr__(self, "duration_s", sum(a.duration_s for a in self.activities))
        object.__setattr__(self, "longest_m", max(distances, default=0.0))

    @property
    def distances_m(self) -> tuple[float, ...]:
        return tuple(a.distance_m for a in self.activities)

    def qualifies(self, rule: StreakRule) -> bool:
        if not self.activities:
            return False
        if rule.name is RuleName.ANY:
            return True
        if rule.name is RuleName.STRICT:
            return self.longest_m >= rule.min_distance_m
        return self.distance_m >= rule.min_distance_m


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
