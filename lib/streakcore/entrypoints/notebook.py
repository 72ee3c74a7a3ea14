"""The notebook view: `streakcore.open(path)` -> `StreakDB`, a local file or
`s3://bucket/key.duckdb`, read-only.

The view hands out DuckDB relations (`.df()`, `.pl()`), so it holds the DuckDB run store
itself: the one entry point that speaks to an adapter's own type, by design.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from weakref import WeakKeyDictionary

import duckdb

from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import StatsBody
from streakcore.domain.units import parse_distance
from streakcore.settings import Settings, read_settings, resolve_timezone
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.stats import stats_from_store

# The cursors a database's relations run on, kept as long as the database is open: DuckDB 1
# closes a cursor, and every relation on it, as soon as nothing refers to the cursor, and
# a relation does not refer to it. Keyed by the store, so a StreakDB made for one call (as
# `streak streaks` does) may go while its relation runs on.
_RELATION_CURSORS: WeakKeyDictionary[DuckDBRunStore, list[duckdb.DuckDBPyConnection]] = (
    WeakKeyDictionary()
)

_QUALIFIES = {
    RuleName.USRSA: "sum(distance_m) >= $1",
    RuleName.STRICT: "max(distance_m) >= $1",
    RuleName.ANY: "count(*) > 0",
}


def _settings() -> Settings:
    """The STREAK_* settings, read when a notebook call needs a default."""
    return read_settings()


def _rule(rule: str | RuleName | StreakRule | None, min_distance: str | float | None) -> StreakRule:
    """An explicit rule, else the arguments on top of STREAK_RULE / STREAK_MIN_DISTANCE."""
    if isinstance(rule, StreakRule):
        return rule
    base = _settings().streak_rule if rule is None or min_distance is None else StreakRule()
    if isinstance(min_distance, str):
        minimum = parse_distance(min_distance)
    elif min_distance is not None:
        minimum = float(min_distance)
    else:
        minimum = base.min_distance_m
    return StreakRule(name=RuleName(rule) if rule else base.name, min_distance_m=minimum)


class StreakDB:
    """A read-only view of a streakcore database for exploration."""

    def __init__(
        self, store: DuckDBRunStore, *, on_close: Callable[[], None] | None = None
    ) -> None:
        self.store = store
        self._on_close = on_close or store.close

    @classmethod
    def open(cls, path: str | Path, *, cache_dir: str | Path | None = None) -> StreakDB:
        """A local file opened in place, or an `s3://` object downloaded into `cache_dir`
        (default: STREAK_CACHE_DIR, else the user's cache directory) and read from there.
        Nothing is written back; boto3 finds the AWS credentials and region as usual."""
        if not str(path).startswith("s3://"):
            return cls(DuckDBRunStore.open(path, read_only=True))
        from streakcore.bootstrap import Services

        overrides: dict[str, object] = {"db": str(path)}
        if cache_dir is not None:
            overrides["cache_dir"] = Path(cache_dir)
        stack = ExitStack()
        store = stack.enter_context(Services(read_settings(overrides)).reading())
        assert isinstance(store, DuckDBRunStore), "the database engine is DuckDB"
        return cls(store, on_close=stack.close)

    def close(self) -> None:
        for cursor in _RELATION_CURSORS.pop(self.store, []):
            cursor.close()
        self._on_close()

    def __enter__(self) -> StreakDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def sql(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for your own queries (`db.sql.sql("...")`)."""
        return self.store.connection

    def _relation_reader(self) -> DuckDBRunStore:
        """The database read through a cursor of its own, open as long as the database.

        DuckDB 2 refuses to run a relation on a connection that holds an unfinished result,
        and a relation runs each time it is shown. So each relation gets a cursor of its
        own: a result that another call leaves open (ours, or the user's on `db.sql`) never
        stops a relation returned earlier or later.
        """
        cursor = self.store.connection.cursor()
        _RELATION_CURSORS.setdefault(self.store, []).append(cursor)
        return DuckDBRunStore(cursor, self.store.path, read_only=True)

    def stats(
        self,
        as_of: datetime | None = None,
        rule: str | RuleName | StreakRule | None = None,
        tz: str | None = None,
        min_distance: str | float | None = None,
    ) -> StatsBody:
        """The `/stats` body as a model (`.model_dump()` for a dict).

        Defaults come from the STREAK_* settings, as in the terminal: the home zone from
        STREAK_TIMEZONE, the rule from STREAK_RULE and STREAK_MIN_DISTANCE.
        """
        zone = resolve_timezone(tz or _settings().timezone)
        # Its own cursor, closed when done: the store's reads may leave a result open, and
        # on the shared connection that would stop every relation (see _relation_reader).
        with DuckDBRunStore(
            self.store.connection.cursor(), self.store.path, read_only=True
        ) as reader:
            return stats_from_store(
                reader,
                rule=_rule(rule, min_distance),
                as_of=as_of or datetime.now(UTC),
                tz=zone,
            )

    def runs(self) -> duckdb.DuckDBPyRelation:
        """Live runs (deleted ones left out) as a relation: `.df()`, `.pl()`, `.fetchall()`."""
        return self._relation_reader().runs_relation()

    def splits(self) -> duckdb.DuckDBPyRelation:
        """Mile and km splits of the live runs as a relation."""
        return self._relation_reader().splits_relation()

    def streaks(
        self,
        rule: str | RuleName | StreakRule | None = None,
        min_distance: str | float | None = None,
    ) -> duckdb.DuckDBPyRelation:
        """Every streak (start, end, days, distance_m, runs), longest first."""
        r = _rule(rule, min_distance)
        params = [] if r.name is RuleName.ANY else [r.min_distance_m]
        return self._relation_reader().connection.sql(
            f"""
            WITH days AS (
                SELECT local_date, sum(distance_m) AS distance_m, count(*) AS runs
                FROM runs GROUP BY local_date HAVING {_QUALIFIES[r.name]}
            ), islands AS (
                SELECT *, local_date - CAST(row_number() OVER (ORDER BY local_date) AS INTEGER)
                       AS island
                FROM days
            )
            SELECT min(local_date) AS start, max(local_date) AS "end", count(*) AS days,
                   sum(distance_m) AS distance_m, CAST(sum(runs) AS INTEGER) AS runs
            FROM islands GROUP BY island ORDER BY days DESC, "end" DESC
            """,  # noqa: S608 - the HAVING clause is one of three constants
            params=params,
        )
