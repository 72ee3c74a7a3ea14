"""Streak rules: which days count."""

from __future__ import annotations

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
