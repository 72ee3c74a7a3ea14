"""Group runs into streak days: the local calendar date each run carried."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from streakcore.domain.models import Activity
from streakcore.domain.rules import StreakRule


@dataclass(frozen=True, slots=True)
class Day:
    """Every run that started on one local calendar date."""

    local_date: date
    activities: tuple[Activity, ...]

    @property
    def distances_m(self) -> tuple[float, ...]:
        return tuple(a.distance_m for a in self.activities)

    @property
    def distance_m(self) -> float:
        return sum(self.distances_m)

    @property
    def duration_s(self) -> float:
        return sum(a.duration_s for a in self.activities)

    def qualifies(self, rule: StreakRule) -> bool:
        return rule.qualifies(self.distances_m)


def group_days(activities: Iterable[Activity]) -> list[Day]:
    """Days in date order; each day's runs in start order."""
    by_date: dict[date, list[Activity]] = {}
    for activity in activities:
        by_date.setdefault(activity.local_date, []).append(activity)
    return [
        Day(local_date=d, activities=tuple(sorted(runs, key=lambda a: a.start_local)))
        for d, runs in sorted(by_date.items())
    ]


def qualifying_days(days: Iterable[Day], rule: StreakRule) -> list[Day]:
    return [day for day in days if day.qualifies(rule)]
