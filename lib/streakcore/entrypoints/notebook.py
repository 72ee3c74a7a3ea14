"""The notebook view: `streakcore.open(path)` -> `StreakDB`, a local file or
`s3://bucket/key.duckdb`, read-only.

The view hands out DuckDB relations (`.df()`, `.pl()`), so it holds the DuckDB run store
itself: the one entry point that speaks to an adapter's own type, by design. In a notebook
the database shows itself as a small table and its heatmap, the stats body as a table.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

import duckdb

from streakcore.domain.rules import RuleName, StreakRule
from streakcore.domain.stats import StatsBody
from streakcore.domain.units import parse_distance
from streakcore.errors import ConfigError
from streakcore.settings import Settings, read_settings, resolve_timezone
from streakcore.storage.duckdb.store import DuckDBRunStore
from streakcore.usecases.stats import last_sync_of, stats_from_store

# The cursors a database's relations run on, kept as long as the database is open: DuckDB 1
# closes a cursor, and every relation on it, as soon as nothing refers to the cursor, and
# a relation does not refer to it. Keyed by the store, so a StreakDB made for one call (as
# `streak streaks` does) may go while its relation runs on.
_RELATION_CURSORS: WeakKeyDictionary[DuckDBRunStore, list[duckdb.DuckDBPyConnection]] = (
    WeakKeyDictionary()
)


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


NOTEBOOK_EXTRA = "pip install 'streakcore[notebook]'"
_RESULT_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    **dict.fromkeys(("df", "fetchdf", "to_df"), (("numpy", "pandas"), NOTEBOOK_EXTRA)),
    "fetchnumpy": (("numpy",), NOTEBOOK_EXTRA),
    "pl": (("polars",), "pip install polars"),
    **dict.fromkeys(
        ("arrow", "to_arrow_table", "fetch_arrow_table", "to_arrow_reader", "fetch_arrow_reader",
         "fetch_record_batch"),
        (("pyarrow",), "pip install pyarrow"),
    ),
}  # fmt: skip
"""What each way of taking a relation's rows out needs installed, and how to get it."""


def _require(method: str) -> None:
    needs, how = _RESULT_NEEDS[method]
    for module in needs:
        try:
            importlib.import_module(module)
        except ImportError:
            raise ConfigError(
                f".{method}() needs {needs[-1]}, which is not installed: {how}"
            ) from None


def _unwrapped(value: object) -> object:
    return value.relation if isinstance(value, Relation) else value


class Relation:
    """A DuckDB relation: every method of `duckdb.DuckDBPyRelation` works, and each one
    that returns a relation returns one of these. `.df()` (and `.pl()`, `.arrow()`) say
    what to install when their library is missing, instead of DuckDB's "No module named
    numpy"; `.relation` is DuckDB's own."""

    __slots__ = ("relation",)

    def __init__(self, relation: duckdb.DuckDBPyRelation) -> None:
        self.relation = relation

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.relation, name)
        if name in _RESULT_NEEDS:
            _require(name)
        if not callable(attribute):
            return attribute

        @functools.wraps(attribute)
        def call(*args: object, **kwargs: object) -> object:
            result = attribute(
                *(_unwrapped(a) for a in args), **{k: _unwrapped(v) for k, v in kwargs.items()}
            )
            return Relation(result) if isinstance(result, duckdb.DuckDBPyRelation) else result

        return call

    def __dir__(self) -> list[str]:
        return sorted({*dir(self.relation), "relation"})

    def __repr__(self) -> str:
        return repr(self.relation)

    def __str__(self) -> str:
        return str(self.relation)

    def __len__(self) -> int:
        return len(self.relation)

    def __getitem__(self, key: str) -> Relation:
        return Relation(self.relation[key])

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        return self.relation.__arrow_c_stream__(requested_schema)


