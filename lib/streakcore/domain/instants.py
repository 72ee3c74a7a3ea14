"""The instants and years a user may ask about (`--as-of`, `GET /stats?as_of=`,
`streak heatmap --year`), read and bounded in one place for the terminal and the API.

Outside these years an instant is a typo, and the extreme ones overflow the calendar
arithmetic behind every answer (9999-12-31 at -12:00 is already year 10000 in UTC; a
heatmap pads its year to whole weeks).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from streakcore.errors import ConfigError, echo

EARLIEST_YEAR = 1970
LATEST_YEAR = 2200

YEARS_ALLOWED = f"between {EARLIEST_YEAR} and {LATEST_YEAR}"


def check_year(year: int, name: str) -> int:
    """`year` itself when it lies in the years we answer for, else a ConfigError."""
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ConfigError(f"{name} {year} is not a year we can answer for: use one {YEARS_ALLOWED}")
    return year


def read_instant(text: str, *, home: ZoneInfo, name: str, hint: str = "") -> datetime:
    """An aware instant from ISO 8601 `text` (`name` is the flag or parameter that gave
    it); a time without an offset is read in the `home` zone.

    Raises ConfigError for text that is not ISO 8601 (`hint` may add how to send it) and
    for an instant outside the years we answer for; within them, moving it to any zone
    stays well inside the calendar.
    """
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"cannot read {name} {echo(text)}: use ISO 8601, e.g. 2026-11-26T07:00:00-05:00"
            + (f" ({hint})" if hint else "")
        ) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ConfigError(f"{name} must fall {YEARS_ALLOWED}; got {echo(text)}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=home)
    return value
