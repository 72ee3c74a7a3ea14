"""argparse `type=` functions for the numbers and paths users type.

Each takes the text of one flag and returns its value, or raises ArgumentTypeError whose
message argparse prints on the CLI's one error line (exit 2). The bounds are where a
value stops making sense, well before the ones where something would overflow: a `nan`
budget, `-n 1e23` streaks or a heatmap of the year 9999 are typos, not requests.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Callable

from streakcore.domain.instants import EARLIEST_YEAR, LATEST_YEAR
from streakcore.errors import echo


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"write a whole number from {low} to {high}; got {echo(text)}"
            )
        return value

    return parse


def number(
    low: float, high: float, *, unit: str, low_included: bool = True
) -> Callable[[str], float]:
    """A finite number from `low` (or above it) to `high`, in `unit`."""

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        in_range = (low <= value if low_included else low < value) and value <= high
        if not in_range:  # nan and infinities are never in range
            above = f"from {low:g}" if low_included else f"above {low:g}"
            raise argparse.ArgumentTypeError(
                f"write a number of {unit} {above} to {high:g}; got {echo(text)}"
            )
        return value

    return parse


def seconds(high: float) -> Callable[[str], float]:
    """A time budget or timeout: more than 0 seconds, at most `high`."""
    return number(0.0, high, unit="seconds", low_included=False)


calendar_year = whole_number(EARLIEST_YEAR, LATEST_YEAR)
"""A year we answer for (the same years as `--as-of` and `GET /stats?as_of=`)."""


def path_text(text: str) -> str:
    """A file path as typed: not empty, and without the NUL no file name can hold."""
    if not text or "\x00" in text:
        raise argparse.ArgumentTypeError(f"write a file path; got {echo(text)}")
    return text


def short_text(most: int) -> Callable[[str], str]:
    """Text to draw (a badge's label): at most `most` characters, none that an SVG file
    cannot hold (control characters, lone surrogates)."""

    def parse(text: str) -> str:
        drawable = all(unicodedata.category(c) not in ("Cc", "Cs") for c in text)
        if not drawable or len(text) > most:
            raise argparse.ArgumentTypeError(
                f"write at most {most} characters, without control characters; got {echo(text)}"
            )
        return text

    return parse
