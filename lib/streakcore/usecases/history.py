"""The runs in the database as they stood at one instant, grouped into days: what the
terminal's badge, heatmap, check and rules, and the Lambda's evening check, start from.

The current streak is worked out here and nowhere else, with the same domain functions the
`/stats` body uses, so the badge, the heatmap and the stats agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from streakcore.domain.days import Day, group_days, qualifying_days
from streakcore.domain.rules import StreakRule
from streakcore.domain.streaks import CurrentStreak, current_streak, find_streaks, today_in
from streakcore.ports import RunStore
from streakcore.usecases.stats import last_sync_of


@dataclass(frozen=True, slots=True)
class History:
    days: Sequence[Day]
    """Every day with a run that had started by `as_of`, in date order."""
    as_of: datetime
    today: date
    """The home calendar date at `as_of`."""
    last_sync: datetime | None

    def qualifying(self, rule: StreakRule) -> list[Day]:
        return qualifying_days(self.days, rule)

    def current_streak(self, rule: StreakRule) -> CurrentStreak:
        """The streak alive at `today` under `rule` (see `domain.streaks.current_streak`)."""
        return current_streak(find_streaks(self.qualifying(rule)), self.today)


def read_history(store: RunStore, as_of: datetime, tz: ZoneInfo) -> History:
    """The store's runs as they stood at `as_of` (aware), and `today` in `tz`."""
    return History(
        days=group_days(store.run_facts(until=as_of)),
        as_of=as_of,
        today=today_in(as_of, tz),
        last_sync=last_sync_of(store),
    )
