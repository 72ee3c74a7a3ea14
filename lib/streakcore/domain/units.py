"""Units at the edges: we store metres and seconds and convert only when parsing or printing."""

from __future__ import annotations

import re
from typing import Literal

from streakcore.errors import ConfigError, echo

DistanceUnit = Literal["km", "mi"]
"""The unit every human-facing output uses (`STREAK_UNITS`, `--units`); JSON stays in
metres and seconds."""

METRES_PER_MILE = 1609.344
METRES_PER_KM = 1000.0
MAX_DISTANCE_M = 1_000_000.0
"""The farthest distance we read (1000 km): a minimum beyond it is a typo, and a long run
of digits would otherwise become an infinite number of metres."""

_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mi|miles?|km|m)\s*$", re.IGNORECASE)
_UNIT_METRES = {
    "mi": METRES_PER_MILE,
    "mile": METRES_PER_MILE,
    "miles": METRES_PER_MILE,
    "km": METRES_PER_KM,
    "m": 1.0,
}


def parse_distance(text: str) -> float:
    """Parse `1mi`, `1.6km` or `1609m` into metres, at most MAX_DISTANCE_M."""
    match = _DISTANCE.match(text)
    if match is None:
        raise ConfigError(
            f"cannot read distance {echo(text)}: write a number and a unit, "
            "e.g. 1mi, 1.6km or 1609m"
        )
    distance_m = float(match.group(1)) * _UNIT_METRES[match.group(2).lower()]
    # Compared after the conversion: a finite number of miles can still overflow in metres.
    if not distance_m <= MAX_DISTANCE_M:
        raise ConfigError(
            f"distance {echo(text)} is too far: write at most "
            f"{MAX_DISTANCE_M / METRES_PER_KM:.0f}km"
        )
    return distance_m


def metres_to_miles(distance_m: float) -> float:
    return distance_m / METRES_PER_MILE


def metres_to_km(distance_m: float) -> float:
    return distance_m / METRES_PER_KM


def format_distance(distance_m: float) -> str:
    """Human text in miles and km, e.g. '3.11 mi (5.00 km)'."""
    return f"{metres_to_miles(distance_m):,.2f} mi ({metres_to_km(distance_m):,.2f} km)"


def format_duration(duration_s: float) -> str:
    """h:mm:ss or m:ss."""
    total = round(duration_s)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"
