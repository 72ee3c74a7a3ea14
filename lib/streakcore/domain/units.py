"""Units at the edges: we store metres and seconds and convert only when parsing or printing."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Literal

from pydantic import PlainSerializer, SerializationInfo

from streakcore.errors import ConfigError, echo

DistanceUnit = Literal["km", "mi"]
"""The unit every human-facing output uses (`STREAK_UNITS`, `--units`); JSON stays in
metres and seconds."""
DISTANCE_UNITS: tuple[DistanceUnit, ...] = ("km", "mi")

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


UNIT_METRES: dict[DistanceUnit, float] = {"km": METRES_PER_KM, "mi": METRES_PER_MILE}

MILES_ZONES = frozenset(
    {
        # The United States (zone.tab's US zones and their older names).
        "America/New_York", "America/Detroit", "America/Kentucky/Louisville",
        "America/Kentucky/Monticello", "America/Indiana/Indianapolis",
        "America/Indiana/Vincennes", "America/Indiana/Winamac", "America/Indiana/Marengo",
        "America/Indiana/Petersburg", "America/Indiana/Vevay", "America/Chicago",
        "America/Indiana/Tell_City", "America/Indiana/Knox", "America/Menominee",
        "America/North_Dakota/Center", "America/North_Dakota/New_Salem",
        "America/North_Dakota/Beulah", "America/Denver", "America/Boise", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "America/Juneau", "America/Sitka",
        "America/Metlakatla", "America/Yakutat", "America/Nome", "America/Adak",
        "Pacific/Honolulu", "America/Indianapolis", "America/Fort_Wayne", "America/Knox_IN",
        "America/Louisville", "America/Atka", "America/Shiprock", "Navajo",
        "US/Alaska", "US/Aleutian", "US/Arizona", "US/Central", "US/East-Indiana",
        "US/Eastern", "US/Hawaii", "US/Indiana-Starke", "US/Michigan", "US/Mountain",
        "US/Pacific",
        # The United Kingdom and the Crown Dependencies.
        "Europe/London", "Europe/Belfast", "GB", "GB-Eire", "Europe/Guernsey",
        "Europe/Isle_of_Man", "Europe/Jersey",
    }
)  # fmt: skip
"""Home zones where road distances are signed in miles: the US and the UK. A runner there
thinks of a run in miles; everywhere else (most of the world) in kilometres."""


def units_for_zone(zone_name: str) -> DistanceUnit:
    """The unit a runner whose home zone is `zone_name` reads, when they have not said."""
    return "mi" if zone_name in MILES_ZONES else "km"


EXACT_NUMBERS: dict[str, bool] = {"exact_numbers": True}
"""Serialisation context (`model_dump_json(context=EXACT_NUMBERS)`) that keeps every float
as it is: for the documents kept beside the database, which are caches of a computation,
not answers to a reader."""


def _rounded(digits: int) -> Callable[[float, SerializationInfo], float]:
    def serialise(value: float, info: SerializationInfo) -> float:
        if isinstance(info.context, dict) and info.context.get("exact_numbers"):
            return value
        return round(value, digits)

    return serialise


Metres = Annotated[float, PlainSerializer(_rounded(1), return_type=float, when_used="json")]
"""A measured distance: written to JSON to 0.1 m (finer than any GPS or footpod measures,
and free of float noise such as 929783.1400000002); exact in Python."""
Seconds = Annotated[float, PlainSerializer(_rounded(1), return_type=float, when_used="json")]
"""A measured duration: written to JSON to 0.1 s (a watch's own resolution at best)."""


MinimumMetres = Annotated[float, PlainSerializer(_rounded(3), return_type=float, when_used="json")]
"""A distance a runner defines (a rule's minimum): written to the millimetre, which keeps a
mile (1609.344 m) exact, where 0.1 m would move the line a day is judged against."""


def to_unit(distance_m: float, unit: DistanceUnit) -> float:
    """Metres in `unit`."""
    return distance_m / UNIT_METRES[unit]


def metres_to_miles(distance_m: float) -> float:
    return distance_m / METRES_PER_MILE


def metres_to_km(distance_m: float) -> float:
    return distance_m / METRES_PER_KM


def format_distance(distance_m: float, unit: DistanceUnit, *, decimals: int = 2) -> str:
    """Human text in one unit: '5.00 km', '3.11 mi'; `decimals=0` for totals ('2,887 km')."""
    return f"{to_unit(distance_m, unit):,.{decimals}f} {unit}"


def format_duration(duration_s: float) -> str:
    """h:mm:ss or m:ss."""
    total = round(duration_s)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"
