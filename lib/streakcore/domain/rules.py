"""Streak rules: which days count."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from streakcore.domain.units import METRES_PER_MILE


class RuleName(StrEnum):
    USRSA = "usrsa"
    """The day's runs add up to at least the minimum (Streak Runners International / USRSA)."""
    STRICT = "strict"
    """One single run of at least the minimum."""
    ANY = "any"
    """Any run counts, as SmashRun counts."""


RULE_SOURCES: dict[RuleName, str] = {
    RuleName.USRSA: "Streak Runners International (USRSA): at least one mile in a calendar "
    "day, continuously, under your own power; the day's runs may add up",
    RuleName.STRICT: "one unbroken run of at least the minimum every calendar day",
    RuleName.ANY: "any recorded run counts, however short (how SmashRun counts streaks)",
}


class StreakRule(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: RuleName = RuleName.USRSA
    min_distance_m: float = Field(default=METRES_PER_MILE, ge=0)

    def qualifies(self, distances_m: Sequence[float]) -> bool:
        """Does a day with runs of these distances count?"""
        if not distances_m:
            return False
        if self.name is RuleName.ANY:
            return True
        if self.name is RuleName.STRICT:
            return max(distances_m) >= self.min_distance_m
        return sum(distances_m) >= self.min_distance_m

    def margin_m(self, distances_m: Sequence[float]) -> float:
        """How far over (positive) or short of (negative) the minimum a day is."""
        if self.name is RuleName.STRICT:
            best = max(distances_m, default=0.0)
            return best - self.min_distance_m
        if self.name is RuleName.ANY:
            return sum(distances_m) if distances_m else -self.min_distance_m
        return sum(distances_m) - self.min_distance_m
