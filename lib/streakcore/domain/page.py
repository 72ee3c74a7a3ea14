"""What the streak page says: the values `usecases.page` gathers and `render.page_html`
draws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from streakcore.domain.days import Day
from streakcore.domain.evening_check import EveningCheck
from streakcore.domain.stats import StatsBody
from streakcore.domain.units import DistanceUnit


@dataclass(frozen=True, slots=True)
class PageFacts:
    """Everything the page says, gathered by `usecases.page`, drawn by `render.page_html`."""

    stats: StatsBody
    """The `/stats` body at the page's instant."""
    check: EveningCheck
    """Today's verdict: what it still needs and how long is left."""
    days: Sequence[Day]
    """Days with runs, in date order, at least the heatmap's."""
    units: DistanceUnit
    sync_failed: bool = False
    """The last sync attempt failed (the runs shown may be missing today's)."""
    stale: bool = False
    """No sync has succeeded for a long while."""
