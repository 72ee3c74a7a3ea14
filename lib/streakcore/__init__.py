"""streakcore: daily running streaks you can trust to the day.

In a notebook::

    import streakcore
    db = streakcore.open("runs.duckdb")
    db.stats().current_streak
    db.runs().df()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from streakcore.entrypoints.notebook import StreakDB


def open(path: str | None = None, **kwargs: Any) -> StreakDB:
    """Open a streakcore DuckDB file (or `s3://` object) read-only; default: STREAK_DB."""
    from streakcore.entrypoints.notebook import StreakDB, _settings

    return StreakDB.open(path if path is not None else _settings().db, **kwargs)


__all__ = ["__version__", "open"]
