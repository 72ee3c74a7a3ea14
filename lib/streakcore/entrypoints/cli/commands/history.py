"""The runs in the database as they stood at one instant, grouped into days: what the
commands that draw or judge the current streak (badge, heatmap, check, rules) start from.

The current streak is worked out here and nowhere else in the terminal, with the same
domain functions the `/stats` body uses, so the badge, the heatmap and the stats agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from streakcore.domain.days import Day, group_days, qualifying_days
from streakcore.domain.rules import StreakRule
from streakcore.domain.streaks import CurrentStreak, current_streak, find_streaks, today_in
from streakcore.entrypoints.cli.commands.common import open_read_store
from streakcore.settings import Settings


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


def read_history(settings: Settings, as_of: datetime) -> History:
    """The database in `settings.db` as it stood at `as_of` (aware), read-only."""
    # DuckDB loads only once a command reads the database.
    from streakcore.usecases.stats import last_sync_of

    with open_read_store(settings) as store:
        runs = store.run_facts(until=as_of)
        last_sync = last_sync_of(store)
    return History(
        days=group_days(runs),
        as_of=as_of,
        today=today_in(as_of, settings.zone),
        last_sync=last_sync,
    )
