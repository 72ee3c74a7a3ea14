"""The wall clock, read in one place: the shells take it as an argument (the domain never
reads it), and tests hand them a fixed instant instead."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