HEATMAP_WEEKS = 53
"""The database's picture in a notebook: the last year, week by week, up to today."""


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
        Nothing is written back; botocore finds the AWS credentials and region as usual."""
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

    # -- how a notebook shows it ------------------------------------------------------------

    def _overview(self) -> tuple[int, date | None, date | None, datetime | None]:
        """Live runs, the first and last run's date, the last sync."""
        with DuckDBRunStore(
            self.store.connection.cursor(), self.store.path, read_only=True
        ) as reader:
            row = reader.rows(
                reader.connection.sql("SELECT count(*), min(local_date), max(local_date) FROM runs")
            )[0]
            return int(row[0]), row[1], row[2], last_sync_of(reader)

    def __repr__(self) -> str:
        runs, first, last, synced = self._overview()
        span = f", {first} to {last}" if first is not None else ""
        when = synced.isoformat(timespec="minutes") if synced else "never"
        return f"<StreakDB {self.store.path}: {runs:,} runs{span}, last sync {when}>"

    def _repr_html_(self) -> str:
        """A small table (runs, span, last sync) and the last year's heatmap, in the
        STREAK_* settings' zone, rule and units."""
        from streakcore.domain.days import group_days
        from streakcore.domain.streaks import today_in
        from streakcore.render.heatmap_svg import heatmap_svg

        settings = _settings()
        runs, first, last, synced = self._overview()
        rows = [
            ("Database", str(self.store.path)),
            ("Runs", f"{runs:,}"),
            ("Span", f"{first} to {last}" if first is not None else "no runs yet"),
            ("Last sync", synced.isoformat(timespec="minutes") if synced else "never"),
        ]
        table = "".join(
            f'<tr><th style="text-align:left">{escape(k)}</th>'
            f'<td style="text-align:left">{escape(v)}</td></tr>'
            for k, v in rows
        )
        today = today_in(datetime.now(UTC), settings.zone)
        with DuckDBRunStore(
            self.store.connection.cursor(), self.store.path, read_only=True
        ) as reader:
            days = group_days(reader.run_facts())
        start = today - timedelta(weeks=HEATMAP_WEEKS - 1, days=today.weekday())
        svg = heatmap_svg(
            days,
            first=start,
            last=today,
            today=today,
            units=settings.units,
            rule=settings.streak_rule,
            title="The last 12 months",
        )
        return f"<table>{table}</table>\n<div>{svg}</div>"

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
        """The `/stats` body as a model (`.model_dump()` for a dict); a notebook shows it as
        a small table, in STREAK_UNITS.

        Defaults come from the STREAK_* settings, as in the terminal: the home zone from
        STREAK_TIMEZONE, the rule from STREAK_RULE and STREAK_MIN_DISTANCE.
        """
        settings = _settings()
        zone = resolve_timezone(tz or settings.timezone)
        # Its own cursor, closed when done: the store's reads may leave a result open, and
        # on the shared connection that would stop every relation (see _relation_reader).
        with DuckDBRunStore(
            self.store.connection.cursor(), self.store.path, read_only=True
        ) as reader:
            body = stats_from_store(
                reader,
                rule=_rule(rule, min_distance),
                as_of=as_of or datetime.now(UTC),
                tz=zone,
            )
        return body.shown_in(settings.units)

    def runs(self) -> Relation:
        """Live runs (deleted ones left out) as a relation: `.df()`, `.pl()`, `.fetchall()`."""
        return Relation(self._relation_reader().runs_relation())

    def splits(self) -> Relation:
        """Mile and km splits of the live runs as a relation."""
        return Relation(self._relation_reader().splits_relation())

    def streaks(
        self,
        rule: str | RuleName | StreakRule | None = None,
        min_distance: str | float | None = None,
    ) -> Relation:
        """Every streak (start, end, days, distance_m, runs), longest first."""
        r = _rule(rule, min_distance)
        relation = self._relation_reader().streaks_relation(r)
        return Relation(relation)
