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
    from streakcore.notebook import StreakDB


def open(path: str = "runs.duckdb", **kwargs: Any) -> StreakDB:
    """Open a streakcore DuckDB file read-only for exploration."""
    from streakcore.notebook import StreakDB

    return StreakDB.open(path, **kwargs)


__all__ = ["__version__", "open"]
