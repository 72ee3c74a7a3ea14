"""A deliberately simple reference for the streak engine: slow, obvious and independent.

The property tests hold the engine to it, and the benchmarks measure against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from streakcore.domain.models import Run
from streakcore.domain.rules import RuleName, StreakRule


def reference_streaks(
    activities: Iterable[Run], rule: StreakRule, today: date
) -> tuple[int, str, int]:
    """(current days, status, longest days), walking the calendar one day at a time."""
    per_day: dict[date, list[float]] = {}
    for a in activities:
        per_day.setdefault(a.start_local.date(), []).append(a.distance_m)

    def counts(d: date) -> bool:
        runs = per_day.get(d, [])
        if not runs:
            return False
        if rule.name is RuleName.ANY:
            return True
        if rule.name is RuleName.STRICT:
            return any(r >= rule.min_distance_m for r in runs)
        return sum(runs) >= rule.min_distance_m

    longest = 0
    length = 0
    d = min(per_day, default=today)
    last = max([*per_day, today])
    while d <= last:
        length = length + 1 if counts(d) else 0
        longest = max(longest, length)
        d += timedelta(days=1)

    # The streak alive today ends at the latest qualifying day on or after yesterday.
    end = max((x for x in per_day if x >= today - timedelta(days=1) and counts(x)), default=None)
    if end is None:
        return 0, "broken", longest
    current = 0
    x = end
    while counts(x):
        current += 1
        x -= timedelta(days=1)
    return current, ("done_today" if end >= today else "at_risk"), longest
